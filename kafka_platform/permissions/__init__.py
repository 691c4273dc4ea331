"""The permission-contracts gate: would AWS itself be allowed to do what the templates ask of it?

cdk-nag, cfn-lint, checkov and the quota gate judge the templates' shapes. None of them checks the calls AWS
services make on the platform's behalf at deployment and at start: Lambda creating a function's network interfaces
in every security group it joins, ECS reading a task's secrets and decrypting them with their keys, CloudWatch Logs
encrypting with a log group's key, CloudWatch publishing an alarm to an encrypted topic, MSK Replicator reading and
writing both clusters ... A template that fails one synthesizes, passes every gate, and fails its deployment (or
worse, deploys and fails at the first page, the first task start, the first failover).

This gate lists those calls as data (``kafka_platform.permissions.contracts.CONTRACTS``, each with its source), takes
every resource, condition value and policy from the synthesized templates, resolved as AWS will see them, and asks
PMapper's local policy simulation whether AWS would authorize each (``kafka_platform.permissions.evaluate``). Every
refusal is a finding: the principal, the call, the resource, the policy that lacks it, and the fix.

It runs in every synthesis: ``app.py`` (``make synth``, ``cdk synth`` and ``cdk deploy``), the tests, and a team's
own app through ``register_gates`` (``kafka_platform.gates.deploy_readiness``).

What it cannot see: policies outside the templates (a service control policy, a permissions boundary set by the
account, an imported role's or key's own policies, the deploying principal's policy, which is assumed to be CDK
bootstrap's default AdministratorAccess), and calls the table does not list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from kafka_platform.assembly import CloudAssembly, SynthesizedStack
from kafka_platform.permissions.contracts import CONTRACTS, DEPLOYER, Contract, Target
from kafka_platform.permissions.environment import Environment, Resource
from kafka_platform.permissions.evaluate import NamedPolicy, Verdict, principal_may, role_node, service_may

__all__ = ["CONTRACTS", "ContractFinding", "contract_findings", "assembly_contract_findings"]

_ADMINISTRATOR = NamedPolicy("AdministratorAccess (CDK bootstrap's default execution policy, assumed)",
                             {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                                      "Resource": "*"}]})


@dataclass(frozen=True)
class ContractFinding:
    """One call AWS would refuse."""

    stack: str
    logical_id: str
    path: str
    contract: str
    principal: str
    action: str
    resource: str
    refused_by: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.stack}/{self.logical_id}" + (f" ({self.path})" if self.path else "")
        return (f"{where}: {self.contract}: {self.principal} may not {self.action} on {self.resource}: "
                f"{self.refused_by}; fix: {self.fix}")


def _principal_label(principal: str) -> str:
    return "the deploying principal" if principal == DEPLOYER else principal


def _refusals(environment: Environment, contract: Contract, resource: Resource,
              target: Target) -> Iterable[tuple[str, str]]:
    """``(action, why)`` for each action of the contract AWS would refuse on ``target``."""
    principal = target.principal
    if principal.endswith(".amazonaws.com"):
        for action in contract.actions:
            verdict = service_may(principal, action, target.resource, target.context, target.resource_policy,
                                  environment.account)
            if verdict is not Verdict.ALLOWED:
                where = target.resource_policy_name or "the resource's policy"
                yield action, f"{verdict.value} ({where})"
        return
    if principal == DEPLOYER:
        arn = (f"arn:{environment.partition}:iam::{environment.account}:role/cdk-hnb659fds-cfn-exec-role-"
               f"{environment.account}-{environment.region}")
        node, policies = role_node(arn, [_ADMINISTRATOR], {}), [_ADMINISTRATOR.name]
    else:
        role = environment.roles.get(principal)
        if role is None:
            # A role the templates do not declare (a service-linked role, an imported one): its policies are not
            # here to judge.
            return
        node, policies = role_node(role.arn, role.policies, role.trust), [p.name for p in role.policies]
        if role.unknown_managed:
            policies.append("AWS managed " + ", ".join(role.unknown_managed) + " (not known to the gate)")
    for action in contract.actions:
        verdict = principal_may(node, action, target.resource, target.context, target.resource_policy,
                                environment.account)
        if verdict is Verdict.ALLOWED:
            continue
        if verdict in (Verdict.RESOURCE_DENY, Verdict.RESOURCE_SILENT):
            yield action, f"{verdict.value} ({target.resource_policy_name})"
        else:
            yield action, f"{verdict.value} ({'; '.join(policies) or 'the role has no policies'})"


def environment_findings(environment: Environment, contracts: Sequence[Contract] = CONTRACTS
                         ) -> list[ContractFinding]:
    findings = []
    for contract in contracts:
        for resource in environment.of_type(contract.resource_type):
            for target in contract.targets(environment, resource):
                for action, why in _refusals(environment, contract, resource, target):
                    findings.append(ContractFinding(
                        resource.stack.stack_name, resource.logical_id, resource.path, contract.kind,
                        _principal_label(target.principal), action, target.resource, why, contract.fix))
    return findings


def contract_findings(stacks: Iterable[SynthesizedStack],
                      universe: Iterable[SynthesizedStack] | None = None) -> list[ContractFinding]:
    """Every call the stacks' AWS services would be refused, per environment (stage, account and region). The
    stacks of ``universe`` (default: ``stacks``) are read where a call crosses stages: a standby's replicator and its
    primary's cluster policy and parameters."""
    stacks = list(stacks)
    universe = stacks if universe is None else list(universe)
    environments: dict[tuple[str, str, str], list[SynthesizedStack]] = defaultdict(list)
    for stack in stacks:
        environments[(stack.stage, stack.account, stack.region)].append(stack)
    findings: list[ContractFinding] = []
    for group in environments.values():
        findings.extend(environment_findings(Environment(group, universe)))
    return findings


def assembly_contract_findings(directory: str) -> list[str]:
    """The findings for a synthesized assembly, one line each."""
    return [str(finding) for finding in contract_findings(CloudAssembly.open(directory).stacks())]
