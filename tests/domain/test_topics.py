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
    if found is not None:
        assert found.startswith(f'"{name}" ')


# ---- topic_problems on its own: the configuration's types refuse some of these first, but a team's code builds a
# ---- TopicSpec directly (found by make mutate) ---------------------------------------------------------------------
def problems(**changes):
    from kafka_platform.domain.topics import topic_problems

    return topic_problems(TopicSpec(**{"name": "repayments", "partitions": 12, **changes}), broker_count=3,
                          cluster_tiered_storage=True)


def test_the_smallest_valid_topic_has_no_problem():
    assert problems(partitions=1) == []
    assert problems(min_insync_replicas=2) == []
    assert problems(retention_hours=1) == []
    assert problems(tiered_storage=True, retention_hours=72, local_retention_hours=71) == []


@pytest.mark.parametrize("changes, expected", [
    ({"partitions": 0}, ("partitions", "0 is below 1; a topic needs at least one partition")),
    ({"min_insync_replicas": 1}, ("min_insync_replicas", "1 would acknowledge writes held by a single broker; use 2 "
                                                         "or more")),
    ({"min_insync_replicas": 3}, ("min_insync_replicas", "3 is not below replication_factor 3; one broker down would "
                                                         "stop all writes: use 2")),
    ({"retention_hours": 0}, ("retention_hours", "0 is not a retention; use a number of hours, or -1 to keep records "
                                                 "forever")),
    ({"retention_hours": -1}, ("retention_hours", "-1 keeps every record on broker disks forever; use tiered_storage: "
                                                  "true or cleanup_policy: compact, or a number of hours")),
    ({"local_retention_hours": 24}, ("local_retention_hours", "24 only applies to tiered topics; remove it or set "
                                                              "tiered_storage: true")),
    ({"compression_type": "brotli"}, ("compression_type", '"brotli" is not a Kafka compression type; use one of '
                                                          "zstd, lz4, snappy, gzip, uncompressed, producer")),
    ({"replication_factor": 2}, ("replication_factor", "2 keeps fewer than 3 copies; the bank requires 3")),
    ({"replication_factor": 4}, ("replication_factor", "4 is above the 3 brokers; use 3 or add brokers")),
    ({"tiered_storage": True, "retention_hours": 71}, ("retention_hours", "71 is too short for a tiered topic; MSK "
                                                                          "needs 72 hours (3 days) or more")),
    ({"tiered_storage": True}, ("retention_hours", "is not set; a tiered topic needs its own retention of 72 hours "
                                                   "(3 days) or more")),
    ({"tiered_storage": True, "retention_hours": 72, "local_retention_hours": 72},
     ("local_retention_hours", "72 is not below retention_hours 72; local retention must be shorter than total "
                               "retention")),
    ({"tiered_storage": True, "retention_hours": 100, "cleanup_policy": "compact"},
     ("cleanup_policy", '"compact" cannot be tiered: MSK tiers only delete topics; use cleanup_policy: delete or '
                        "tiered_storage: false")),
])
def test_each_topic_rule_in_full(changes, expected):
    assert problems(**changes) == [expected]


def test_tiered_forever_may_keep_any_local_retention_and_needs_a_tiered_cluster():
    from kafka_platform.domain.topics import topic_problems

    assert problems(tiered_storage=True, retention_hours=-1, local_retention_hours=10_000) == []
    assert topic_problems(TopicSpec("t", 3, tiered_storage=True, retention_hours=100), broker_count=3,
                          cluster_tiered_storage=False) == [
        ("tiered_storage", "true needs a cluster with tiered storage; set kafka.tiered_storage: true or remove it from "
                           "the topic")]
    assert topic_problems(TopicSpec("t", 3, tiered_storage=True, retention_hours=100), broker_count=None,
                          cluster_tiered_storage=None) == []  # an imported cluster: unknown, not refused
    assert topic_problems(TopicSpec("t", 3, replication_factor=5), broker_count=None,
                          cluster_tiered_storage=None) == []
