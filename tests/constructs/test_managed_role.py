"""ManagedPolicyRole spreads its statements over managed policies that each fit IAM's size quota."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, CfnResource
from aws_cdk import aws_iam as iam

from kafka_platform.assembly import CloudAssembly
from kafka_platform.constructs.managed_role import ManagedPolicyRole
from kafka_platform.errors import ConfigurationError
from kafka_platform.quotas import quota_findings
from tests.conftest import cdk_context
from tests.support import new_stack, resources


def topic_statement(stack, uuid_source: CfnResource, topic: str) -> iam.PolicyStatement:
    uuid = uuid_source.get_att("ClusterUuid").to_string()
    return iam.PolicyStatement(actions=["kafka-cluster:WriteData"], resources=[
        f"arn:{stack.partition}:kafka:{stack.region}:{stack.account}:topic/bank-streaming-prod/{uuid}/{topic}"])


def build(count: int, *, minimize: bool = True, max_policies: int = 10, tmp_path: Path | None = None):
    app = App(context=cdk_context(**{"@aws-cdk/aws-iam:minimizePolicies": minimize}),
              outdir=str(tmp_path) if tmp_path else None)
    stack = new_stack(app, "Prod-Roles")
    uuid = CfnResource(stack, "Brokers", type="Custom::MskBootstrapBrokers")
    role = ManagedPolicyRole(stack, "Role", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
                             description="workers", max_policies=max_policies)
    role.add_statements(*(topic_statement(stack, uuid, f"cdc.service-{i:03d}.*") for i in range(count)))
    return app, stack, role


@pytest.mark.parametrize("minimize", [True, False], ids=["minimized", "not-minimized"])
def test_statements_beyond_one_policy_open_further_policies_each_within_the_quota(tmp_path, minimize):
    app, stack, role = build(150, minimize=minimize, tmp_path=tmp_path)
    assert [p.node.id for p in role.policies] == ["Policy"] + [f"Policy{i}" for i in range(2, len(role.policies) + 1)]
    assert len(role.policies) >= 3
    assembly = CloudAssembly(Path(app.synth().directory))
    assert [str(f) for f in quota_findings(assembly.stacks())] == []
    policies = resources(assembly.stacks()[0].template, "AWS::IAM::ManagedPolicy")
    assert len(policies) == len(role.policies)
    assert all(p["Properties"]["Roles"] == [{"Ref": stack.get_logical_id(role.node.default_child)}]
               for p in policies.values())


def test_a_statement_stays_in_its_policy_when_more_are_added_after_it():
    _, stack, few = build(40)
    _, _, more = build(120)
    first = stack.resolve(few.policy.document.to_json())["Statement"][0]["Resource"]
    again = stack.resolve(more.policy.document.to_json())["Statement"][0]["Resource"]
    assert len(more.policies) > len(few.policies) and again == first


def _placement(role, stack) -> dict[str, int]:
    """Each statement's resource and the index of the policy holding it."""
    return {json.dumps(statement["Resource"]): index
            for index, policy in enumerate(role.policies)
            for statement in stack.resolve(policy.document.to_json())["Statement"]}


def _mixed(stack, uuid, count: int) -> list[iam.PolicyStatement]:
    """Statements of unequal sizes: every third one names many topics."""
    return [iam.PolicyStatement(actions=["kafka-cluster:WriteData", "kafka-cluster:DescribeTopic"] if i % 2 else
                                ["kafka-cluster:ReadData"], resources=[
        topic_statement(stack, uuid, f"cdc.s{i:03d}.t{j}").resources[0] for j in range(1 if i % 3 else 12)])
        for i in range(count)]


def test_statements_of_unequal_sizes_keep_their_policies_when_larger_ones_are_added_after_them():
    """Placed in the order given, each in the first policy with room: placing the largest first instead would move
    earlier statements to other policies when a large one is added (their attachment replaced at deployment), which
    only the snapshots would notice."""
    placements = []
    for count in (60, 90):
        app = App(context=cdk_context())
        stack = new_stack(app, "Prod-Roles")
        uuid = CfnResource(stack, "Brokers", type="Custom::MskBootstrapBrokers")
        role = ManagedPolicyRole(stack, "Role", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
                                 description="workers")
        role.add_statements(*_mixed(stack, uuid, count))
        placements.append(_placement(role, stack))
    few, more = placements
    assert len(set(few.values())) >= 2 and len(set(more.values())) > len(set(few.values()))
    assert {resource: more[resource] for resource in few} == few


def test_the_same_grant_twice_costs_nothing_more():
    app = App(context=cdk_context())
    stack = new_stack(app)
    role = ManagedPolicyRole(stack, "Role", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
                             description="workers")
    statement = lambda: iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"],  # noqa: E731
                                            resources=["arn:aws:secretsmanager:eu-west-2:123456789012:secret:"
                                                       + "x" * 3000 + "-AbCdEf"])
    role.add_statements(*(statement() for _ in range(5)))
    assert len(role.policies) == 1


def test_more_policies_than_a_role_takes_is_a_clear_error():
    with pytest.raises(ConfigurationError) as raised:
        build(150, max_policies=2)
    assert str(raised.value) == (
        "Test/Role: statements: need more than 2 managed policies of 6144 characters, the most IAM attaches to one "
        "role; grant by ARN prefix, or split the principal (for Kafka Connect: fewer connectors per Connect cluster)"
    ).replace("Test/", "Prod-Roles/")


def test_an_inline_policy_is_refused():
    _, stack, role = build(1)
    with pytest.raises(TypeError, match="keeps its permissions in customer-managed policies"):
        role.attach_inline_policy(iam.Policy(stack, "Inline"))
