"""The short per-environment summary ``make synth`` prints, read from the synthesized templates."""

from __future__ import annotations

import base64
from typing import Any

from kafka_platform.assembly import CloudAssembly, SynthesizedStack
from kafka_platform.deployed_scaling import DeployedService, read_services
from kafka_platform.domain.connect_worker import WORKERS_METADATA_KEY
from kafka_platform.domain.data_products import DATA_PRODUCT_METADATA_KEY, DATA_TEAM_METADATA_KEY
from kafka_platform.domain.debezium import CONNECTOR_RESOURCE_TYPE
from kafka_platform.domain.schedules import ScheduledCapacity
from kafka_platform.errors import ConfigurationError, Problem


OUTSIDE_A_STAGE = "(stacks outside a stage)"


def summarize(assembly: CloudAssembly) -> str:
    """One block per stage, and one for stacks an app created outside any stage (a team's own app); raises
    ConfigurationError for an assembly without a stack."""
    stages = ([""] if assembly.stacks("") else []) + assembly.stages()
    blocks = [_stage(assembly, stage) for stage in stages if assembly.stacks(stage)]
    if not blocks:
        raise ConfigurationError([Problem(str(assembly.directory), "", "holds no stack; synthesize an app that "
                                                                       "creates at least one")])
    return "\n\n".join(blocks)


def _stage(assembly: CloudAssembly, stage: str) -> str:
    stacks = assembly.stacks(stage)
    total = sum(len(s.resources()) for s in stacks)
    first = stacks[0]
    lines = [f"{stage or OUTSIDE_A_STAGE}: account {first.account}, {first.region}: {len(stacks)} stacks, "
             f"{total} resources"]
    lines += [f"  {s.stack_name:<28} {len(s.resources()):>4} resources" for s in stacks]
    for stack in stacks:
        lines += _cluster_lines(stack)
        lines += _topic_lines(stack)
        lines += _connect_lines(stack)
        lines += _data_lines(stack)
        lines += _replication_lines(stack)
    lines += [_service_line(service) + _schedule_text(service) for service in read_services(assembly, stage)]
    return "\n".join(lines)


def _schedule_text(service: DeployedService) -> str:
    """``; scheduled: month-end-prewarm cron(50 8 L * ? *) Europe/London min 24, ...``, or nothing."""
    def text(action: ScheduledCapacity) -> str:
        bounds = [f"{word} {value}" for word, value in (("min", action.min_tasks), ("max", action.max_tasks))
                  if value is not None]
        return " ".join([action.name, action.schedule, action.timezone, *bounds])
    return "; scheduled: " + ", ".join(map(text, service.scheduled)) if service.scheduled else ""


def _service_line(service: DeployedService) -> str:
    head = (f"  consumer {service.name} ({service.consumer_group} on {', '.join(service.topics)}): "
            f"{service.min_capacity}-{service.max_capacity} tasks, ")
    if service.target_tracking is not None:
        return head + f"target tracking, backlog per task {service.target_tracking.target_value:g}"
    wake = ", wakes on produce" if service.wake_up else ""
    if (needed := service.needed_tasks) is not None:
        counts = [s.adjustment for s in service.scale_out.steps] if service.scale_out is not None else []
        return head + (f"needed tasks: incoming rate +{needed.headroom_percent}% or the backlog within "
                       f"{needed.drain_seconds} s, at {needed.task_throughput:g}/s per task, in counts "
                       f"{', '.join(map(str, counts))}{wake}")
    out, in_ = service.scale_out, service.scale_in
    assert out is not None and in_ is not None, f"{service.name} has no step policies"
    unit = "%" if out.adjustment_type == "PercentChangeInCapacity" else ""
    changes = [s.adjustment for s in out.steps]
    return head + (f"steps on backlog per task: out at {out.alarms[0].threshold:g} (+{min(changes)}{unit}..+{max(changes)}"
                   f"{unit}), in at {in_.alarms[0].threshold:g} ({in_.steps[0].adjustment}{unit}){wake}")


