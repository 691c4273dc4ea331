"""``kafka-platform dr``: the failover and failback plan of an environment, read from the synthesized assembly, and
read-only checks of the deployed state through boto3 (only with ``--execute``; never at synthesis or in tests, where
botocore's Stubber answers instead).

What the plan says, and why: replication is asynchronous, so a failover loses what the
replicator had not copied (at most the replication latency, alarmed above the RPO); consumer offsets are translated
approximately, so consumers resume near where they were and see duplicates (at-least-once); clients move by
bootstrap addresses (a CNAME in front of brokers fails TLS host name checks).

Sources: https://docs.aws.amazon.com/msk/latest/developerguide/msk-replicator.html.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from kafka_platform.assembly import CloudAssembly
from kafka_platform.deployed_scaling import read_services
from kafka_platform.domain.debezium import CONNECTOR_RESOURCE_TYPE
from kafka_platform.domain.disaster_recovery import dr_stage_name
from kafka_platform.errors import ConfigurationError, Problem


@dataclass(frozen=True)
class Replication:
    replicator: str
    topics: tuple[str, ...]
    groups: tuple[str, ...]
    alarms: tuple[str, ...]
    starting_position: str


@dataclass(frozen=True)
class DrLayout:
    """What the plan needs, as synthesized: both clusters, the replicator, who produces and who consumes."""

    stage: str
    primary_region: str
    standby_region: str
    primary_cluster: str
    standby_cluster: str
    replication: Replication | None
    consumers: tuple[str, ...]  # services that only read
    producers: tuple[str, ...]  # services that also write, and Connect clusters
    connectors: tuple[str, ...] = field(default_factory=tuple)


def _only(resources: dict[str, Any], what: str, where: str) -> dict[str, Any]:
    found = list(resources.values())
    if len(found) != 1:
        raise ConfigurationError([Problem(where, "", f"holds {len(found)} {what}; expected one")])
    return found[0]


def read_layout(assembly: CloudAssembly, stage: str) -> DrLayout:
    """The DR layout of ``stage`` (``Prod``); a clear error when the assembly has no standby for it."""
    standby = dr_stage_name(stage)
    if stage not in assembly.stages() or standby not in assembly.stages():
        raise ConfigurationError([Problem(str(assembly.directory), "", (
            f"has no stages {stage} and {standby}; declare disaster_recovery in the environment's file and run make "
            f"synth (stages here: {', '.join(assembly.stages()) or 'none'})"))])
    primary_kafka = assembly.stack(f"{stage}/Kafka")
    standby_kafka = assembly.stack(f"{standby}/Kafka")
    primary = _only(primary_kafka.resources("AWS::MSK::Cluster"), "MSK clusters", primary_kafka.stack_name)
    secondary = _only(standby_kafka.resources("AWS::MSK::Cluster"), "MSK clusters", standby_kafka.stack_name)
    replication = None
    replication_stacks = [s for s in assembly.stacks(standby) if s.name == f"{standby}/Replication"]
    if replication_stacks:
        stack = replication_stacks[0]
        replicator = _only(stack.resources("AWS::MSK::Replicator"), "replicators", stack.stack_name)["Properties"]
        info = replicator["ReplicationInfoList"][0]
        replication = Replication(
            replicator=replicator["ReplicatorName"],
            topics=tuple(t.replace("\\.", ".") for t in info["TopicReplication"]["TopicsToReplicate"]),
            groups=tuple(g.replace("\\.", ".").replace(".*", "*")
                         for g in info["ConsumerGroupReplication"]["ConsumerGroupsToReplicate"]),
            alarms=tuple(sorted(a["Properties"]["AlarmName"] for a in stack.resources("AWS::CloudWatch::Alarm").values())),
            starting_position=info["TopicReplication"].get("StartingPosition", {}).get("Type", "LATEST"))
    services = read_services(assembly, stage)
    writers = set()
    for stack in assembly.stacks(stage):
        for resource in stack.resources("AWS::IAM::ManagedPolicy").values():
            if any("kafka-cluster:WriteData" in str(s.get("Action")) for s in
                   resource["Properties"]["PolicyDocument"]["Statement"]):
                writers.update(r["Ref"] for r in resource["Properties"].get("Roles", []) if isinstance(r, dict))
    connect = sorted({r["Properties"]["ConnectUrl"].split("//rest.")[1].split(".connect.")[0]
                      for s in assembly.stacks(stage) for r in s.resources(CONNECTOR_RESOURCE_TYPE).values()})
    connectors = tuple(sorted(r["Properties"]["ConnectorName"] for s in assembly.stacks(stage)
                              for r in s.resources(CONNECTOR_RESOURCE_TYPE).values()))
    producing = {svc.name for svc in services if _writes(assembly, stage, svc.name, writers)}
    return DrLayout(
        stage=stage, primary_region=primary_kafka.region, standby_region=standby_kafka.region,
        primary_cluster=primary["Properties"]["ClusterName"], standby_cluster=secondary["Properties"]["ClusterName"],
        replication=replication, consumers=tuple(sorted(s.name for s in services if s.name not in producing)),
        producers=tuple(sorted(producing)) + tuple(f"Kafka Connect {c}" for c in connect), connectors=connectors)


def _writes(assembly: CloudAssembly, stage: str, service: str, writer_roles: set[str]) -> bool:
    for stack in assembly.stacks(stage):
        for logical_id, role in stack.resources("AWS::IAM::Role").items():
            identity = role.get("Metadata", {}).get("kafka-platform:principal", {})
            if identity.get("Kind") == "service" and identity.get("Name") == service and logical_id in writer_roles:
                return True
    return False


def failover_plan(layout: DrLayout, environment: str) -> str:
    r = layout.replication
    standby = dr_stage_name(layout.stage)
    lines = [
        f"Failover of {environment}: {layout.primary_cluster} ({layout.primary_region}) -> {layout.standby_cluster} "
        f"({layout.standby_region})",
        "",
        "What it costs (replication is asynchronous, offset translation approximate):",
        f"  RPO: what {r.replicator if r else 'the replicator'} had not copied when the primary was lost: at most "
        "the replication latency of that moment (its alarm fires above the declared RPO).",
        "  Consumers resume near their last committed offsets, translated: expect duplicates (at-least-once), "
        "never a gap in what was replicated.",
        "  RTO: the time of the steps below; the deployment in step 4 starts the services and Connect (minutes).",
        "",
        "1. Check replication before deciding (kafka-platform dr ... --execute reads them):",
        *(f"     alarm {a}" for a in (r.alarms if r else ())),
        "2. If the primary still answers, stop its producers first, then its consumers (scale each to 0):",
        *(f"     producer {p}" for p in layout.producers),
        *(f"     consumer {c}" for c in layout.consumers),
        "   and wait until the replicator's MessageLag is 0 (then nothing acknowledged is lost).",
        f"3. Set disaster_recovery.phase: failover in environments/{environment}.yaml (the replicator, whose source "
        "is gone, is removed; services and Connect are composed in the DR region).",
        f"4. Deploy the standby: cdk deploy '{standby}/*' (make synth first). Services start on the standby with their "
        "consumer groups' translated offsets.",
        f"5. Clients switch their bootstrap addresses to {layout.standby_cluster}'s (aws kafka get-bootstrap-brokers "
        f"--region {layout.standby_region} --cluster-arn <ARN>); never a CNAME over broker names (TLS checks them).",
        "6. Kafka Connect resumes its connectors from the replicated offsets topic: point their databases at the "
        f"region's replicas first ({len(layout.connectors)} connectors: {', '.join(layout.connectors[:5])}"
        f"{', ...' if len(layout.connectors) > 5 else ''}).",
        "",
        "Failback, once the primary region is back:",
        f"1. A reverse replicator, created in {layout.primary_region}: source {layout.standby_cluster}, target "
        f"{layout.primary_cluster}, TopicNameConfiguration IDENTICAL, StartingPosition EARLIEST, the same topics"
        f" ({', '.join(r.topics[:6]) + (', ...' if len(r.topics) > 6 else '') if r else 'as declared'}) and groups.",
        "2. Wait for its MessageLag 0; move the producers to the primary.",
        "3. Wait for MaxOffsetLag 0 of each consumer group; move the consumers.",
        "4. Delete the reverse replicator; set disaster_recovery.phase: replicate; deploy both stages.",
    ]
    return "\n".join(lines)


# ---- read-only checks, behind --execute ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def check_deployed(layout: DrLayout, client: Callable[[str, str], Any]) -> list[CheckResult]:
    """Read-only: both clusters ACTIVE, the primary's multi-VPC connectivity on, the replicator RUNNING, its alarms
    OK. ``client(service, region)`` returns a boto3 client (tests pass stubbed ones)."""
    results = []
    for cluster, region in ((layout.primary_cluster, layout.primary_region),
                            (layout.standby_cluster, layout.standby_region)):
        found = client("kafka", region).list_clusters_v2(ClusterNameFilter=cluster)["ClusterInfoList"]
        match = [c for c in found if c["ClusterName"] == cluster]
        if not match:
            results.append(CheckResult(f"cluster {cluster}", False, f"not found in {region}"))
            continue
        state = match[0]["State"]
        results.append(CheckResult(f"cluster {cluster}", state == "ACTIVE", f"{state} in {region}"))
        if cluster == layout.primary_cluster:
            iam = (match[0].get("Provisioned", {}).get("BrokerNodeGroupInfo", {}).get("ConnectivityInfo", {})
                   .get("VpcConnectivity", {}).get("ClientAuthentication", {}).get("Sasl", {}).get("Iam", {}))
            results.append(CheckResult("multi-VPC connectivity (IAM) on the primary", bool(iam.get("Enabled")),
                                       "on" if iam.get("Enabled") else "off: replication cannot reach the primary"))
    if layout.replication is not None:
        name = layout.replication.replicator
        replicators = client("kafka", layout.standby_region).list_replicators(
            ReplicatorNameFilter=name)["Replicators"]
        match = [r for r in replicators if r["ReplicatorName"] == name]
        state = match[0]["ReplicatorState"] if match else "absent"
        results.append(CheckResult(f"replicator {name}", state == "RUNNING", state))
        alarms = client("cloudwatch", layout.standby_region).describe_alarms(
            AlarmNames=list(layout.replication.alarms))["MetricAlarms"]
        states = {a["AlarmName"]: a["StateValue"] for a in alarms}
        for alarm in layout.replication.alarms:
            state = states.get(alarm, "absent")
            results.append(CheckResult(f"alarm {alarm}", state == "OK", state))
    return results


def render_checks(results: list[CheckResult]) -> str:
    return "\n".join(f"  [{'ok' if r.ok else 'NOT OK'}] {r.name}: {r.detail}" for r in results)
