"""A declared topic as Kafka configs: only what differs from the cluster's defaults, in Kafka's units (found by
make mutate: the configs were reached by no fast test, only through synthesized templates)."""

import pytest

from kafka_platform.domain.topics import TopicSpec, topic_name_problem


def test_a_plain_topic_sets_only_its_cleanup_policy():
    assert TopicSpec("repayments", 12).configs() == {"cleanup.policy": "delete"}


def test_every_declared_setting_becomes_its_kafka_config():
    spec = TopicSpec("ledger", 6, retention_hours=168, local_retention_hours=24, tiered_storage=True,
                     cleanup_policy="compact,delete", compression_type="lz4", min_insync_replicas=3,
                     extra_configs={"max.message.bytes": "2097152"})
    assert spec.configs() == {
        "cleanup.policy": "compact,delete", "compression.type": "lz4", "local.retention.ms": "86400000",
        "max.message.bytes": "2097152", "min.insync.replicas": "3", "remote.storage.enable": "true",
        "retention.ms": "604800000"}
    assert list(spec.configs()) == sorted(spec.configs())


def test_forever_is_minus_one_and_local_retention_needs_tiering():
    assert TopicSpec("audit", 3, retention_hours=-1, cleanup_policy="compact").configs()["retention.ms"] == "-1"
    assert "local.retention.ms" not in TopicSpec("t", 3, local_retention_hours=24).configs()


@pytest.mark.parametrize("name,problem", [
    ("loan-applications", None), ("a.b_c-1", None), ("x" * 249, None),
    ("x" * 250, "is not a valid Kafka topic name"), (".", "is not a valid Kafka topic name"),
    ("..", "is not a valid Kafka topic name"), ("has space", "is not a valid Kafka topic name"), ("", "is not a valid"),
    ("__consumer_offsets", "starts with '__', which Kafka reserves for internal topics; choose another name"),
])
def test_topic_names(name, problem):
    found = topic_name_problem(name)
    assert (found is None) if problem is None else (problem in found)
