"""A deployment never silently replaces or removes what holds data: every stack is compared with its last approved
template (its snapshot), on the create-only properties of the CloudFormation registry schemas.

Runs before test_snapshots.py (alphabetical order), so a ``--snapshot-update`` run still compares with the approved
files as they were."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from kafka_platform.change_safety import create_only_properties, refused_updates, review_kafka_versions, risky_changes
from kafka_platform.config.standby import standby_environment
from kafka_platform.plan import APPROVED, acknowledged_replacements, approved_templates, normalise
from tests.conftest import ROOT


def approved(stage: str) -> dict[str, dict]:
    return {name.split("/")[0]: template for name, template in approved_templates(
        ROOT / APPROVED, [f"{stage}-{stack}" for stack in ("Network", "Alerting", "Kafka", "Consumers", "Connect",
                                                           "Observability")]).items()}


def proposed(synthesized, stage: str) -> dict[str, dict]:
    return {s.stack_name: normalise(s.template) for s in synthesized.assembly.stacks(stage)}


def test_every_stage_is_checked_the_standbys_included(synthesized, environments):
    stages = {s.stage for s in synthesized.assembly.stacks()}
    assert stages == {e.stage_name for e in environments.values()} | {
        standby_environment(e).stage_name for e in environments.values() if e.disaster_recovery}
    assert {"StagingDr", "ProdDr"} <= stages


def test_no_stage_replaces_or_removes_a_stateful_resource_unacknowledged_or_makes_a_refused_update(
        synthesized, environments):
    acknowledged = acknowledged_replacements(environments.values())
    for stage in sorted({s.stage for s in synthesized.assembly.stacks()}):
        now = proposed(synthesized, stage)
        before = approved_templates(ROOT / APPROVED, now)
        assert set(before) == set(now), stage  # every stack of every stage has an approved template
        changes = risky_changes(before, now)
        assert [str(c) for c in changes if (c.stack, c.logical_id) not in acknowledged] == [], stage
        assert [str(c) for c in refused_updates(before, now)] == [], stage
        assert [str(c) for c in review_kafka_versions(before, now).refused] == [], stage


def test_the_schemas_know_what_replaces_a_cluster_and_a_topic():
    assert {"/properties/ClusterName", "/properties/BrokerNodeGroupInfo/SecurityGroups",
            "/properties/BrokerNodeGroupInfo/ClientSubnets", "/properties/EncryptionInfo/EncryptionAtRest"} <= set(
        create_only_properties("AWS::MSK::Cluster"))
    assert {"/properties/TopicName", "/properties/ReplicationFactor"} <= set(create_only_properties("AWS::MSK::Topic"))


# ---- planted changes on prod's approved templates --------------------------------------------------------------
@pytest.fixture
def prod():
    before = approved("Prod")
    return before, copy.deepcopy(before)


def _kafka(templates):
    return templates["Prod-Kafka"]["Resources"]


def _cluster_id(templates):
    return next(k for k, r in _kafka(templates).items() if r["Type"] == "AWS::MSK::Cluster")


def _cluster_change(changes):
    """The cluster's change; every topic on it is replaced with it (its create-only ClusterArn refers to it)."""
    [cluster] = [c for c in changes if c.resource_type == "AWS::MSK::Cluster"]
    topics = [c for c in changes if c.resource_type == "AWS::MSK::Topic"]
    assert len(topics) == 7 and all(t.because.startswith("create-only ClusterArn refers to Prod-Kafka/Cluster")
                                    for t in topics)
    assert len(changes) == 8
    return cluster


def test_a_renamed_cluster_is_a_replacement(prod):
    before, after = prod
    _kafka(after)[_cluster_id(after)]["Properties"]["ClusterName"] = "bank-streaming-prod-2"
    change = _cluster_change(risky_changes(before, after))
    assert (change.logical_id, change.kind) == (_cluster_id(before), "replaced")
    assert change.because == "create-only ClusterName changes"
    assert str(change).startswith(f"Prod-Kafka/{_cluster_id(before)} (Prod/Kafka/Cluster/Resource): "
                                  "AWS::MSK::Cluster would be replaced")


