"""Topics as code: AWS::MSK::Topic with validated settings, partitions known to consumers."""

import pytest
from aws_cdk import Duration
from aws_cdk import RemovalPolicy

from kafka_platform.constructs.kafka_cluster import KafkaCluster
from kafka_platform.constructs.kafka_topic import KafkaTopic, decode_configs, encode_configs
from kafka_platform.errors import ConfigurationError
from tests.support import new_stack, resources

ARN = "arn:aws:kafka:eu-west-2:333333333333:cluster/bank-streaming-prod/5a1b2c3d-aaaa-bbbb-cccc-1234567890ab-3"


def topics(synthesized, environment):
    return {t["Properties"]["TopicName"]: t for t in resources(synthesized.raw(environment, "Kafka"),
                                                               "AWS::MSK::Topic").values()}


def test_every_declared_topic_is_created_with_its_partitions_and_replication(synthesized, environments):
    for name, environment in environments.items():
        created = topics(synthesized, name)
        assert set(created) == {t.name for t in environment.kafka.topics}
        for topic in environment.kafka.topics:
            properties = created[topic.name]["Properties"]
            assert (properties["PartitionCount"], properties["ReplicationFactor"]) == (topic.partitions, 3)


def test_topics_belong_to_their_environment_cluster(synthesized):
    cluster_id = next(iter(resources(synthesized.raw("prod", "Kafka"), "AWS::MSK::Cluster")))
    for topic in topics(synthesized, "prod").values():
        assert topic["Properties"]["ClusterArn"] == {"Fn::GetAtt": [cluster_id, "Arn"]}


def test_tiered_topic_configs_enable_remote_storage_with_local_and_total_retention(synthesized):
    configs = decode_configs(topics(synthesized, "prod")["ledger-events"]["Properties"]["Configs"])
    assert configs == {"cleanup.policy": "delete", "local.retention.ms": str(72 * 3_600_000),
                       "remote.storage.enable": "true", "retention.ms": str(17520 * 3_600_000)}


def test_a_compacted_topic_says_so_and_inherits_the_rest(synthesized):
    configs = decode_configs(topics(synthesized, "prod")["customer-profiles"]["Properties"]["Configs"])
    assert configs == {"cleanup.policy": "compact"}


def test_configs_round_trip_through_base64():
    configs = {"cleanup.policy": "delete", "retention.ms": "604800000"}
    assert encode_configs(configs) == "Y2xlYW51cC5wb2xpY3k9ZGVsZXRlCnJldGVudGlvbi5tcz02MDQ4MDAwMDAK"
    assert decode_configs(encode_configs(configs)) == configs


def test_partitions_are_public_for_consumers(synthesized):
    assert synthesized.stages["prod"].kafka.topics["repayments"].partitions == 48


def make_topic(**props):
    stack = new_stack()
    cluster = KafkaCluster.from_cluster_attributes(stack, "Shared", cluster_arn=ARN, bootstrap_brokers="b-1:9098",
                                                   security_group_id="sg-0123456789abcdef0", broker_count=3,
                                                   tiered_storage=False)
    return KafkaTopic(stack, "Topic", cluster=cluster, **{"topic_name": "repayments", "partitions": 12, **props})


@pytest.mark.parametrize("removal_policy,expected", [(None, "Retain"), (RemovalPolicy.DESTROY, "Delete")])
def test_topics_are_retained_unless_told_otherwise(removal_policy, expected):
    from aws_cdk.assertions import Template

    topic = make_topic(**({"removal_policy": removal_policy} if removal_policy else {}))
    [created] = resources(Template.from_stack(topic.node.scope).to_json(), "AWS::MSK::Topic").values()
    assert created["DeletionPolicy"] == created["UpdateReplacePolicy"] == expected


@pytest.mark.parametrize("props,expected", [
    ({"replication_factor": 4}, "Test/Topic: replication_factor: 4 is above the 3 brokers; use 3 or add brokers"),
    ({"topic_name": "__consumer_offsets"},
     "Test/Topic: topic_name: \"__consumer_offsets\" starts with '__', which Kafka reserves for internal topics; "
     "choose another name"),
    ({"tiered_storage": True, "retention": Duration.hours(168)},
     "Test/Topic: tiered_storage: true needs a cluster with tiered storage; set kafka.tiered_storage: true or "
     "remove it from the topic"),
    ({"min_insync_replicas": 1},
     "Test/Topic: min_insync_replicas: 1 would acknowledge writes held by a single broker; use 2 or more"),
    ({"local_retention": Duration.hours(24)},
     "Test/Topic: local_retention: 24 only applies to tiered topics; remove it or set tiered_storage: true"),
    # Retentions are Durations of whole hours, as aws-cdk-lib's props are Durations.
    ({"retention": 168},
     'Test/Topic: retention: 168 is not a Duration; pass aws_cdk.Duration.hours(168) or Duration.days(...) or "forever"'),
    ({"retention": Duration.minutes(90)},
     "Test/Topic: retention: 1 hour 30 minutes is not a whole number of hours; use Duration.hours(2)"),
    ({"local_retention": "forever"},
     'Test/Topic: local_retention: "forever" is not a Duration; pass aws_cdk.Duration.hours(...) or Duration.days(...)'),
])
def test_bad_topic_props_are_refused_with_the_prop_named(props, expected):
    with pytest.raises(ConfigurationError) as raised:
        make_topic(**props)
    assert str(raised.value) == expected


def test_retention_is_a_duration_or_forever():
    from aws_cdk.assertions import Template

    from kafka_platform.constructs.kafka_topic import decode_configs

    for retention, expected in ((Duration.days(14), str(14 * 24 * 3_600_000)), ("forever", "-1")):
        topic = make_topic(retention=retention, cleanup_policy="compact,delete")
        [created] = resources(Template.from_stack(topic.node.scope).to_json(), "AWS::MSK::Topic").values()
        assert decode_configs(created["Properties"]["Configs"])["retention.ms"] == expected
