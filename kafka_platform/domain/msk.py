"""Amazon MSK (provisioned) facts and the checks built on them.

Each check returns ``None`` when the input is fine, or a message that holds the value and the fix.

Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-msk-cluster.html;
  https://docs.aws.amazon.com/msk/latest/developerguide/bestpractices.html.
"""

from __future__ import annotations

import re
from typing import Mapping

from kafka_platform.domain import kafka_versions
from kafka_platform.errors import show

# MSK's version strings and their facts live in kafka_versions (one table, with its sources).
KNOWN_KAFKA_VERSIONS = kafka_versions.KNOWN_KAFKA_VERSIONS
TIERED_STORAGE_MIN_VERSION = kafka_versions.TIERED_STORAGE_MIN
RECOMMENDED_KAFKA_VERSION = kafka_versions.RECOMMENDED

ENHANCED_MONITORING_LEVELS = ("DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION")

# Instance families MSK offers for standard brokers, with the partition guidance per broker (leaders and followers).
_INSTANCE_TYPE = re.compile(r"^kafka\.(t3\.small|m5\.(large|xlarge|2xlarge|4xlarge|8xlarge|12xlarge|16xlarge|24xlarge)"
                            r"|m7g\.(large|xlarge|2xlarge|4xlarge|8xlarge|12xlarge|16xlarge))$")
_PARTITIONS_PER_BROKER = {"small": 300, "large": 1000, "xlarge": 1000, "2xlarge": 2000}
_THROUGHPUT_CAPABLE = {"kafka.m5.4xlarge", "kafka.m5.8xlarge", "kafka.m5.12xlarge", "kafka.m5.16xlarge",
                       "kafka.m5.24xlarge", "kafka.m7g.2xlarge", "kafka.m7g.4xlarge", "kafka.m7g.8xlarge",
                       "kafka.m7g.12xlarge", "kafka.m7g.16xlarge"}

# MSK clusters name: letters, digits and hyphens, starting with a letter, 1-64 characters.
_CLUSTER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}$")

# The bank's broker defaults. Every one of them is a deliberate change from, or a pin of, MSK's defaults:
# MSK ships unclean.leader.election.enable=true, which can silently drop acknowledged writes.
BANK_SERVER_PROPERTIES: Mapping[str, str] = {
    "auto.create.topics.enable": "false",
    "default.replication.factor": "3",
    "min.insync.replicas": "2",
    "unclean.leader.election.enable": "false",
    "compression.type": "zstd",
    "log.retention.hours": "168",
}

# Properties an MSK custom configuration accepts (MSK developer guide, "Custom MSK configurations").
# A key outside this list is a typo or something MSK rejects at deploy time: both are caught at synth instead.
MSK_CONFIGURABLE_PROPERTIES: frozenset[str] = frozenset({
    "allow.everyone.if.no.acl.found", "auto.create.topics.enable", "auto.leader.rebalance.enable", "compression.type",
    "connections.max.idle.ms", "default.replication.factor", "delete.topic.enable",
    "group.initial.rebalance.delay.ms", "group.max.session.timeout.ms", "group.min.session.timeout.ms",
    "leader.imbalance.check.interval.seconds", "leader.imbalance.per.broker.percentage",
    "log.cleaner.delete.retention.ms", "log.cleaner.min.cleanable.ratio", "log.cleaner.max.compaction.lag.ms",
    "log.cleanup.policy", "log.flush.interval.messages", "log.flush.interval.ms",
    "log.message.timestamp.after.max.ms", "log.message.timestamp.before.max.ms",
    "log.message.timestamp.difference.max.ms", "log.message.timestamp.type", "log.retention.bytes",
    "log.retention.hours", "log.retention.minutes", "log.retention.ms", "log.roll.ms", "log.segment.bytes",
    "max.incremental.fetch.session.cache.slots", "message.max.bytes", "min.insync.replicas", "num.io.threads",
    "num.network.threads", "num.partitions", "num.recovery.threads.per.data.dir", "num.replica.fetchers",
    "offsets.retention.minutes", "offsets.topic.replication.factor", "replica.fetch.max.bytes",
    "replica.fetch.response.max.bytes", "replica.lag.time.max.ms", "replica.selector.class",
    "replica.socket.receive.buffer.bytes", "socket.receive.buffer.bytes", "socket.request.max.bytes",
    "socket.send.buffer.bytes", "transaction.max.timeout.ms", "transaction.state.log.min.isr",
    "transaction.state.log.replication.factor", "transactional.id.expiration.ms", "unclean.leader.election.enable",
})