def test_a_changed_security_group_list_is_a_replacement(prod):
    before, after = prod
    groups = _kafka(after)[_cluster_id(after)]["Properties"]["BrokerNodeGroupInfo"]["SecurityGroups"]
    groups.append({"Fn::GetAtt": ["ClusterClientSecurityGroupD15F7D27", "GroupId"]})
    change = _cluster_change(risky_changes(before, after))
    assert change.because == "create-only BrokerNodeGroupInfo/SecurityGroups changes"


def test_a_topic_whose_replication_factor_changed_is_a_replacement(prod):
    before, after = prod
    topic_id, topic = next((k, r) for k, r in _kafka(after).items() if r["Type"] == "AWS::MSK::Topic")
    topic["Properties"]["ReplicationFactor"] = 2
    [change] = risky_changes(before, after)
    assert (change.logical_id, change.because) == (topic_id, "create-only ReplicationFactor changes")


def test_a_replaced_security_group_replaces_the_cluster_through_its_reference(prod):
    """The brokers' group description is create-only on the group: editing it replaces the group, and the cluster
    with it (its SecurityGroups value changes at deploy time), although the cluster's own properties are equal."""
    before, after = prod
    group_id = _kafka(after)[_cluster_id(after)]["Properties"]["BrokerNodeGroupInfo"]["SecurityGroups"][0][
        "Fn::GetAtt"][0]
    _kafka(after)[group_id]["Properties"]["GroupDescription"] = "MSK brokers, reworded"
    change = _cluster_change(risky_changes(before, after))
    assert change.logical_id == _cluster_id(before)
    assert change.because == f"create-only BrokerNodeGroupInfo/SecurityGroups refers to Prod-Kafka/{group_id}, " \
                             "which would be replaced"


def test_a_renamed_construct_id_removes_the_resource(prod):
    before, after = prod
    topic_id = next(k for k, r in _kafka(after).items() if r["Type"] == "AWS::MSK::Topic")
    _kafka(after)[topic_id + "Renamed"] = _kafka(after).pop(topic_id)
    [change] = risky_changes(before, after)
    assert (change.logical_id, change.kind) == (topic_id, "removed")
    assert "retained but no longer managed" in change.because


def test_a_change_to_a_stateless_resource_is_no_risk(prod):
    before, after = prod
    alarm = next(r for r in _kafka(after).values() if r["Type"] == "AWS::CloudWatch::Alarm")
    alarm["Properties"]["AlarmName"] = "renamed"  # create-only: the alarm is replaced, which loses nothing
    assert risky_changes(before, after) == []


def test_a_new_stack_risks_nothing(prod):
    before, after = prod
    after["Prod-Consumers-payments"] = {"Resources": {}}
    assert risky_changes(before, after) == []


def _network(templates):
    return templates["Prod-Network"]["Resources"]


def test_a_replaced_subnet_in_the_network_stack_replaces_the_cluster_and_its_topics_through_an_output():
    """A private subnet's range is create-only: the subnet is replaced, so the cluster's create-only ClientSubnets,
    which reads it from Prod-Network's outputs (Fn::GetStackOutput), changes at deploy time, and the cluster and its
    seven topics are replaced in Prod-Kafka although nothing in Prod-Kafka's template changed."""
    before = approved("Prod")
    after = copy.deepcopy(before)
    subnet_id, subnet = next((k, r) for k, r in _network(after).items()
                             if r["Type"] == "AWS::EC2::Subnet" and "PrivateSubnet1" in k)
    subnet["Properties"]["CidrBlock"] = "10.30.250.0/24"
    changes = risky_changes(before, after)
    cluster = _cluster_change([c for c in changes if c.stack == "Prod-Kafka"])
    assert cluster.because == (f"create-only BrokerNodeGroupInfo/ClientSubnets refers to Prod-Network/{subnet_id}, "
                               "which would be replaced")


