"""``kafka-platform dr``: the plan from the synthesized assembly, and read-only checks through boto3 (stubbed)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from kafka_platform.cli import main
from kafka_platform.disaster_recovery_plan import check_deployed, failover_plan, read_layout
from kafka_platform.errors import ConfigurationError


def test_the_layout_is_read_from_both_stages(synthesized):
    layout = read_layout(synthesized.assembly, "Prod")
    assert (layout.primary_cluster, layout.primary_region) == ("bank-streaming-prod", "eu-west-2")
    assert (layout.standby_cluster, layout.standby_region) == ("bank-streaming-prod-dr", "eu-west-1")
    assert layout.replication.replicator == "bank-streaming-prod-to-dr"
    assert "_connect-bank-cdc-prod-configs" in layout.replication.topics and "fraud-ds-*" in layout.replication.groups
    assert layout.replication.alarms == tuple(f"bank-streaming-prod-to-dr-{a}"
                                              for a in ("failed", "lag-growing", "latency", "stalled"))
    # Services that write are stopped before those that only read; Connect writes too.
    assert "loan-approvals" in layout.producers and "Kafka Connect bank-cdc-prod" in layout.producers
    assert "repayments-processor" in layout.consumers and not set(layout.producers) & set(layout.consumers)


def test_the_plan_orders_producers_before_consumers_and_says_what_failover_costs(synthesized, capsys):
    assert main(["dr", "prod", "--assembly", str(synthesized.assembly.directory)]) == 0
    plan = capsys.readouterr().out
    assert plan.index("producer loan-approvals") < plan.index("consumer repayments-processor")
    assert "expect duplicates (at-least-once)" in plan and "RPO" in plan
    assert "cdk deploy 'ProdDr/*'" in plan and "disaster_recovery.phase: failover" in plan
    assert "StartingPosition EARLIEST" in plan and "reverse replicator, created in eu-west-2" in plan
    assert "--execute" in plan  # nothing was called


def test_an_environment_without_a_standby_is_a_clear_error(synthesized, capsys):
    with pytest.raises(ConfigurationError, match="has no stages Dev and DevDr; declare disaster_recovery"):
        read_layout(synthesized.assembly, "Dev")
    assert main(["dr", "dev", "--assembly", str(synthesized.assembly.directory)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def _clients(cluster_states, connectivity, replicator_state, alarm_state):
    made = {}

    def client(service, region):
        key = (service, region)
        if key not in made:
            made[key] = boto3.client(service, region_name=region, aws_access_key_id="testing",
                                     aws_secret_access_key="testing")
        return made[key]

    stubs = {}

    def stub(service, region):
        c = client(service, region)
        if c not in stubs:
            stubs[c] = Stubber(c)
        return stubs[c]

    for name, region in (("bank-streaming-prod", "eu-west-2"), ("bank-streaming-prod-dr", "eu-west-1")):
        info = {"ClusterName": name, "State": cluster_states[name], "ClusterType": "PROVISIONED"}
        if name == "bank-streaming-prod":
            info["Provisioned"] = {"BrokerNodeGroupInfo": {
                "ClientSubnets": ["subnet-1"], "InstanceType": "kafka.m7g.xlarge", "ConnectivityInfo": {
                    "VpcConnectivity": {"ClientAuthentication": {"Sasl": {"Iam": {"Enabled": connectivity}}}}}},
                "NumberOfBrokerNodes": 6}
        stub("kafka", region).add_response("list_clusters_v2", {"ClusterInfoList": [info]},
                                           {"ClusterNameFilter": name})
    stub("kafka", "eu-west-1").add_response("list_replicators", {"Replicators": [
        {"ReplicatorName": "bank-streaming-prod-to-dr", "ReplicatorState": replicator_state}]},
        {"ReplicatorNameFilter": "bank-streaming-prod-to-dr"})
    alarms = [f"bank-streaming-prod-to-dr-{a}" for a in ("failed", "lag-growing", "latency", "stalled")]
    stub("cloudwatch", "eu-west-1").add_response("describe_alarms", {"MetricAlarms": [
        {"AlarmName": a, "StateValue": alarm_state} for a in alarms]}, {"AlarmNames": alarms})
    for s in stubs.values():
        s.activate()
    return client, stubs


def test_checks_read_both_clusters_the_replicator_and_its_alarms(synthesized):
    layout = read_layout(synthesized.assembly, "Prod")
    client, stubs = _clients({"bank-streaming-prod": "ACTIVE", "bank-streaming-prod-dr": "ACTIVE"}, True, "RUNNING",
                             "OK")
    results = check_deployed(layout, client)
    assert all(r.ok for r in results), results
    assert len(results) == 8
    for s in stubs.values():
        s.assert_no_pending_responses()


def test_checks_report_what_is_not_ready(synthesized):
    layout = read_layout(synthesized.assembly, "Prod")
    client, _ = _clients({"bank-streaming-prod": "ACTIVE", "bank-streaming-prod-dr": "CREATING"}, False, "FAILED",
                         "ALARM")
    failed = {r.name: r.detail for r in check_deployed(layout, client) if not r.ok}
    assert failed == {
        "cluster bank-streaming-prod-dr": "CREATING in eu-west-1",
        "multi-VPC connectivity (IAM) on the primary": "off: replication cannot reach the primary",
        "replicator bank-streaming-prod-to-dr": "FAILED",
        **{f"alarm bank-streaming-prod-to-dr-{a}": "ALARM" for a in ("failed", "lag-growing", "latency", "stalled")}}


def test_the_plan_text_names_the_connectors_to_repoint(synthesized):
    plan = failover_plan(read_layout(synthesized.assembly, "Prod"), "prod")
    assert "17 connectors: accounts-cdc" in plan
