"""Fixtures shared by the whole suite. Every environment is synthesized once per session, gates included.

Nothing may call AWS: the run has credentials planted and every AWS endpoint pointed at a closed local port, so any
call (boto3, botocore, the CDK CLI's SDK) fails the test that made it instead of reaching an account.
"""

import os

PLANTED_AWS = {"AWS_ACCESS_KEY_ID": "AKIAPLANTEDNOTREAL00", "AWS_SECRET_ACCESS_KEY": "planted-not-a-real-secret",
               "AWS_SESSION_TOKEN": "planted", "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_REGION": "eu-west-2",
               "AWS_DEFAULT_REGION": "eu-west-2", "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
os.environ.update(PLANTED_AWS)
os.environ.pop("AWS_PROFILE", None)

from kafka_platform.node_runtime import use_wheel_node  # noqa: E402

use_wheel_node()

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Iterator  # noqa: E402

import pytest  # noqa: E402
from aws_cdk import App  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from kafka_platform.assembly import CloudAssembly  # noqa: E402
from kafka_platform.config import load_environments  # noqa: E402
from kafka_platform.config.model import Environment  # noqa: E402
from kafka_platform.platform_app import compose  # noqa: E402
from kafka_platform.stacks.stage import PlatformStage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_REQUIRED = __import__("os").environ.get("KAFKA_PLATFORM_RUNTIME_REQUIRED") == "1"
_runtime_outcomes: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "tests/runtime/" in report.nodeid and (report.when == "call" or report.skipped):
        _runtime_outcomes.append(report.outcome)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With KAFKA_PLATFORM_RUNTIME_REQUIRED=1 (CI), the runtime tier must have run, and run without skips."""
    if RUNTIME_REQUIRED and exitstatus == 0 and (not _runtime_outcomes or "skipped" in _runtime_outcomes):
        print("\nruntime tier required but " + ("not run" if not _runtime_outcomes else "skipped"))
        session.exitstatus = 1
ENVIRONMENTS_DIR = ROOT / "environments"
ENVIRONMENT_NAMES = ("dev", "staging", "prod")


def cdk_context(**extra: Any) -> dict[str, Any]:
    """The context the CDK CLI gives app.py (cdk.json's feature flags and settings, path and asset metadata), so
    that tests see the templates ``make synth`` writes; asset bundling is skipped."""
    cdk = json.loads((ROOT / "cdk.json").read_text())
    return {**cdk["context"], "aws:cdk:version-reporting": cdk.get("versionReporting", True),
            "aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True,
            "aws:cdk:bundling-stacks": [], **extra}


@dataclass
class Synthesized:
    """The shipped environments, synthesized once: stages for construct-level checks, the assembly for templates."""

    stages: dict[str, PlatformStage]
    assembly: CloudAssembly
    #: checkov and cfn-lint over every template, started as soon as the templates exist: they run on the second core
    #: while the tests (one process, one core) go on; tests/gates reads their output.
    checkov: subprocess.Popen[str] | None = None
    cfn_lint: dict[str, subprocess.Popen[str]] = field(default_factory=dict)
    _templates: dict[str, Template] = field(default_factory=dict)

    def raw(self, environment: str, stack: str) -> dict[str, Any]:
        return self.assembly.stack(f"{self.stages[environment].stage_name}/{stack}").template

    def template(self, environment: str, stack: str) -> Template:
        key = f"{environment}/{stack}"
        if key not in self._templates:
            self._templates[key] = Template.from_json(self.raw(environment, stack))
        return self._templates[key]

    @property
    def report(self) -> dict[str, Any]:
        return json.loads((self.assembly.directory / "validation-report.json").read_text())


@pytest.fixture(scope="session")
def environments() -> dict[str, Environment]:
    return {e.name: e for e in load_environments(ENVIRONMENTS_DIR)}


@pytest.fixture(scope="session")
def synthesized(environments: dict[str, Environment],
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    # Findings are asserted by tests/gates (with the list of rules), so synthesis itself must not stop on them.
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir), context=cdk_context(**{"@aws-cdk/core:failSynthOnValidationErrors": False}))
    stages = compose(app, list(environments.values()))
    synthesized = Synthesized(stages=stages, assembly=CloudAssembly(Path(app.synth().directory)))
    tools = Path(sys.executable).parent
    synthesized.checkov = subprocess.Popen(
        [str(tools / "checkov"), "-d", str(synthesized.assembly.directory), "--framework", "cloudformation", "--quiet",
         "--compact", "--skip-download", "-o", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    by_region: dict[str, list[str]] = {}
    for stack in synthesized.assembly.stacks():
        by_region.setdefault(stack.region, []).append(str(stack.template_path))
    for region, templates in by_region.items():
        synthesized.cfn_lint[region] = subprocess.Popen(
            [str(tools / "cfn-lint"), "--format", "json", "--regions", region, "--", *templates],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield synthesized
    for process in [synthesized.checkov, *synthesized.cfn_lint.values()]:
        if process is not None and process.poll() is None:
            process.kill()
