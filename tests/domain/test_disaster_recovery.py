"""What MSK Replicator requires of a cluster, rule by rule, with each message in full (found by make mutate: only
the shipped files' happy path and the t3 refusal reached these rules)."""

import pytest

from kafka_platform.domain.disaster_recovery import (dr_stage_name, parameter_name, replicator_cluster_problems,
                                                     replicator_name, version_tuple)


def problems(**changes):
    values = dict(broker_instance_type="kafka.m7g.large", broker_count=3, zone_count=3, kafka_version="3.9.x",
                  which="primary")
    values.update(changes)
    return replicator_cluster_problems(**values)


@pytest.mark.parametrize("instance", ["kafka.m5.large", "kafka.m5.xlarge", "kafka.m5.24xlarge", "kafka.m7g.large",
                                      "kafka.m7g.16xlarge"])
def test_m5_and_m7g_from_large_up_are_accepted(instance):
    assert problems(broker_instance_type=instance) == []


@pytest.mark.parametrize("instance", ["kafka.t3.small", "kafka.m5.small", "kafka.m7g.medium", "kafka.m5.large.x",
                                      "xkafka.m5.large", "kafka.r5.large"])
def test_other_brokers_are_refused_naming_the_cluster(instance):
    assert problems(broker_instance_type=instance, which="standby") == [("broker_instance_type", (
        f'"{instance}": MSK Replicator needs kafka.m5.large or larger (kafka.m7g.* too) on the standby cluster; '
        "t3 brokers are not supported"))]


def test_three_zones_need_three_brokers():
    assert problems(broker_count=3) == []
    assert problems(broker_count=2) == [("broker_count", "2: MSK Replicator needs at least 3 brokers on the primary "
                                                         "cluster")]


def test_two_zones_need_four_brokers():
    assert problems(zone_count=2, broker_count=4) == []
    assert problems(zone_count=2, broker_count=3, which="standby") == [(
        "broker_count", "3: MSK Replicator needs at least 4 brokers on the standby cluster (4 over two zones)")]


@pytest.mark.parametrize("version", ["2.8.1", "2.8.2", "2.9", "3.9.x", "10.0.0"])
def test_kafka_from_2_8_1_is_accepted(version):
    assert problems(kafka_version=version) == []


@pytest.mark.parametrize("version", ["2.8.0", "2.8", "2.7.9", "1.10.5", "latest", ""])
def test_older_or_unreadable_versions_are_refused(version):
    assert problems(kafka_version=version) == [("kafka_version", (
        f'"{version}": identical topic names across clusters need Kafka 2.8.1 or later on both clusters'))]


def test_every_problem_is_reported_at_once():
    assert [field for field, _ in problems(broker_instance_type="kafka.t3.small", broker_count=1,
                                           kafka_version="2.6.0")] == [
        "broker_instance_type", "broker_count", "kafka_version"]


@pytest.mark.parametrize("text, version", [("3.9.x", (3, 9, 0)), ("2.8.1", (2, 8, 1)), ("3.6", (3, 6, 0)),
                                           ("3.6.0.1", (3, 6, 0)), ("12.34.56", (12, 34, 56)), ("3.9.X", (3, 9, 0)),
                                           ("3.x", None), ("v3.9", None), ("", None)])
def test_version_tuples(text, version):
    assert version_tuple(text) == version


def test_names():
    assert replicator_name("bank-streaming-prod") == "bank-streaming-prod-to-dr"
    assert replicator_name("c" * 200) == ("c" * 200 + "-to-dr")[:128] and len(replicator_name("c" * 200)) == 128
    assert dr_stage_name("Prod") == "ProdDr"
    assert parameter_name("prod", "cluster-arn") == "/kafka-platform/prod/msk/cluster-arn"