# ---- updates the service refuses --------------------------------------------------------------------------------
def test_fewer_partitions_are_refused(prod):
    before, after = prod
    topic_id, topic = next((k, r) for k, r in _kafka(after).items() if r["Type"] == "AWS::MSK::Topic")
    count = topic["Properties"]["PartitionCount"]
    topic["Properties"]["PartitionCount"] = count // 2
    assert risky_changes(before, after) == []  # an in-place update: nothing is replaced ...
    [refusal] = refused_updates(before, after)  # ... and Kafka refuses it
    assert (refusal.logical_id, refusal.kind) == (topic_id, "refused")
    assert str(refusal).startswith(f"Prod-Kafka/{topic_id} (Prod/Kafka/")
    assert f"PartitionCount {count} to {count // 2}: Kafka cannot decrease a topic's partitions" in str(refusal)
    topic["Properties"]["PartitionCount"] = count * 2
    assert refused_updates(before, after) == []


@pytest.mark.parametrize("path, value, expected", [
    (("NumberOfBrokerNodes",), 3, "NumberOfBrokerNodes 6 to 3: MSK removes brokers only once they hold no partitions"),
    (("BrokerNodeGroupInfo", "StorageInfo", "EBSStorageInfo", "VolumeSize"), 1000,
     "VolumeSize 2000 to 1000: MSK cannot decrease a broker's storage"),
    (("KafkaVersion",), "4.0.x.kraft", "KafkaVersion 4.1.x.kraft (KRaft) to 4.0.x.kraft (KRaft): a downgrade, which "
                                       "MSK never does; keep 4.1.x.kraft"),
    (("KafkaVersion",), "3.9.x", "KafkaVersion 4.1.x.kraft (KRaft) to 3.9.x (ZooKeeper): a return to ZooKeeper mode"),
    (("KafkaVersion",), "4.2.x.kraft", "KafkaVersion 4.1.x.kraft (KRaft) to 4.2.x.kraft (KRaft): 4.2.x.kraft runs on "
                                       "MSK Express brokers only"),
])
def test_a_cluster_update_msk_refuses(prod, path, value, expected):
    before, after = prod
    node = _kafka(after)[_cluster_id(after)]["Properties"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    [refusal] = refused_updates(before, after, TODAY)
    assert refusal.resource_type == "AWS::MSK::Cluster" and expected in refusal.because


TODAY = date(2026, 12, 7)


def _versions(prod, before: str, after: str, **properties):
    old, new = prod
    for template, version in ((old, before), (new, after)):
        cluster = _kafka(template)[_cluster_id(template)]["Properties"]
        cluster["KafkaVersion"] = version
        cluster["BrokerNodeGroupInfo"].update(properties)
    return old, new


@pytest.mark.parametrize("before, after", [("3.8.x", "3.9.x"), ("3.8.x.kraft", "3.9.x.kraft"),
                                           ("3.9.x.kraft", "4.1.x.kraft"), ("4.0.x.kraft", "4.1.x.kraft"),
                                           ("3.9.x", "3.9.x.kraft")])
def test_an_upgrade_msk_offers_is_not_refused_and_is_planned(prod, before, after):
    old, new = _versions(prod, before, after)
    assert refused_updates(old, new, TODAY) == []
    review = review_kafka_versions(old, new, TODAY)
    assert review.refused == []
    assert [(u.stack, u.before, u.after) for u in review.upgrades] == [("Prod-Kafka", before, after)]


@pytest.mark.parametrize("before, after, properties, expected", [
    ("3.8.x", "3.9.x.kraft", {}, "MSK migrates to KRaft in place only from 3.9.x; upgrade to 3.9.x first"),
    ("3.9.x", "4.1.x.kraft", {}, "a ZooKeeper cluster reaches 4.1.x.kraft through 3.9.x.kraft (the in-place "
                                 "migration), then an upgrade; deploy 3.9.x.kraft first"),
    ("3.9.x", "3.9.x.kraft", {"InstanceType": "kafka.t3.small"}, "MSK does not migrate kafka.t3.small brokers"),
    ("3.9.x", "3.9.x.kraft", {"ClientSubnets": ["subnet-a", "subnet-b"]},
     "MSK migrates Standard brokers to KRaft only across 3 availability zones; this cluster has 2"),
    ("3.8.x.kraft", "3.9.x", {}, "a return to ZooKeeper mode"),
    ("3.6.0", "3.7.x", {}, "3.7.x reached MSK's end of support on 2026-09-01"),
])
def test_a_version_change_msk_does_not_offer_is_refused(prod, before, after, properties, expected):
    old, new = _versions(prod, before, after, **properties)
    [refusal] = refused_updates(old, new, TODAY)
    assert expected in refusal.because, refusal.because
    assert review_kafka_versions(old, new, TODAY).upgrades == []


def test_a_new_cluster_in_zookeeper_mode_is_refused_even_with_a_reason(prod):
    """zookeeper_mode_reason passes the configuration; only the approved templates prove the cluster exists."""
    old, new = _versions(prod, "4.1.x.kraft", "3.9.x")
    del old["Prod-Kafka"]["Resources"][_cluster_id(old)]
    [refusal] = review_kafka_versions(old, new, TODAY).refused
    assert refusal.kind == "refused" and "bank-streaming-prod would be created with KafkaVersion 3.9.x, in ZooKeeper " \
        "mode" in refusal.because and "use 4.1.x.kraft" in refusal.because
    _kafka(new)[_cluster_id(new)]["Properties"]["KafkaVersion"] = "4.1.x.kraft"
    assert review_kafka_versions(old, new, TODAY).refused == []


def test_an_approved_zookeeper_cluster_stays_with_a_warning_naming_its_support(prod):
    old, new = _versions(prod, "3.9.x", "3.9.x")
    review = review_kafka_versions(old, new, TODAY)
    assert review.refused == [] and refused_updates(old, new, TODAY) == []
    assert review.warnings == [f"Prod-Kafka/{_cluster_id(new)}: cluster bank-streaming-prod: 3.9.x runs in ZooKeeper "
                               "mode, which Kafka 4 no longer has (MSK has published no end-of-support date yet): "
                               "migrate it in place to 3.9.x.kraft"]
    old, new = _versions(prod, "3.6.0", "3.6.0")
    [warning] = review_kafka_versions(old, new, TODAY).warnings
    assert "3.6.0 runs in ZooKeeper mode, which Kafka 4 no longer has (MSK ended its support on 2026-06-01 and may " \
           "upgrade it at any time): upgrade it to 3.9.x, then migrate it in place to 3.9.x.kraft" in warning
    old, new = _versions(prod, "4.1.x.kraft", "4.1.x.kraft")
    assert review_kafka_versions(old, new, TODAY).warnings == []


def test_replacing_the_staging_standbys_network_replaces_its_cluster():
    """At 86b47a0 the check ran on dev, staging and prod only: this passed."""
    stacks = [f"StagingDr-{stack}" for stack in ("Network", "Alerting", "Kafka", "Replication", "Observability")]
    before = approved_templates(ROOT / APPROVED, stacks)
    after = copy.deepcopy(before)
    vpc = next(r for r in after["StagingDr-Network"]["Resources"].values() if r["Type"] == "AWS::EC2::VPC")
    vpc["Properties"]["CidrBlock"] = "10.99.0.0/16"
    replaced = {(c.stack, c.resource_type) for c in risky_changes(before, after) if c.kind == "replaced"}
    assert ("StagingDr-Kafka", "AWS::MSK::Cluster") in replaced and ("StagingDr-Kafka", "AWS::MSK::Topic") in replaced
