"""What the platform publishes for teams, and what SharedPlatform reads back: the same names, resolved at deployment."""

from __future__ import annotations

import json

import aws_cdk as cdk

from kafka_platform.constructs.shared_platform import SharedPlatform
from kafka_platform.domain.shared_attributes import CLUSTER, NETWORK, parameter_name


def published(synthesized, stage: str) -> dict[str, tuple[str, object]]:
    found = {}
    for stack in synthesized.assembly.stacks(stage):
        for resource in stack.template["Resources"].values():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::SSM::Parameter" and "/shared/" in str(properties.get("Name")):
                found[properties["Name"]] = (stack.stack_name, properties["Value"])
    return found


def test_every_stage_publishes_the_network_and_the_cluster_under_its_name(synthesized):
    for stage, name in (("Prod", "prod"), ("Dev", "dev"), ("ProdDr", "prod-dr")):
        found = published(synthesized, stage)
        assert set(found) == {parameter_name(name, a) for a in NETWORK + CLUSTER}, stage
        assert {found[parameter_name(name, a)][0] for a in NETWORK} == {f"{stage}-Network"}
        assert {found[parameter_name(name, a)][0] for a in CLUSTER} == {f"{stage}-Kafka"}


def test_the_values_are_the_resources_themselves(synthesized):
    found = published(synthesized, "Prod")
    value = lambda a: json.dumps(found[parameter_name("prod", a)][1])  # noqa: E731
    assert "Vpc" in value("vpc-id") and "CidrBlock" in value("vpc-cidr")
    assert value("private-subnet-ids").count('{"Ref"') == 3 and value("private-route-table-ids").count('{"Ref"') == 3
    assert "BootstrapBrokerStringSaslIam" in value("bootstrap-brokers")
    assert "ClientSecurityGroup" in value("client-security-group-id") and "AwsApiClients" in value(
        "aws-api-security-group-id")


def test_shared_platform_reads_exactly_what_is_published_and_looks_nothing_up():
    app = cdk.App()
    stack = cdk.Stack(app, "Team", env=cdk.Environment(account="333333333333", region="eu-west-2"))
    shared = SharedPlatform(stack, "Shared", environment="prod", cluster_name="bank-streaming-prod",
                            availability_zones=["eu-west-2a", "eu-west-2b", "eu-west-2c"], broker_count=6)
    shared.cluster.grant_consume  # noqa: B018 - an IKafkaCluster
    assert len(shared.vpc.private_subnets) == 3
    template = app.synth().get_stack_by_name("Team").template
    read = {p["Default"] for p in template["Parameters"].values()
            if p["Type"] == "AWS::SSM::Parameter::Value<String>" and p["Default"].startswith("/kafka-platform/")}
    assert read == {parameter_name("prod", a) for a in NETWORK + CLUSTER} - {parameter_name("prod", "security-group-id")}
    assert not app.node.try_get_context("vpc-provider:account=333333333333")  # no lookup was recorded
