"""Compliance gates that run on every synthesized template: cdk-nag's AwsSolutions, PCI DSS 3.2.1 and NIST 800-53
rev 5 packs, and the bank's own KafkaPlatform pack. A finding fails synthesis unless acknowledged (see
``acknowledge``); the report, acknowledgments and their reasons included, lands in cdk.out/validation-report.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks

from kafka_platform.gates.platform_pack import KafkaPlatformChecks
from kafka_platform.gates.rules import DeclaredTopology


def register_gates(app: App, topologies: Mapping[str, DeclaredTopology]) -> None:
    """Run every pack over the whole app at synthesis; ``topologies`` maps stage names to what they declare."""
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, verbose=True),
        PCIDSS321Checks(app, verbose=True),
        NIST80053R5Checks(app, verbose=True),
        KafkaPlatformChecks(app, topologies=topologies),
    )


VALIDATION_REPORT = "validation-report.json"


def report_failures(assembly_directory: str | Path) -> list[str]:
    """Every plugin report that did not succeed, in one line each.

    CDK fails synthesis on violations, but a plugin that crashes with no violations is only marked ``failure`` in
    the report and synthesis succeeds: this check closes that gap. No report at all is a failure too."""
    path = Path(assembly_directory) / VALIDATION_REPORT
    if not path.exists():
        return [f"{path}: missing; the compliance gates did not run"]
    failures = []
    for plugin in json.loads(path.read_text())["pluginReports"]:
        if plugin.get("conclusion") != "success":
            error = (plugin.get("metadata") or {}).get("error", "")
            violations = ", ".join(v["ruleName"] for v in plugin.get("violations", []))
            failures.append(f"{plugin['pluginName']}: {plugin.get('conclusion')}: {error or violations}")
    return failures
