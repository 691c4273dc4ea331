"""MSK's Kafka versions as data: what a cluster may be created on, what it may move to, and in which order."""

from __future__ import annotations

import json
from datetime import date

import pytest

from kafka_platform.domain import kafka_versions as kv
from kafka_platform.domain.kafka_versions import ClusterFacts, upgrade_problems, upgrade_steps, version_problem
from tests.conftest import ROOT

TODAY = date(2026, 12, 7)


def test_the_table_names_each_version_once_with_its_mode():
    assert len(kv.KNOWN_KAFKA_VERSIONS) == len(set(kv.KNOWN_KAFKA_VERSIONS))
    for version in kv.VERSIONS:
        assert version.kraft == (version.name.endswith(".kraft") or version.numbers >= (4, 0)), version.name
        assert kv.parse(version.name) is version
    assert not any(v.name.startswith("4.") and not v.kraft for v in kv.VERSIONS)  # Kafka 4: KRaft only (KIP-500)


def test_the_recommended_version_is_the_newest_kraft_version_on_standard_brokers_without_an_end_of_support():
    recommended = kv.BY_NAME[kv.RECOMMENDED]
    assert recommended.kraft and recommended.standard_brokers and recommended.end_of_support is None
    standard = [v for v in kv.VERSIONS if v.standard_brokers]
    assert max(standard, key=lambda v: v.numbers) is recommended
    assert version_problem(kv.RECOMMENDED, today=TODAY) is None


@pytest.mark.parametrize("name, today, fragment", [
    ("3.9.x", TODAY, "creates the cluster in ZooKeeper mode"),
    ("3.7.x.kraft", TODAY, "reached MSK's end of support on 2026-09-01"),
    ("4.2.x.kraft", TODAY, "Express brokers only"),
])
def test_a_new_cluster_is_refused_on(name, today, fragment):
    assert fragment in version_problem(name, today=today)


def test_an_end_of_support_counts_from_its_day():
    assert version_problem("3.7.x.kraft", today=date(2026, 8, 31)) is None
    assert version_problem("3.7.x.kraft", today=date(2026, 9, 1)) is not None


def test_a_zookeeper_cluster_with_a_reason_passes_the_configuration():
    assert version_problem("3.9.x", today=TODAY, zookeeper_mode_reason="created 2025-05, migrating in Q1") is None
    assert "end of support" in version_problem("3.6.0", today=TODAY, zookeeper_mode_reason="old")


@pytest.mark.parametrize("before, after", [("3.8.x", "3.9.x"), ("3.9.x", "3.9.x.kraft"), ("3.8.x.kraft", "4.1.x.kraft"),
                                           ("4.0.x.kraft", "4.1.x.kraft")])
def test_offered(before, after):
    assert upgrade_problems(before, after, today=TODAY, cluster=ClusterFacts("kafka.m7g.large", 3, True)) == []


@pytest.mark.parametrize("before, after, cluster, fragment", [
    ("4.1.x.kraft", "4.0.x.kraft", ClusterFacts(), "a downgrade"),
    ("3.9.x.kraft", "3.9.x", ClusterFacts(), "a return to ZooKeeper mode"),
    ("3.8.x", "3.8.x.kraft", ClusterFacts(), "only from 3.9.x"),
    ("3.9.x", "4.0.x.kraft", ClusterFacts(), "through 3.9.x.kraft"),
    ("3.9.x", "3.9.x.kraft", ClusterFacts("kafka.t3.small", 3), "kafka.t3.small"),
    ("3.9.x", "3.9.x.kraft", ClusterFacts("kafka.m7g.large", 2), "3 availability zones; this cluster has 2"),
    ("3.6.0", "3.7.x", ClusterFacts(), "end of support on 2026-09-01"),
    ("4.1.x.kraft", "4.2.x.kraft", ClusterFacts(), "Express brokers only"),
    ("4.1.x.kraft", "4.3.x.kraft", ClusterFacts(), "is not a version MSK offers"),
])
def test_refused(before, after, cluster, fragment):
    [problem] = upgrade_problems(before, after, today=TODAY, cluster=cluster)
    assert problem.startswith(f"{before} (") and fragment in problem


def test_a_version_that_loses_a_feature_in_use_is_refused():
    """No version MSK still offers lacks tiered storage or the replicator; the rule is kept for the table's future
    and for versions read from older templates."""
    [problem] = upgrade_problems("3.4.0", "3.5.1", today=date(2025, 1, 1), cluster=ClusterFacts(tiered_storage=True))
    assert "has no tiered storage, which this cluster uses" in problem


def test_the_steps_check_clients_before_kafka_4_and_put_the_standby_first():
    steps = upgrade_steps("3.9.x.kraft", "4.1.x.kraft", standby=True, clients=["consumer service a"])
    assert "KIP-896" in steps[0] and "consumer service a" in steps[0]
    assert "standby's Kafka stack first" in steps[1] and "primary's Kafka stack" in steps[3]
    alone = upgrade_steps("4.0.x.kraft", "4.1.x.kraft", standby=False)
    assert not any("KIP-896" in s or "standby" in s for s in alone) and "primary's Kafka stack" in alone[0]
    migration = upgrade_steps("3.9.x", "3.9.x.kraft", standby=False)
    assert "ZookeeperAccess.Enabled=false" in migration[0]


def test_the_shipped_environments_are_kraft_on_the_recommended_version_and_the_runtime_tier_runs_their_major(
        environments):
    """The runtime tier runs the Kafka of the Connect image (connect_image/versions.json), in KRaft mode."""
    runtime = json.loads((ROOT / "kafka_platform/constructs/connect_image/versions.json").read_text())["kafka"]
    for environment in environments.values():
        version = kv.BY_NAME[environment.kafka.kafka_version]
        assert version.kraft and environment.kafka.kafka_version == kv.RECOMMENDED, environment.name
        assert int(runtime.split(".")[0]) == version.numbers[0], environment.name
