"""``PermissionContracts``: the permission-contracts gate (``kafka_platform.permissions``) as a CDK validation plugin.

CDK hands a validation plugin the templates of every stage once they are written: the gate reads them (and the
assembly's other stages, where a call crosses them), and each call AWS would refuse is a violation that fails
synthesis, like a compliance pack's finding. ``register_gates`` adds it, so a team's own app runs it too.
"""

from __future__ import annotations

from pathlib import Path

import jsii
from aws_cdk import (IPolicyValidationContextBeta1, IPolicyValidationPluginBeta1, PolicyValidationPluginReportBeta1,
                     PolicyViolatingResourceBeta1, PolicyViolationBeta1)

from kafka_platform.assembly import CloudAssembly
from kafka_platform.permissions import CONTRACTS, contract_findings

PLUGIN_NAME = "PermissionContracts"


def _assembly_root(template: Path) -> Path:
    """The cloud assembly a template belongs to: a stage's nested assembly sits inside the app's."""
    directory = template.parent
    while (directory.parent / "manifest.json").exists():
        directory = directory.parent
    return directory


@jsii.implements(IPolicyValidationPluginBeta1)
class PermissionContracts:
    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str | None:
        return None

    @property
    def rule_ids(self) -> list[str]:
        return [contract.kind for contract in CONTRACTS]

    def validate(self, context: IPolicyValidationContextBeta1) -> PolicyValidationPluginReportBeta1:
        paths = [Path(p).resolve() for p in context.template_paths]
        if not paths:
            return PolicyValidationPluginReportBeta1(success=True, violations=[])
        stacks = CloudAssembly(_assembly_root(paths[0])).stacks()
        validated = {str(p) for p in paths}
        by_name = {stack.stack_name: stack for stack in stacks}
        violations = []
        for finding in contract_findings(stacks):
            stack = by_name[finding.stack]
            if str(stack.template_path.resolve()) not in validated:
                continue
            violations.append(PolicyViolationBeta1(
                rule_name=finding.contract, description=str(finding).removesuffix(f"; fix: {finding.fix}"),
                fix=finding.fix, severity="error",
                violating_resources=[PolicyViolatingResourceBeta1(
                    resource_logical_id=finding.logical_id, template_path=str(stack.template_path),
                    locations=[finding.action])]))
        return PolicyValidationPluginReportBeta1(success=not violations, violations=violations)
