"""CI must not pass with the runtime tier skipped or left out."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def start(*arguments, required):
    env = {**os.environ, "KAFKA_PLATFORM_RUNTIME_REQUIRED": "1" if required else "0"}
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_run_without_the_runtime_tier_fails_when_it_is_required_and_passes_when_not():
    # Both runs at once: each spends its time starting pytest and jsii, one core each.
    required, optional = (start("tests/domain/test_lag_scaling.py", required=flag) for flag in (True, False))
    stdout, _ = required.communicate(timeout=300)
    assert required.returncode == 1, stdout[-2000:]
    assert "runtime tier required but not run" in stdout
    optional.communicate(timeout=300)
    assert optional.returncode == 0


def test_ci_requires_the_runtime_tier():
    script = (ROOT / ".ci" / "run").read_text()
    assert "export KAFKA_PLATFORM_RUNTIME_REQUIRED=1" in script
    commands = [line for line in script.splitlines() if line.startswith("make ")]
    # The runtime tier's jars installed first (a download, not a test), the suite, then the wheel on its lowest
    # dependency versions.
    assert commands == ["make runtime-jars", "make test", "make floors"]
    assert script.index("runtime-prerequisites") < script.index("make runtime-jars")