COMPRESSION_TYPES = ("zstd", "lz4", "snappy", "gzip", "uncompressed", "producer")


def version_tuple(kafka_version: str) -> tuple[int, int]:
    """``"3.9.x"`` -> ``(3, 9)``; callers pass only versions from KNOWN_KAFKA_VERSIONS."""
    major, minor = kafka_version.split(".")[:2]
    return int(major), int(minor)


def kafka_version_problem(kafka_version: str) -> str | None:
    return kafka_versions.unknown_problem(kafka_version)


def instance_type_problem(instance_type: str) -> str | None:
    if _INSTANCE_TYPE.match(instance_type):
        return None
    return (f"{show(instance_type)} is not an MSK standard broker type; use kafka.t3.small, kafka.m5.<size> or "
            "kafka.m7g.<size>, for example kafka.m7g.large")


def cluster_name_problem(cluster_name: str) -> str | None:
    if _CLUSTER_NAME.match(cluster_name):
        return None
    return (f"{show(cluster_name)} is not a valid MSK cluster name; use 1-64 letters, digits and hyphens, "
            "starting with a letter")


def broker_count_problem(broker_count: int, zone_count: int) -> str | None:
    """MSK spreads brokers evenly: the total must be a multiple of the client subnets (one per zone)."""
    if broker_count >= zone_count and broker_count % zone_count == 0:
        return None
    choices = [zone_count * n for n in (1, 2, 3)]
    return (f"{broker_count} is not a multiple of the {zone_count} availability zones; "
            f"use {', '.join(str(c) for c in choices[:-1])} or {choices[-1]}")


def tiered_storage_problem(kafka_version: str, instance_type: str) -> str | None:
    """Tiered storage needs Kafka 3.6.0 or later and is not offered on kafka.t3.small."""
    if kafka_version in KNOWN_KAFKA_VERSIONS and version_tuple(kafka_version) < TIERED_STORAGE_MIN_VERSION:
        return (f"true is not supported with kafka_version {show(kafka_version)}; tiered storage needs Kafka 3.6.0 "
                "or later: raise kafka_version or set tiered_storage: false")
    if instance_type == "kafka.t3.small":
        return ("true is not supported on kafka.t3.small brokers; use kafka.m5.large or larger, "
                "or set tiered_storage: false")
    return None


def provisioned_throughput_problem(instance_type: str, throughput_mibps: int) -> str | None:
    if instance_type in _THROUGHPUT_CAPABLE:
        if 250 <= throughput_mibps <= 1000:
            return None
        return f"{throughput_mibps} is outside MSK's range; use 250 to 1000 MiB/s"
    return (f"{throughput_mibps} cannot be provisioned on {instance_type}; provisioned storage throughput needs "
            "kafka.m5.4xlarge, kafka.m7g.2xlarge or larger: remove it or choose a larger instance type")


def storage_expansion_problems(volume_size_gib: int, max_volume_size_gib: int,
                               target_utilization_percent: int) -> list[tuple[str, str]]:
    problems = []
    if max_volume_size_gib <= volume_size_gib:
        problems.append(("max_volume_size_gib",
                         f"{max_volume_size_gib} is not above broker_volume_size_gib {volume_size_gib}; "
                         "storage never shrinks, so set a maximum larger than the starting size"))
    if max_volume_size_gib > 16384:
        problems.append(("max_volume_size_gib", f"{max_volume_size_gib} is above MSK's 16384 GiB per broker; "
                                                "use 16384 or less"))
    if not 10 <= target_utilization_percent <= 80:
        problems.append(("target_utilization_percent",
                         f"{target_utilization_percent} is outside 10-80; MSK storage auto scaling accepts a target "
                         "between 10 and 80 percent, 70 is a good start"))
    return problems


def partitions_per_broker_limit(instance_type: str) -> int:
    """MSK's guidance on partitions (leaders and followers) per broker for an instance type."""
    size = instance_type.rsplit(".", 1)[-1]
    return _PARTITIONS_PER_BROKER.get(size, 4000)


