"""MSK Replicator from prod to its standby, as synthesized: identical names, zstd, the allow-lists, offsets
synchronised, a least-privilege role, and alarms on what a regulator asks about."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from aws_cdk import App

from kafka_platform.config import load_environment
from kafka_platform.platform_app import compose
from kafka_platform.assembly import CloudAssembly
from kafka_platform.gates.report import report_failures
from tests.conftest import ENVIRONMENTS_DIR, cdk_context
from tests.support import resources


def replicator(synthesized, environment="prod-dr"):
    [resource] = resources(synthesized.raw(environment, "Replication"), "AWS::MSK::Replicator").values()
    return resource["Properties"]


def test_identical_names_zstd_and_the_declared_allow_lists(synthesized, environments):
    properties = replicator(synthesized)
    assert properties["ReplicatorName"] == "bank-streaming-prod-to-dr"
    [info] = properties["ReplicationInfoList"]
    topics = info["TopicReplication"]
    assert topics["TopicNameConfiguration"] == {"Type": "IDENTICAL"}
    assert info["TargetCompressionType"] == "ZSTD"
    assert topics["StartingPosition"] == {"Type": "EARLIEST"}
    declared = [t.name for t in environments["prod"].kafka.topics]
    internal = [f"_connect-bank-cdc-prod-{kind}" for kind in ("configs", "offsets", "status")]
    assert topics["TopicsToReplicate"] == [t.replace(".", "\\.") for t in declared + internal]
    groups = info["ConsumerGroupReplication"]
    assert groups["SynchroniseConsumerGroupOffsets"] is True and groups["ConsumerGroupOffsetSyncMode"] == "LEGACY"
    assert groups["ConsumerGroupsToReplicate"] == sorted({c.consumer_group for c in environments["prod"].consumers}) \
        + ["fraud-ds-.*"]
    # From the primary (found through SSM at deployment) to the standby cluster of this stage.
    source, target = properties["KafkaClusters"]
    assert "Fn::GetAtt" in source["AmazonMskCluster"]["MskClusterArn"]
    assert target["AmazonMskCluster"]["MskClusterArn"]["Fn::GetStackOutput"]["StackName"] == "ProdDr-Kafka"
    assert len(source["VpcConfig"]["SubnetIds"]) == 3 and len(target["VpcConfig"]["SubnetIds"]) == 3


def test_the_role_reads_exactly_the_replicated_topics_on_the_primary_and_nothing_broad(synthesized):
    raw = synthesized.raw("prod-dr", "Replication")
    [role] = [r for r in resources(raw, "AWS::IAM::Role").values()
              if "kafka.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])]
    statements = [s for p in resources(raw, "AWS::IAM::ManagedPolicy").values()
                  if "Replicator/ExecutionRole" in p["Metadata"]["aws:cdk:path"]
                  for s in p["Properties"]["PolicyDocument"]["Statement"]]
    text = json.dumps(statements)
    assert "kafka-cluster:*" not in text and '"Resource": "*"' not in text
    def primary_topics(action):
        found = []
        for statement in statements:
            if action not in statement["Action"]:
                continue
            for resource in statement["Resource"] if isinstance(statement["Resource"], list) else \
                    [statement["Resource"]]:
                text = json.dumps(resource)
                if ":topic/bank-streaming-prod/" in text:
                    found.append(text.rsplit("/", 1)[1].rstrip('"]}'))
        return sorted(found)

    reads = primary_topics("kafka-cluster:ReadData")
    assert {"loan-applications", "repayments", "_connect-bank-cdc-prod-offsets"} <= set(reads)
    assert not [t for t in reads if "*" in t and t != "__amazon_msk_*"]
    # Nothing is written on the primary but Replicator's own internal topics.
    assert primary_topics("kafka-cluster:WriteData") == ["__amazon_msk_*"]


def test_alarms_on_rpo_growing_lag_stalling_and_failure_reach_the_alarm_topic(synthesized):
    raw = synthesized.raw("prod-dr", "Replication")
    alarms = {a["Properties"]["AlarmName"]: a["Properties"] for a in resources(raw, "AWS::CloudWatch::Alarm").values()}
    assert sorted(alarms) == [f"bank-streaming-prod-to-dr-{a}" for a in ("failed", "lag-growing", "latency",
                                                                         "stalled")]
    latency = alarms["bank-streaming-prod-to-dr-latency"]
    assert latency["MetricName"] == "ReplicationLatency" and latency["Threshold"] == 300_000  # rpo_seconds: 300
    assert latency["Dimensions"] == [{"Name": "ReplicatorName", "Value": "bank-streaming-prod-to-dr"}]
    stalled = json.dumps(alarms["bank-streaming-prod-to-dr-stalled"]["Metrics"])
    assert "MessageLag" in stalled and "ReplicatorThroughput" in stalled
    assert "RATE(lag)" in json.dumps(alarms["bank-streaming-prod-to-dr-lag-growing"]["Metrics"])
    assert all(a["AlarmActions"] and a["OKActions"] for a in alarms.values())
    assert resources(raw, "AWS::CloudWatch::Dashboard")


def test_the_primary_admits_the_replicator_and_publishes_its_coordinates(synthesized):
    raw = synthesized.raw("prod", "Kafka")
    names = sorted(p["Properties"]["Name"] for p in resources(raw, "AWS::SSM::Parameter").values()
                   if "/msk/" in p["Properties"]["Name"])  # the shared attributes for teams are tested elsewhere
    assert names == [f"/kafka-platform/prod/msk/{n}" for n in ("client-security-group-id", "client-subnet-ids",
                                                               "cluster-arn")]
    # The standby's lookup may read exactly those, in the primary's region.
    lookup = [p for p in resources(synthesized.raw("prod-dr", "Replication"), "AWS::IAM::ManagedPolicy").values()
              if "PrimaryLookupRole" in p["Metadata"]["aws:cdk:path"]]
    text = json.dumps(lookup)
    assert text.count("arn:aws:ssm:eu-west-2:333333333333:parameter/kafka-platform/prod/msk/") == 3


def test_a_failover_deployment_runs_the_services_in_the_dr_region_and_passes_every_gate(tmp_path):
    data = yaml.safe_load((ENVIRONMENTS_DIR / "prod.yaml").read_text())
    data["disaster_recovery"]["phase"] = "failover"
    (tmp_path / "prod.yaml").write_text(yaml.safe_dump(data))
    app = App(outdir=str(tmp_path / "cdk.out"), context=cdk_context())
    stages = compose(app, [load_environment(tmp_path / "prod.yaml")])
    assembly = CloudAssembly(Path(app.synth().directory))
    assert report_failures(assembly.directory) == []
    standby = [s.name for s in assembly.stacks("ProdDr")]
    assert "ProdDr/Replication" not in standby  # its source is gone
    assert {"ProdDr/Consumers", "ProdDr/Connect"} <= set(standby)
    images = [json.dumps(c["Image"]) for s in [assembly.stack("ProdDr/Consumers")]
              for t in s.resources("AWS::ECS::TaskDefinition").values() for c in t["Properties"]["ContainerDefinitions"]]
    # From the same repositories in the DR region's registry (ECR replication is the prerequisite).
    assert len(images) == 4 and all("333333333333.dkr.ecr.eu-west-1." in i for i in images), images
    assert stages["prod-dr"].config.kafka.cluster_name == "bank-streaming-prod-dr"