def _cluster_lines(stack: SynthesizedStack) -> list[str]:
    lines = []
    for cluster in stack.resources("AWS::MSK::Cluster").values():
        p = cluster["Properties"]
        nodes = p["BrokerNodeGroupInfo"]
        auth = p.get("ClientAuthentication", {})
        methods = [name for name, on in (("IAM", auth.get("Sasl", {}).get("Iam", {}).get("Enabled")),
                                         ("SCRAM", auth.get("Sasl", {}).get("Scram", {}).get("Enabled")),
                                         ("unauthenticated", auth.get("Unauthenticated", {}).get("Enabled")))
                   if on]
        lines.append(f"  cluster {p['ClusterName']}: Kafka {p['KafkaVersion']}, {p['NumberOfBrokerNodes']} x "
                     f"{nodes['InstanceType']} over {len(nodes['ClientSubnets'])} zones, "
                     f"{nodes['StorageInfo']['EBSStorageInfo']['VolumeSize']} GiB per broker, "
                     f"storage {p.get('StorageMode', 'LOCAL')}, auth {'+'.join(methods)}, "
                     f"in transit {p['EncryptionInfo']['EncryptionInTransit']['ClientBroker']}")
    return lines


def _connect_lines(stack: SynthesizedStack) -> list[str]:
    connectors = sorted(r["Properties"]["ConnectorName"]
                        for r in stack.resources(CONNECTOR_RESOURCE_TYPE).values())
    if not connectors:
        return []
    workers = next((r["Properties"] for r in stack.resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
                    if WORKERS_METADATA_KEY in r.get("Metadata", {})), {})
    shown = ", ".join(connectors[:4]) + (f", ... ({len(connectors) - 4} more)" if len(connectors) > 4 else "")
    # The worker count is known only where the template says it (its scalable target, found by its path).
    counted = (f"{workers['MinCapacity']}-{workers['MaxCapacity']} workers, "
               if "MinCapacity" in workers and "MaxCapacity" in workers else "")
    return [f"  connect: {counted}{len(connectors)} Debezium connectors: {shown}"]


def _data_lines(stack: SynthesizedStack) -> list[str]:
    """Data products (from their connectors' metadata) and data teams (from their roles')."""
    lines = []
    for resource in stack.resources(CONNECTOR_RESOURCE_TYPE).values():
        product = resource.get("Metadata", {}).get(DATA_PRODUCT_METADATA_KEY)
        if product:
            treated = ", ".join(f"{column.rsplit('.', 1)[1]} {how}" for column, how in product["Columns"].items())
            lines.append(f"  data product {product['Product']} (from {product['Source']}): "
                         f"{', '.join(product['Topics'])}; {treated or 'every column in clear'}")
    for resource in stack.resources("AWS::IAM::Role").values():
        team = resource.get("Metadata", {}).get(DATA_TEAM_METADATA_KEY)
        if team:
            principals = resource["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]
            principals = principals if isinstance(principals, list) else [principals]
            lines.append(f"  data team {team['Team']}: reads {', '.join(team['Topics'])} as "
                         f"{team['ConsumerGroupPrefix']}*, assumed by {', '.join(map(str, principals))}")
    return lines


def _replication_lines(stack: SynthesizedStack) -> list[str]:
    lines = []
    for resource in stack.resources("AWS::MSK::Replicator").values():
        p = resource["Properties"]
        info = p["ReplicationInfoList"][0]
        topics = info["TopicReplication"]
        lines.append(f"  replicator {p['ReplicatorName']}: {len(topics['TopicsToReplicate'])} topics "
                     f"({topics['TopicNameConfiguration']['Type'].lower()} names, from "
                     f"{topics['StartingPosition']['Type'].lower()}), "
                     f"{len(info['ConsumerGroupReplication']['ConsumerGroupsToReplicate'])} consumer groups' offsets, "
                     f"{info['TargetCompressionType'].lower()}")
    return lines


def _topic_lines(stack: SynthesizedStack) -> list[str]:
    topics = sorted(stack.resources("AWS::MSK::Topic").values(), key=lambda t: t["Properties"]["TopicName"])
    if not topics:
        return []
    return [f"  topics ({len(topics)}): " + ", ".join(_topic(t["Properties"]) for t in topics)]


def _topic(properties: dict[str, Any]) -> str:
    configs = _decode(properties.get("Configs"))
    extras = [word for word, on in (("tiered", configs.get("remote.storage.enable") == "true"),
                                    ("compacted", "compact" in configs.get("cleanup.policy", ""))) if on]
    suffix = f" {'/'.join(extras)}" if extras else ""
    return f"{properties['TopicName']} {properties['PartitionCount']}p x{properties['ReplicationFactor']}{suffix}"


def _decode(configs: str | None) -> dict[str, str]:
    if not configs:
        return {}
    text = base64.b64decode(configs).decode()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