# Broker properties that decide whether acknowledged data survives, each with the bank's floor and why. The
# configuration refuses a lower value, and the KafkaPlatform gate refuses it in a synthesized MSK configuration.
_DAY_MS = 86_400_000
DURABILITY_FLOORS: Mapping[str, tuple[int, str]] = {
    "min.insync.replicas": (2, "would acknowledge writes held by a single broker; the bank requires 2 or more"),
    "default.replication.factor": (3, "leaves topics with fewer than 3 copies; the bank requires 3"),
    "offsets.topic.replication.factor": (3, "keeps consumer offsets on fewer than 3 brokers: losing one loses where "
                                            "every group was; the bank requires 3"),
    "transaction.state.log.replication.factor": (3, "keeps transaction state (exactly-once Connect) on fewer than 3 "
                                                    "brokers; the bank requires 3"),
    "transaction.state.log.min.isr": (2, "would commit transactions held by a single broker; the bank requires 2 or "
                                         "more"),
    "offsets.retention.minutes": (10_080, "forgets an idle group's offsets in less than a week, and it then starts "
                                          "over from its reset point; keep 10080 (7 days) or more"),
    # Cluster-wide retention is the default of every topic without its own, Debezium's and Connect's among them.
    "log.retention.hours": (24, "deletes data within a day on every topic without its own retention; keep 24 or more "
                                "(168 is the bank's default) and give short-lived topics their own retention_hours"),
    "log.retention.minutes": (24 * 60, "deletes data within a day on every topic without its own retention; keep "
                                       "1440 or more, or set log.retention.hours"),
    "log.retention.ms": (_DAY_MS, f"deletes data within a day on every topic without its own retention; keep "
                                  f"{_DAY_MS} or more, or set log.retention.hours"),
}
# Retention by size caps every partition of every topic without its own: a surge deletes unread data.
_UNLIMITED = -1


def durability_problem(key: str, value: str) -> str | None:
    """Why ``key=value`` would lose acknowledged data or its position, or None (also None for keys it does not
    judge). Retention may be -1 (forever)."""
    number = _int(value)
    if key == "log.retention.bytes":
        if number == _UNLIMITED:
            return None
        return (f"{show(value)} caps every partition of every topic without its own retention by size, so a surge "
                "deletes data nobody has read; keep -1 and limit retention by time")
    if key not in DURABILITY_FLOORS or number is None:
        return None
    floor, why = DURABILITY_FLOORS[key]
    if key.startswith("log.retention.") and number == _UNLIMITED:
        return None
    return f"{show(value)} {why}" if number < floor else None


def server_properties_problems(overrides: Mapping[str, str]) -> list[tuple[str, str]]:
    """Unknown keys, and overrides that would weaken the bank's durability guarantees, by property name."""
    problems = []
    for key, value in overrides.items():
        if key not in MSK_CONFIGURABLE_PROPERTIES:
            problems.append((key, f"{show(key)} is not a property MSK lets you set{_suggest(key)}; see the MSK "
                                  "developer guide, Custom MSK configurations"))
            continue
        if (p := durability_problem(key, value)) is not None:
            problems.append((key, p))
        elif key == "unclean.leader.election.enable" and value.lower() != "false":
            problems.append((key, f"{show(value)} lets an out-of-sync replica become leader and lose acknowledged "
                                  "writes; keep false"))
        elif key == "auto.create.topics.enable" and value.lower() != "false":
            problems.append((key, f"{show(value)} lets any client create topics by typo; keep false and declare "
                                  "topics under kafka.topics"))
        elif key == "compression.type" and value not in COMPRESSION_TYPES:
            problems.append((key, f"{show(value)} is not a Kafka compression type; use one of "
                                  f"{', '.join(COMPRESSION_TYPES)}"))
        elif key == "log.cleanup.policy" and value != "delete":
            problems.append((key, f"{show(value)} as the cluster default would compact every topic; set "
                                  "cleanup_policy per topic instead"))
    return problems


def effective_server_properties(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The bank's defaults with per-environment overrides applied; keys sorted for a stable rendering."""
    merged = {**BANK_SERVER_PROPERTIES, **(overrides or {})}
    return dict(sorted(merged.items()))


def render_server_properties(properties: Mapping[str, str]) -> str:
    """The plain-text ``ServerProperties`` body of an ``AWS::MSK::Configuration``."""
    return "".join(f"{key}={value}\n" for key, value in properties.items())


def configuration_name(cluster_name: str, kafka_version: str) -> str:
    """MSK configuration Name and KafkaVersionsList are create-only: a version suffix lets an upgrade create the
    new configuration beside the old one instead of colliding with it."""
    return f"{cluster_name}-{kafka_version.replace('.', '-')}"


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _suggest(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, sorted(MSK_CONFIGURABLE_PROPERTIES), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
