"""A data team's role grants exactly reading its products; other accounts get a VPC connection and nothing else."""

from __future__ import annotations

import json

import pytest

from kafka_platform.constructs.data_team import DataTeamReadRole
from kafka_platform.constructs.kafka_cluster import KafkaCluster
from kafka_platform.domain.data_products import DATA_TEAM_METADATA_KEY
from kafka_platform.errors import ConfigurationError
from tests.support import new_stack, new_vpc, resources, template

PRODUCT = "products.customer-events.public.customers"


def cluster(stack, **options):
    return KafkaCluster(stack, "Cluster", vpc=new_vpc(stack), cluster_name="bank", kafka_version="4.1.x.kraft",
                        broker_count=3, **options)


def statements(stack):
    [policy] = [p for p in resources(template(stack).to_json(), "AWS::IAM::ManagedPolicy").values()
                if DATA_TEAM_METADATA_KEY in p.get("Metadata", {})]
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_the_role_grants_connect_read_of_the_products_and_its_own_groups_and_nothing_else():
    stack = new_stack()
    kafka = cluster(stack)
    DataTeamReadRole(stack, "Fraud", cluster=kafka, team="fraud", principals=["arn:aws:iam::444444444444:role/ds"],
                     topics=[PRODUCT], consumer_group_prefix="fraud-ds-", role_name="kafka-data-prod-fraud")
    granted = {json.dumps(s["Resource"]): sorted(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
               for s in statements(stack)}
    assert sorted(granted.values()) == [["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
                                        ["kafka-cluster:Connect"],
                                        ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]]
    resources_text = " ".join(granted)
    assert f"/{PRODUCT}" in resources_text and "/fraud-ds-*" in resources_text and ":group/bank/" in resources_text
    assert all(s["Effect"] == "Allow" and "Condition" not in s for s in statements(stack))
    [role] = [r for r in resources(template(stack).to_json(), "AWS::IAM::Role").values()
              if DATA_TEAM_METADATA_KEY in r.get("Metadata", {})]
    assert role["Properties"]["RoleName"] == "kafka-data-prod-fraud"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444444444444:role/ds"}}]
    assert role["Metadata"][DATA_TEAM_METADATA_KEY] == {"Team": "fraud", "Topics": [PRODUCT],
                                                        "ConsumerGroupPrefix": "fraud-ds-"}


@pytest.mark.parametrize("props, field", [
    (dict(principals="arn:aws:iam::444444444444:role/ds"), "principals"),
    (dict(principals=["fraud-ds"]), "principals[0]"),
    (dict(topics=PRODUCT), "topics"),
    (dict(topics=[]), "topics"),
    (dict(consumer_group_prefix="*"), "consumer_group_prefix"),
])
def test_bad_props_are_configuration_errors_naming_the_prop(props, field):
    stack = new_stack()
    values = dict(cluster=cluster(stack), team="fraud", principals=["arn:aws:iam::444444444444:role/ds"],
                  topics=[PRODUCT], consumer_group_prefix="fraud-ds-")
    values.update(props)
    with pytest.raises(ConfigurationError) as raised:
        DataTeamReadRole(stack, "Fraud", **values)
    assert f"Test/Fraud: {field}: " in str(raised.value)


def test_other_accounts_may_create_a_vpc_connection_and_nothing_more():
    stack = new_stack()
    kafka = cluster(stack, multi_vpc_connectivity=True)
    kafka.allow_vpc_connections_from(["555555555555", "444444444444"])
    rendered = template(stack).to_json()
    [msk] = resources(rendered, "AWS::MSK::Cluster").values()
    assert msk["Properties"]["BrokerNodeGroupInfo"]["ConnectivityInfo"]["VpcConnectivity"] == {
        "ClientAuthentication": {"Sasl": {"Iam": {"Enabled": True}}}}
    [policy] = resources(rendered, "AWS::MSK::ClusterPolicy").values()
    [statement] = policy["Properties"]["Policy"]["Statement"]
    assert sorted(statement["Action"]) == ["kafka:CreateVpcConnection", "kafka:DescribeCluster",
                                           "kafka:DescribeClusterV2", "kafka:GetBootstrapBrokers"]
    assert "kafka-cluster" not in json.dumps(policy)
    principals = json.dumps(statement["Principal"])
    assert ":iam::444444444444:root" in principals and ":iam::555555555555:root" in principals


def test_without_multi_vpc_connectivity_no_account_is_admitted():
    stack = new_stack()
    kafka = cluster(stack)
    with pytest.raises(ConfigurationError, match="multi_vpc_connectivity: is off"):
        kafka.allow_vpc_connections_from(["444444444444"])
    [msk] = resources(template(stack).to_json(), "AWS::MSK::Cluster").values()
    assert "VpcConnectivity" not in msk["Properties"]["BrokerNodeGroupInfo"]["ConnectivityInfo"]


def test_shipped_prod_data_access_is_the_fraud_teams_read_role(synthesized):
    data_access = synthesized.raw("prod", "DataAccess")
    [role] = resources(data_access, "AWS::IAM::Role").values()
    assert role["Properties"]["RoleName"] == "kafka-data-prod-fraud-data-science"
    text = json.dumps(resources(data_access, "AWS::IAM::ManagedPolicy"))
    assert "/products.customer-events.public.customers" in text and "cdc.customers" not in text
    assert "WriteData" not in text and "kafka-cluster:*" not in text
    kafka = synthesized.raw("prod", "Kafka")
    [policy] = resources(kafka, "AWS::MSK::ClusterPolicy").values()
    principals = [st["Principal"] for st in policy["Properties"]["Policy"]["Statement"]]
    # The data-science account, and MSK Replicator (the standby in eu-west-1): nobody else.
    assert principals == [{"AWS": "arn:aws:iam::444444444444:root"}, {"Service": "kafka.amazonaws.com"}]
    # Staging's team is in staging's own account: the cluster policy admits MSK Replicator alone.
    [staging] = resources(synthesized.raw("staging", "Kafka"), "AWS::MSK::ClusterPolicy").values()
    assert [st["Principal"] for st in staging["Properties"]["Policy"]["Statement"]] == [
        {"Service": "kafka.amazonaws.com"}]
    # The product's connector runs on prod's Connect cluster with its salt from Secrets Manager, not the template.
    connect = synthesized.raw("prod", "Connect")
    [product] = [r for r in resources(connect, "Custom::KafkaConnector").values()
                 if r["Properties"]["ConnectorName"] == "product-customer-events"]
    assert "HashSaltSecretArn" in product["Properties"]
    assert "column.mask.hash.v2.SHA-256.with.salt.{salt}" in product["Properties"]["Config"]
    assert product["Metadata"]["kafka-platform:data-product"]["ExposedPii"] == []
