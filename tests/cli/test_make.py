"""The README's commands themselves: ``make synth`` stops on bad configuration with the message and no traceback,
and app.py limits synthesis to the environments named in context."""

import json
import os
import subprocess
import sys

import pytest

from kafka_platform.assembly import CloudAssembly
from tests.config.bad_files import CASES, write
from tests.conftest import ROOT

MAKE_CASES = [c for c in CASES if c.id in ("brokers-not-multiple-of-zones", "unknown-key-typo", "key-written-twice")]


@pytest.mark.parametrize("case", MAKE_CASES, ids=[c.id for c in MAKE_CASES])
def test_make_synth_on_a_bad_file_prints_the_problem_and_fails(case, tmp_path):
    write(case, tmp_path)
    result = subprocess.run(["make", "-s", "synth", f"ENVIRONMENTS_DIR={tmp_path}"], cwd=ROOT, capture_output=True,
                            text=True, timeout=600, env={**os.environ, "MAKEFLAGS": ""})
    assert result.returncode == 2  # make's status for a failed recipe; kafka-platform validate itself exits 1
    assert case.expected.split(": ", 1)[1] in result.stderr
    assert str(tmp_path / "prod.yaml") in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_app_synthesizes_only_the_environments_named_in_context(tmp_path):
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path), "CDK_CONTEXT_JSON": json.dumps({"environments": "prod"})}
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True, env=env,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    # Prod and its standby in the DR region: both are composed from prod.yaml.
    assert CloudAssembly(tmp_path).stages() == ["Prod", "ProdDr"]


def test_app_refuses_an_unknown_environment_in_context(tmp_path):
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path), "CDK_CONTEXT_JSON": json.dumps({"environments": "qa"})}
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True, env=env,
                            timeout=600)
    assert result.returncode == 1
    assert result.stderr.strip().endswith("\"qa\" has no file environments/qa.yaml; choose from dev, prod, staging")
    assert "Traceback" not in result.stderr


def test_make_deploy_without_environments_is_refused_before_any_synthesis():
    result = subprocess.run(["make", "-s", "deploy"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "MAKEFLAGS": ""})
    assert result.returncode == 2
    assert result.stderr.startswith("make deploy needs ENVIRONMENTS=<name>[,<name>] (for example ENVIRONMENTS=staging)")
    assert "Plan for" not in result.stdout


def test_make_deploy_plans_then_deploys_each_stage_then_its_standby(tmp_path):
    """The CDK CLI is replaced by echo: the plan runs for real, then the deploy commands, in order, on the assembly
    make synth wrote (a standby's stage after its primary's)."""
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "staging.yaml").write_text((ROOT / "environments" / "staging.yaml").read_text())
    result = subprocess.run(["make", "-s", "deploy", "ENVIRONMENTS=staging", f"ENVIRONMENTS_DIR={environments}",
                             f"CDK_OUT={tmp_path / 'cdk.out'}", "CDK_DEPLOY=echo cdk"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "MAKEFLAGS": ""})
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "Plan for staging" in out and "Needs attention: no" in out
    deploys = [line for line in out.splitlines() if line.startswith("cdk deploy")]
    assert deploys == [f"cdk deploy --app {tmp_path / 'cdk.out'} --require-approval broadening --no-notices {stage}/*"
                       for stage in ("Staging", "StagingDr")]
    assert out.index("Needs attention: no") < out.index("deploy: Staging/*")


def _make(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_make_help_lists_every_target():
    import re

    makefile = (ROOT / "Makefile").read_text()
    phony = set(re.search(r"^\.PHONY: (.+)$", makefile, re.M).group(1).split()) - {"deploy-needs-environments"}
    listed = set(re.findall(r"^  make (\S+)", _make("help").stdout, re.M))
    assert listed == phony


def test_an_unknown_make_variable_is_refused_with_the_one_meant():
    result = _make("synth", "ENVIRONMENT=staging")
    assert result.returncode != 0 and "unknown variable ENVIRONMENT" in result.stderr
    assert "did you mean ENVIRONMENTS?" in result.stderr


def test_make_clean_never_deletes_a_tracked_file():
    import re

    dry = _make("-n", "clean").stdout
    removed = [path for line in dry.splitlines() if line.startswith("rm ") for path in line.split()[2:]]
    tracked = subprocess.run(["git", "ls-files", "--", *removed], cwd=ROOT, capture_output=True, text=True).stdout
    assert removed and tracked == "", tracked
    assert not re.search(r"\bdocs\b|\benvironments\b|\btests\b", " ".join(removed))
