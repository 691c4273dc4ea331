"""DataTeamReadsCuratedOnly: a data team's policy grants reading data products, and nothing else. Each kind of
over-grant is planted, in the rule alone and through cdk-nag at synthesis."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stage
from aws_cdk import aws_iam as iam

from kafka_platform.constructs.data_team import DataTeamReadRole
from kafka_platform.constructs.kafka_cluster import KafkaCluster
from kafka_platform.domain.data_products import DATA_TEAM_METADATA_KEY
from kafka_platform.gates.packs import register_gates
from kafka_platform.gates.rules import Compliance, DeclaredTopology, Resource
from kafka_platform.gates.rules import data_team_reads_curated_only as rule
from tests.conftest import cdk_context
from tests.support import new_stack

CLUSTER = {"Fn::GetStackOutput": {"StackName": "Prod-Kafka", "OutputName": "ClusterArn"}}
PRODUCT = "products.customer-events.public.customers"
TOPOLOGY = DeclaredTopology(topic_partitions={}, data_product_topics={PRODUCT: ()})


def topic(name: str) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":kafka:eu-west-2:333333333333:topic/bank/",
                              {"Fn::GetStackOutput": {"OutputName": "Uuid"}}, f"/{name}"]]}


def group(name: str) -> str:
    return f"arn:aws:kafka:eu-west-2:333333333333:group/bank/0b6b5c1e-2d4f-4a8e-9a57-123456789abc-2/{name}"


def policy(*statements: dict, team: bool = True) -> Resource:
    return Resource("AWS::IAM::ManagedPolicy", {"PolicyDocument": {"Statement": list(statements)}},
                    metadata={DATA_TEAM_METADATA_KEY: {"Team": "fraud"}} if team else {})


def allow(actions, resources) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


READ = [allow("kafka-cluster:Connect", CLUSTER),
        allow(["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"], topic(PRODUCT)),
        allow(["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"], group("fraud-ds-*"))]


def test_reading_data_products_is_compliant():
    assert rule.check(policy(*READ), TOPOLOGY) is Compliance.COMPLIANT


def test_policies_of_anyone_else_are_not_its_business():
    assert rule.check(policy(allow("kafka-cluster:WriteData", "*"), team=False), TOPOLOGY) is Compliance.NOT_APPLICABLE


@pytest.mark.parametrize("planted, finding", [
    (allow("kafka-cluster:ReadData", topic("cdc.customers.public.customers")),
     "NotDataProduct::cdc.customers.public.customers"),
    (allow("kafka-cluster:ReadData", topic("loan-applications")), "NotDataProduct::loan-applications"),
    (allow("kafka-cluster:ReadData", topic("products.*")), "WildcardTopic::products.*"),
    (allow("kafka-cluster:WriteData", topic(PRODUCT)), "Action::kafka-cluster:WriteData"),
    (allow("kafka-cluster:AlterGroup", topic(PRODUCT)), "Action::kafka-cluster:AlterGroup"),
    (allow("kafka-cluster:ReadData", group("fraud-ds-*")), "Action::kafka-cluster:ReadData"),
    (allow("kafka-cluster:*", CLUSTER), "Action::kafka-cluster:*"),
    (allow("kafka-cluster:DeleteTopic", topic(PRODUCT)), "Action::kafka-cluster:DeleteTopic"),
    (allow("s3:GetObject", "*"), "NotKafka::s3:GetObject"),
])
def test_every_over_grant_is_a_finding(planted, finding):
    assert rule.check(policy(*READ, planted), TOPOLOGY) == [finding]


def test_a_product_topic_that_carries_pii_in_clear_is_a_finding():
    exposed = DeclaredTopology(topic_partitions={}, data_product_topics={PRODUCT: ("public.customers.email",)})
    assert rule.check(policy(*READ), exposed) == [f"UnmaskedPii::{PRODUCT}"]


def test_a_deny_statement_grants_nothing():
    deny = {"Effect": "Deny", "Action": "kafka-cluster:WriteData", "Resource": "*"}
    assert rule.check(policy(*READ, deny), TOPOLOGY) is Compliance.COMPLIANT


def test_cdk_nag_fails_synthesis_on_a_grant_added_to_a_data_teams_role(tmp_path):
    """The construct's own grants pass; one more, added by hand to the team's role, fails synthesis."""
    def synth(extra: bool) -> str | None:
        app = App(outdir=str(tmp_path / f"out-{extra}"), context=cdk_context())
        stack = new_stack(Stage(app, "Test"), "Teams")  # the topology is the stage's
        kafka = KafkaCluster.from_cluster_attributes(
            stack, "Cluster", cluster_arn="arn:aws:kafka:eu-west-2:111111111111:cluster/bank/"
                                          "0b6b5c1e-2d4f-4a8e-9a57-123456789abc-2", bootstrap_brokers="b-1:9098",
            security_group_id="sg-0123456789abcdef0")
        team = DataTeamReadRole(stack, "Fraud", cluster=kafka, team="fraud",
                                principals=["arn:aws:iam::444444444444:role/fraud"], topics=[PRODUCT],
                                consumer_group_prefix="fraud-ds-")
        if extra:
            team.role.add_to_principal_policy(iam.PolicyStatement(
                actions=["kafka-cluster:ReadData"], resources=[kafka.topic_arn("cdc.customers.public.customers")]))
        register_gates(app, {"Test": TOPOLOGY})
        try:
            app.synth()
        except RuntimeError as error:
            return str(error)
        return None

    assert synth(extra=False) is None
    failure = synth(extra=True)
    assert failure is not None and "KafkaPlatform-DataTeamReadsCuratedOnly" in failure
    assert "NotDataProduct::cdc.customers.public.customers" in failure


def test_without_a_declared_topology_no_topic_is_a_data_product():
    assert rule.check(policy(*READ)) == [f"NotDataProduct::{PRODUCT}"]
