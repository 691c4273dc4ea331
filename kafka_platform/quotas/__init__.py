"""The deploy-readiness gate: would AWS accept these templates?

cdk-nag, cfn-lint and checkov judge security and syntax; none of them knows that IAM refuses a managed policy over
6,144 characters or that a security group holds 60 rules each way. This gate measures every template of an
environment as the service will, on resolved values (``kafka_platform.quotas.resolve``), and reports each quota a
template would break: the stack, the resource, the measured value, the quota and the fix.

It runs after every synthesis (``app.py``, so ``make synth`` and ``cdk deploy`` stop on a finding) and in the tests.

Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html;
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html;
  https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from kafka_platform.assembly import CloudAssembly, SynthesizedStack
from kafka_platform.quotas.checks import ACCOUNT_CHECKS, CHECKS, QuotaFinding
from kafka_platform.quotas.resolve import Resolver

__all__ = ["QuotaFinding", "quota_findings", "assembly_quota_findings"]


def quota_findings(stacks: Iterable[SynthesizedStack]) -> list[QuotaFinding]:
    """Every quota the stacks would break. Stacks are grouped by environment (stage, account and region): rules on
    shared things, such as a security group that other stacks add rules to, count across the group."""
    stacks = list(stacks)
    environments: dict[tuple[str, str, str], list[SynthesizedStack]] = defaultdict(list)
    for stack in stacks:
        environments[(stack.stage, stack.account, stack.region)].append(stack)
    findings: list[QuotaFinding] = []
    for group in environments.values():
        resolver = Resolver(group, universe=stacks)
        for check in CHECKS:
            findings.extend(check(group, resolver))
    accounts: dict[tuple[str, str], list[SynthesizedStack]] = defaultdict(list)
    for stack in stacks:
        accounts[(stack.account, stack.region)].append(stack)
    for group in accounts.values():
        resolver = Resolver(group, universe=stacks, strict=False)
        for check in ACCOUNT_CHECKS:
            findings.extend(check(group, resolver))
    return findings


def assembly_quota_findings(directory: str) -> list[str]:
    """The findings for a synthesized assembly, one line each (what ``app.py`` prints before it fails)."""
    return [str(finding) for finding in quota_findings(CloudAssembly.open(directory).stacks())]
