"""The bank's scale, synthesized once per test run: the shipped prod environment with 80 connectors and 80 consumer
services (``kafka_platform.scale_reference``), every gate on. Prod only: the other environments compose the same
constructs and differ in sizes, not counts, and three environments at this scale would take a third of the suite's
ten minutes (``make bench-synth`` synthesizes them all).

checkov and cfn-lint run as processes of their own, started as soon as the templates exist, so that they use the
second core while the tests read the assembly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk import App

from kafka_platform.assembly import CloudAssembly
from kafka_platform.config import load_environments
from kafka_platform.config.model import Environment
from kafka_platform.platform_app import compose
from kafka_platform.scale_reference import write_scale_reference
from tests.conftest import ENVIRONMENTS_DIR, cdk_context

SCALE = 80
SCALED_ENVIRONMENT = "prod"
BIN = Path(sys.executable).parent


@dataclass
class ScaleReference:
    environments: dict[str, Environment]
    assembly: CloudAssembly
    checkov: subprocess.Popen
    cfn_lint: subprocess.Popen

    @property
    def report(self) -> dict:
        return json.loads((self.assembly.directory / "validation-report.json").read_text())

    def checkov_output(self) -> dict:
        stdout, stderr = self.checkov.communicate(timeout=900)
        assert self.checkov.returncode in (0, 1), stderr[-2000:]
        output = json.loads(stdout)
        return {"failed": [c for o in (output if isinstance(output, list) else [output])
                           for c in o["results"]["failed_checks"]],
                "passed": sum(o["summary"]["passed"] for o in (output if isinstance(output, list) else [output])),
                "resources": sum(o["summary"]["resource_count"]
                                 for o in (output if isinstance(output, list) else [output]))}

    def cfn_lint_output(self) -> tuple[int, list[dict]]:
        stdout, stderr = self.cfn_lint.communicate(timeout=900)
        return self.cfn_lint.returncode, (json.loads(stdout) if stdout.strip() else [])


@pytest.fixture(scope="session")
def scale_reference(tmp_path_factory: pytest.TempPathFactory) -> ScaleReference:
    folder = write_scale_reference(ENVIRONMENTS_DIR, tmp_path_factory.mktemp("environments"), SCALE)
    environments = {e.name: e for e in load_environments(folder) if e.name == SCALED_ENVIRONMENT}
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir), context=cdk_context(**{"@aws-cdk/core:failSynthOnValidationErrors": False}))
    compose(app, list(environments.values()))
    assembly = CloudAssembly(Path(app.synth().directory))
    templates = sorted(str(s.template_path) for s in assembly.stacks())
    # checkov's checks are per resource, so only the stacks whose resources multiply with the scale are new to it:
    # the consumer stacks and the Connect stack. The others are the shipped prod's, which tests/gates/test_checkov.py
    # checks (this halves the suite's longest wait).
    scaled = sorted(str(s.template_path) for s in assembly.stacks()
                    if "-Consumers-" in s.stack_name or s.stack_name.endswith("-Connect"))
    checkov = subprocess.Popen([str(BIN / "checkov"), *(a for t in scaled for a in ("-f", t)),
                                "--framework", "cloudformation", "--quiet", "--compact", "--skip-download", "-o",
                                "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cfn_lint = subprocess.Popen([str(BIN / "cfn-lint"), "--format", "json", "--", *templates],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return ScaleReference(environments, assembly, checkov, cfn_lint)
