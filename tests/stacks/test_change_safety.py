"""A deployment never silently replaces or removes what holds data: every stack is compared with its last approved
template (its snapshot), on the create-only properties of the CloudFormation registry schemas.

Runs before test_snapshots.py (alphabetical order), so a ``--snapshot-update`` run still compares with the approved
files as they were."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from kafka_platform.change_safety import create_only_properties, risky_changes
from tests.conftest import ENVIRONMENT_NAMES
from tests.stacks.test_snapshots import STACKS, normalise

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots"


def approved(environment: str) -> dict[str, dict]:
    stage = environment.capitalize()
    return {f"{stage}-{stack}": json.loads((SNAPSHOTS / f"test_template_matches_snapshot[{environment}-{stack}].json")
                                           .read_text()) for stack in STACKS}


def proposed(synthesized, environment: str) -> dict[str, dict]:
    stage = synthesized.stages[environment].stage_name
    return {s.stack_name: normalise(s.template) for s in synthesized.assembly.stacks(stage)}


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_no_stateful_resource_is_replaced_or_removed_unless_acknowledged(synthesized, environments, environment):
    acknowledged = {(f"{environments[environment].stage_name}-{a.stack}", a.logical_id)
                    for a in environments[environment].acknowledged_replacements}
    changes = risky_changes(approved(environment), proposed(synthesized, environment))
    assert [str(c) for c in changes if (c.stack, c.logical_id) not in acknowledged] == []


def test_the_schemas_know_what_replaces_a_cluster_and_a_topic():
    assert {"/properties/ClusterName", "/properties/BrokerNodeGroupInfo/SecurityGroups",
            "/properties/BrokerNodeGroupInfo/ClientSubnets", "/properties/EncryptionInfo/EncryptionAtRest"} <= set(
        create_only_properties("AWS::MSK::Cluster"))
    assert {"/properties/TopicName", "/properties/ReplicationFactor"} <= set(create_only_properties("AWS::MSK::Topic"))


# ---- planted changes on prod's approved templates --------------------------------------------------------------
@pytest.fixture
def prod():
    before = approved("prod")
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
