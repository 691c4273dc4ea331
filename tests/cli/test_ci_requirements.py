"""CI must not pass with the runtime tier skipped or left out."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def run(*arguments, required):
    env = {**os.environ, "KAFKA_PLATFORM_RUNTIME_REQUIRED": "1" if required else "0"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


def test_a_run_without_the_runtime_tier_fails_when_it_is_required():
    result = run("tests/domain/test_lag_scaling.py", required=True)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "runtime tier required but not run" in result.stdout


def test_the_same_run_passes_when_it_is_not_required():
    assert run("tests/domain/test_lag_scaling.py", required=False).returncode == 0


def test_ci_requires_the_runtime_tier():
    script = (ROOT / ".ci" / "run").read_text()
    assert "export KAFKA_PLATFORM_RUNTIME_REQUIRED=1" in script
    commands = [line for line in script.splitlines() if line.startswith("make ")]
    assert commands == ["make test", "make floors"]  # the suite, then the wheel on its lowest dependency versions
