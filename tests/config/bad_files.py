"""Bad environment files as mutations of the shipped prod.yaml, each with the one exact line it must produce.

Shared by the loader battery and the CLI / make tests. Paths: ``a.b[topic-name].c`` (a list item by its name) or
``a.b[0]`` (by index); ``DELETE`` removes the key.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from tests.conftest import ENVIRONMENTS_DIR

DELETE = object()
F = "environments/prod.yaml"
PROD_SERVICES = ("loan-approvals", "repayments-processor", "credit-assessment", "card-fraud-screening")


@dataclass(frozen=True)
class BadFile:
    id: str
    change: Callable[[dict[str, Any]], None] | str  # a mutation of the data, or the raw text of the file
    expected: str


def setting(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = _parts(path)
        node = data
        for part in parents:
            node = _child(node, part)
        if value is DELETE:
            del node[last]
        elif isinstance(node, list):
            node[_index(node, last)] = value
        else:
            node[last] = value
    return mutate


def adding_topic(topic: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["kafka"]["topics"].append(topic)


def settings(*changes: tuple[str, Any]) -> Callable[[dict[str, Any]], None]:
    """Several settings at once, for a problem that only their combination makes."""
    def mutate(data: dict[str, Any]) -> None:
        for path, value in changes:
            setting(path, value)(data)
    return mutate

def on_steps(change: Callable[[dict[str, Any]], None], *names: str) -> Callable[[dict[str, Any]], None]:
    """``change`` on a file whose services ``names`` (default loan-approvals) scale on steps: prod's scale on
    needed_tasks, where step settings do not apply."""
    def mutate(data: dict[str, Any]) -> None:
        for name in names or ("loan-approvals",):
            setting(f"consumers[{name}].scaling_mode", "steps")(data)
        change(data)
    return mutate



def _parts(path: str) -> list[str]:
    return [p for p in re.split(r"\.|\[|\]", path) if p]


def _index(items: list[Any], key: str) -> int:
    if key.isdigit():
        return int(key)
    return next(i for i, item in enumerate(items) if isinstance(item, dict) and item.get("name") == key)


def _child(node: Any, part: str) -> Any:
    return node[_index(node, part)] if isinstance(node, list) else node[part]


@functools.lru_cache(maxsize=1)
def _shipped_prod() -> dict[str, Any]:
    return yaml.safe_load((ENVIRONMENTS_DIR / "prod.yaml").read_text())


def prod_data() -> dict[str, Any]:
    """The shipped prod.yaml as data, a fresh copy each call (parsed once: the battery and make mutate run it often)."""
    return copy.deepcopy(_shipped_prod())


def write(case: BadFile, folder: Path) -> Path:
    path = folder / "prod.yaml"
    if isinstance(case.change, str):
        path.write_text(case.change)
    else:
        data = copy.deepcopy(prod_data())
        case.change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


CASES = [
    BadFile("brokers-not-multiple-of-zones", setting("kafka.broker_count", 4),
            f"{F}: kafka.broker_count: 4 is not a multiple of the 3 availability zones; use 3, 6 or 9"),
    BadFile("unknown-key-typo", lambda d: d["kafka"].update(brokr_count=d["kafka"].pop("broker_count")),
            f"{F}: kafka.brokr_count: is not a known key; did you mean broker_count? allowed here: broker_count, "
            "broker_instance_type, broker_log_retention_days, broker_volume_size_gib, cluster_name, "
            "enhanced_monitoring, kafka_version, multi_vpc_connectivity, prometheus_jmx_exporter, prometheus_node_exporter, "
            "provisioned_throughput_mibps, removal_policy, scram_authentication, server_properties, "
            "storage_auto_expansion, tiered_storage, topics, zookeeper_mode_reason"),
    BadFile("account-unquoted", setting("account", 333333333333),
            f"{F}: account: 333333333333 is not text; quote it: \"333333333333\""),
    BadFile("account-short", setting("account", "33333333333"),
            f"{F}: account: \"33333333333\" is not a 12-digit AWS account id; write it quoted, for example "
            "\"123456789012\""),
    BadFile("region-invalid", setting("region", "london"),
            f"{F}: region: \"london\" is not an AWS region name; use a name such as eu-west-2"),
    BadFile("one-zone", settings(("availability_zones", ["eu-west-2a"]), ("network.nat_gateways", 1)),
            f"{F}: availability_zones: [\"eu-west-2a\"] lists 1 zones; MSK needs 2 or 3 zones, and a bank in "
            "production wants 3"),
    BadFile("wake-up-without-per-topic-metrics", settings(
        ("kafka.enhanced_monitoring", "PER_BROKER"), ("consumers[loan-approvals].min_tasks", 0),
        ("consumers[loan-approvals].wake_up_on_produce", True),
        *((f"consumers[{name}].scaling_mode", "steps") for name in PROD_SERVICES)),
            f"{F}: consumers[loan-approvals].wake_up_on_produce: needs per-topic broker metrics, but "
            "kafka.enhanced_monitoring is PER_BROKER; use PER_TOPIC_PER_BROKER"),
    BadFile("needed-tasks-without-per-topic-metrics", settings(
        ("kafka.enhanced_monitoring", "PER_BROKER"),
        *((f"consumers[{name}].scaling_mode", "steps") for name in PROD_SERVICES[1:])),
            f"{F}: consumers[loan-approvals].scaling_mode: needed_tasks reads each topic's incoming rate from "
            "per-topic broker metrics, but kafka.enhanced_monitoring is PER_BROKER; use PER_TOPIC_PER_BROKER, or "
            "scaling_mode steps"),
    BadFile("needed-tasks-headroom-out-of-range", setting("consumers[loan-approvals].headroom_percent", 150),
            f"{F}: consumers[loan-approvals].headroom_percent: 150 is not between 0 and 100; capacity kept above the "
            "incoming rate, 10 is a good start"),
    BadFile("schedule-as-a-rate", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule", "rate(1 day)"),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule: \"rate(1 day)\" starts counting when the action is created, which neither you nor "
            "make bench can know; write a cron(...) at the times you mean"),
    BadFile("schedule-cron-with-both-days", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule", "cron(50 8 L * * *)"),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule: cron(50 8 L * * *) needs ? in exactly one of day-of-month and day-of-week (AWS's "
            "rule: a value or * in one, ? in the other)"),
    BadFile("schedule-cron-five-fields", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule", "cron(50 8 L * ?)"),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule: cron(50 8 L * ?) has 5 fields; Application Auto Scaling's cron has six: minutes "
            "hours day-of-month month day-of-week year, e.g. cron(50 8 L * ? *)"),
    BadFile("schedule-cron-day-before-the-last", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule", "cron(50 8 L-1 * ? *)"),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule: cron(50 8 L-1 * ? *): \"L-1\" in the day-of-month is not 1-31; the letters "
            "kafka-platform replays here are L (the last day), 15W (the weekday nearest the 15th) and LW (the last weekday), each alone in the field"),
    BadFile("schedule-hour-out-of-range", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule", "cron(50 24 L * ? *)"),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule: cron(50 24 L * ? *): \"24\" in the hours is outside 0-23 (or its range runs "
            "backwards)"),
    BadFile("schedule-at-a-day-that-does-not-exist", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule", "at(2026-11-31T08:50:00)"),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].schedule: \"at(2026-11-31T08:50:00)\" is not a date and time that exists; write "
            "at(2026-12-31T08:50:00)"),
    BadFile("schedule-timezone-unknown", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].timezone", "London"),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].timezone: \"London\" is not an IANA time zone; write e.g. Europe/London or UTC"),
    BadFile("schedule-above-the-partitions", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].min_tasks", 25),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].min_tasks: 25 is outside 2-24: a schedule moves the bounds between the service's own "
            "min_tasks and the most its partitions and max_tasks allow"),
    BadFile("schedule-below-the-services-minimum", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].min_tasks", 1),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].min_tasks: 1 is outside 2-24: a schedule moves the bounds between the service's own "
            "min_tasks and the most its partitions and max_tasks allow"),
    BadFile("schedule-min-above-its-max", settings(("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].min_tasks", 20), ("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].max_tasks", 10)),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].min_tasks: 20 is above its max_tasks 10"),
    BadFile("schedule-sets-nothing", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].min_tasks", DELETE),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm]: sets neither min_tasks nor max_tasks; give one or both"),
    BadFile("schedule-name-twice", setting("consumers[loan-approvals].scheduled_capacity[month-end-over].name",
                                           "month-end-prewarm"),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].name: \"month-end-prewarm\" is used twice; name each action once"),
    BadFile("schedule-unknown-key", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].desired_tasks", 30),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end-prewarm].desired_tasks: is not a known key; did you mean min_tasks? allowed here: max_tasks, "
            "min_tasks, name, schedule, timezone"),
    BadFile("schedule-name-with-a-colon", setting("consumers[loan-approvals].scheduled_capacity[month-end-prewarm].name", "month-end:prewarm"),
            f"{F}: consumers[loan-approvals].scheduled_capacity[month-end:prewarm].name: \"month-end:prewarm\" is "
            "not an action name: 1-256 characters, none of : / |"),
    BadFile("needed-tasks-with-a-step-setting", setting("consumers[loan-approvals].scale_in_percent", 30),
            f"{F}: consumers[loan-approvals].scale_in_percent: applies to scaling_mode steps or target_tracking, not "
            "needed_tasks (which sizes the fleet from the incoming rate); remove it, or change the mode"),
    BadFile("zone-in-other-region", setting("availability_zones[2]", "eu-west-1c"),
            f"{F}: availability_zones[2]: \"eu-west-1c\" is not in region eu-west-2; use zones of eu-west-2, such "
            "as eu-west-2a"),
    BadFile("zone-repeated", setting("availability_zones[2]", "eu-west-2a"),
            f"{F}: availability_zones: [\"eu-west-2a\", \"eu-west-2b\", \"eu-west-2a\"] repeats a zone; list each "
            "zone once"),
    BadFile("disaster-recovery-in-same-region", setting("disaster_recovery.region", "eu-west-2"),
            f"{F}: disaster_recovery.region: \"eu-west-2\" is the primary region; disaster recovery needs another "
            "region, such as eu-west-1"),
    BadFile("kafka-version-unknown", setting("kafka.kafka_version", "2.8.1"),
            f"{F}: kafka.kafka_version: \"2.8.1\" is not an MSK Kafka version; use one of 3.5.1, 3.6.0, 3.7.x, "
            "3.7.x.kraft, 3.8.x, 3.8.x.kraft, 3.9.x, 3.9.x.kraft, 4.0.x.kraft, 4.1.x.kraft, 4.2.x.kraft"),
    BadFile("kafka-version-zookeeper-mode", setting("kafka.kafka_version", "3.9.x"),
            f"{F}: kafka.kafka_version: \"3.9.x\" creates the cluster in ZooKeeper mode, which Kafka 4 no longer has "
            "(3.9 is its last line) and which MSK leaves only by an in-place migration from 3.9.x: use 4.1.x.kraft. A "
            "cluster that already runs in ZooKeeper mode keeps its version by saying why in "
            "zookeeper_mode_reason"),
    BadFile("kafka-version-past-end-of-support", setting("kafka.kafka_version", "3.7.x.kraft"),
            f"{F}: kafka.kafka_version: \"3.7.x.kraft\" reached MSK's end of support on 2026-09-01: MSK upgrades such "
            "clusters at any time without notice, and creates none: use 4.1.x.kraft"),
    BadFile("kafka-version-express-only", setting("kafka.kafka_version", "4.2.x.kraft"),
            f"{F}: kafka.kafka_version: \"4.2.x.kraft\" runs on MSK Express brokers only; this platform provisions "
            "Standard brokers: use 4.1.x.kraft"),
    BadFile("zookeeper-reason-on-kraft", setting("kafka.zookeeper_mode_reason", "it was created in 2025"),
            f"{F}: kafka.zookeeper_mode_reason: is set, but \"4.1.x.kraft\" runs in KRaft mode: delete "
            "zookeeper_mode_reason"),
    BadFile("kafka-version-unquoted-number", setting("kafka.kafka_version", 3.6),
            f"{F}: kafka.kafka_version: 3.6 is not text; quote it: \"3.6\""),
    BadFile("instance-type-unknown", setting("kafka.broker_instance_type", "kafka.m6.large"),
            f"{F}: kafka.broker_instance_type: \"kafka.m6.large\" is not an MSK standard broker type; use "
            "kafka.t3.small, kafka.m5.<size> or kafka.m7g.<size>, for example kafka.m7g.large"),
    BadFile("tiered-storage-on-t3-small", settings(("kafka.broker_instance_type", "kafka.t3.small"),
                                                   ("disaster_recovery", DELETE)),
            f"{F}: kafka.tiered_storage: true is not supported on kafka.t3.small brokers; use kafka.m5.large or "
            "larger, or set tiered_storage: false"),
    BadFile("throughput-on-small-brokers", setting("kafka.provisioned_throughput_mibps", 500),
            f"{F}: kafka.provisioned_throughput_mibps: 500 cannot be provisioned on kafka.m7g.xlarge; provisioned "
            "storage throughput needs kafka.m5.4xlarge, kafka.m7g.2xlarge or larger: remove it or choose a larger "
            "instance type"),
    BadFile("storage-maximum-below-start", setting("kafka.storage_auto_expansion.max_volume_size_gib", 1000),
            f"{F}: kafka.storage_auto_expansion.max_volume_size_gib: 1000 is not above broker_volume_size_gib 2000; "
            "storage never shrinks, so set a maximum larger than the starting size"),
    BadFile("storage-target-too-high", setting("kafka.storage_auto_expansion.target_utilization_percent", 90),
            f"{F}: kafka.storage_auto_expansion.target_utilization_percent: 90 is outside 10-80; MSK storage auto "
            "scaling accepts a target between 10 and 80 percent, 70 is a good start"),
    BadFile("log-retention-not-offered", setting("kafka.broker_log_retention_days", 100),
            f"{F}: kafka.broker_log_retention_days: 100 is not a retention CloudWatch Logs offers; use 90 (allowed: "
            "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, "
            "3653)"),
    BadFile("server-property-typo", setting("kafka.server_properties", {"log.retention.hour": "72"}),
            f"{F}: kafka.server_properties.log.retention.hour: \"log.retention.hour\" is not a property MSK lets you "
            "set (did you mean log.retention.hours?); see the MSK developer guide, Custom MSK configurations"),
    BadFile("server-property-retention-by-size", setting("kafka.server_properties", {"log.retention.bytes": "1"}),
            f"{F}: kafka.server_properties.log.retention.bytes: \"1\" caps every partition of every topic without its "
            "own retention by size, so a surge deletes data nobody has read; keep -1 and limit retention by time"),
    BadFile("server-property-retention-ms", setting("kafka.server_properties", {"log.retention.ms": "1"}),
            f"{F}: kafka.server_properties.log.retention.ms: \"1\" deletes data within a day on every topic without "
            "its own retention; keep 86400000 or more, or set log.retention.hours"),
    BadFile("server-property-retention-hours", setting("kafka.server_properties", {"log.retention.hours": "1"}),
            f"{F}: kafka.server_properties.log.retention.hours: \"1\" deletes data within a day on every topic "
            "without its own retention; keep 24 or more (168 is the bank's default) and give short-lived topics "
            "their own retention_hours"),
    BadFile("server-property-offsets-replication", setting("kafka.server_properties",
                                                           {"offsets.topic.replication.factor": "1"}),
            f"{F}: kafka.server_properties.offsets.topic.replication.factor: \"1\" keeps consumer offsets on fewer "
            "than 3 brokers: losing one loses where every group was; the bank requires 3"),
    BadFile("server-property-transaction-replication", setting("kafka.server_properties",
                                                               {"transaction.state.log.replication.factor": "1"}),
            f"{F}: kafka.server_properties.transaction.state.log.replication.factor: \"1\" keeps transaction state "
            "(exactly-once Connect) on fewer than 3 brokers; the bank requires 3"),
    BadFile("server-property-transaction-min-isr", setting("kafka.server_properties",
                                                           {"transaction.state.log.min.isr": "1"}),
            f"{F}: kafka.server_properties.transaction.state.log.min.isr: \"1\" would commit transactions held by a "
            "single broker; the bank requires 2 or more"),
    BadFile("server-property-offsets-retention", setting("kafka.server_properties", {"offsets.retention.minutes": "60"}),
            f"{F}: kafka.server_properties.offsets.retention.minutes: \"60\" forgets an idle group's offsets in less "
            "than a week, and it then starts over from its reset point; keep 10080 (7 days) or more"),
    BadFile("server-property-weakens-min-isr", setting("kafka.server_properties", {"min.insync.replicas": "1"}),
            f"{F}: kafka.server_properties.min.insync.replicas: \"1\" would acknowledge writes held by a single "
            "broker; the bank requires 2 or more"),
    BadFile("server-property-unclean-election", setting("kafka.server_properties",
                                                        {"unclean.leader.election.enable": "true"}),
            f"{F}: kafka.server_properties.unclean.leader.election.enable: \"true\" lets an out-of-sync replica "
            "become leader and lose acknowledged writes; keep false"),
    BadFile("server-property-auto-create", setting("kafka.server_properties", {"auto.create.topics.enable": "true"}),
            f"{F}: kafka.server_properties.auto.create.topics.enable: \"true\" lets any client create topics by "
            "typo; keep false and declare topics under kafka.topics"),
    BadFile("server-property-as-number", setting("kafka.server_properties", {"log.retention.hours": 72}),
            f"{F}: kafka.server_properties.log.retention.hours: 72 is not text; quote it: \"72\""),
    BadFile("prod-destroys-its-data", setting("kafka.removal_policy", "destroy"),
            f"{F}: kafka.removal_policy: \"destroy\" would delete the prod cluster and its data with the stack; "
            "staging and prod must use retain"),
    BadFile("removal-policy-unknown", setting("kafka.removal_policy", "keep"),
            f"{F}: kafka.removal_policy: \"keep\" is not allowed; use one of 'retain' or 'destroy'"),
    BadFile("monitoring-level-unknown", setting("kafka.enhanced_monitoring", "PER_TOPIC"),
            f"{F}: kafka.enhanced_monitoring: \"PER_TOPIC\" is not allowed; use one of 'DEFAULT', 'PER_BROKER', "
            "'PER_TOPIC_PER_BROKER' or 'PER_TOPIC_PER_PARTITION'"),
    BadFile("broker-count-as-word", setting("kafka.broker_count", "six"),
            f"{F}: kafka.broker_count: \"six\" is not a whole number; write a number without quotes, such as 3"),
    BadFile("boolean-as-text", setting("kafka.tiered_storage", "yes"),
            f"{F}: kafka.tiered_storage: \"yes\" is not true or false; write true or false without quotes"),
    BadFile("cluster-name-invalid", setting("kafka.cluster_name", "bank_streaming_prod"),
            f"{F}: kafka.cluster_name: \"bank_streaming_prod\" is not a valid MSK cluster name; use 1-64 letters, "
            "digits and hyphens, starting with a letter"),
    BadFile("cluster-name-missing", setting("kafka.cluster_name", DELETE),
            f"{F}: kafka.cluster_name: is missing; add it (it has no default)"),
    BadFile("topic-replication-below-three", setting("kafka.topics[repayments].replication_factor", 2),
            f"{F}: kafka.topics[repayments].replication_factor: 2 keeps fewer than 3 copies; the bank requires 3"),
    BadFile("topic-replication-above-brokers", setting("kafka.topics[repayments].replication_factor", 7),
            f"{F}: kafka.topics[repayments].replication_factor: 7 is above the 6 brokers; use 3 or add brokers"),
    BadFile("topic-without-partitions", setting("kafka.topics[repayments].partitions", 0),
            f"{F}: kafka.topics[repayments].partitions: 0 is below the minimum 1; use 1 or more"),
    BadFile("topic-name-with-space", setting("kafka.topics[customer-profiles].name", "customer profiles"),
            f"{F}: kafka.topics[customer profiles].name: \"customer profiles\" is not a valid Kafka topic name; use "
            "1-249 letters, digits, '.', '_' or '-', for example loan-applications"),
    BadFile("topic-declared-twice", adding_topic({"name": "repayments", "partitions": 48}),
            f"{F}: kafka.topics[repayments].name: \"repayments\" is declared twice; give each topic one entry"),
    BadFile("tiered-topic-retention-too-short", lambda d: (
        setting("kafka.topics[ledger-events].retention_hours", 48)(d),
        setting("kafka.topics[ledger-events].local_retention_hours", 24)(d)),
            f"{F}: kafka.topics[ledger-events].retention_hours: 48 is too short for a tiered topic; MSK needs 72 "
            "hours (3 days) or more"),
    BadFile("tiered-topic-local-retention-not-below-total",
            setting("kafka.topics[ledger-events].local_retention_hours", 17520),
            f"{F}: kafka.topics[ledger-events].local_retention_hours: 17520 is not below retention_hours 17520; "
            "local retention must be shorter than total retention"),
    BadFile("tiered-topic-without-retention", setting("kafka.topics[ledger-events].retention_hours", DELETE),
            f"{F}: kafka.topics[ledger-events].retention_hours: is not set; a tiered topic needs its own retention of "
            "72 hours (3 days) or more"),
    BadFile("compacted-topic-tiered", lambda d: (
        setting("kafka.topics[customer-profiles].tiered_storage", True)(d),
        setting("kafka.topics[customer-profiles].retention_hours", 168)(d)),
            f"{F}: kafka.topics[customer-profiles].cleanup_policy: \"compact\" cannot be tiered: MSK tiers only "
            "delete topics; use cleanup_policy: delete or tiered_storage: false"),
    BadFile("tiered-topic-on-local-cluster", setting("kafka.tiered_storage", False),
            f"{F}: kafka.topics[ledger-events].tiered_storage: true needs a cluster with tiered storage; set "
            "kafka.tiered_storage: true or remove it from the topic"),
    BadFile("topic-min-isr-equals-replication", setting("kafka.topics[repayments].min_insync_replicas", 3),
            f"{F}: kafka.topics[repayments].min_insync_replicas: 3 is not below replication_factor 3; one broker "
            "down would stop all writes: use 2"),
    BadFile("topic-kept-forever-on-broker-disks", setting("kafka.topics[repayments].retention_hours", -1),
            f"{F}: kafka.topics[repayments].retention_hours: -1 keeps every record on broker disks forever; use "
            "tiered_storage: true or cleanup_policy: compact, or a number of hours"),
    BadFile("topic-cleanup-policy-unknown", setting("kafka.topics[repayments].cleanup_policy", "remove"),
            f"{F}: kafka.topics[repayments].cleanup_policy: \"remove\" is not allowed; use one of 'delete', "
            "'compact' or 'compact,delete'"),
    BadFile("topic-compression-unknown", setting("kafka.topics[repayments].compression_type", "brotli"),
            f"{F}: kafka.topics[repayments].compression_type: \"brotli\" is not a Kafka compression type; use one of "
            "zstd, lz4, snappy, gzip, uncompressed, producer"),
    BadFile("partitions-beyond-broker-capacity", on_steps(setting("kafka.topics[repayments].partitions", 2000), "repayments-processor"),
            f"{F}: kafka.topics: 6468 partition replicas exceed the 6000 that 6 kafka.m7g.xlarge brokers carry; add "
            "brokers, use a larger type or fewer partitions"),
    BadFile("vpc-cidr-public", setting("network.vpc_cidr", "8.8.0.0/16"),
            f"{F}: network.vpc_cidr: \"8.8.0.0/16\" is not a private range; use a range inside 10.0.0.0/8, "
            "172.16.0.0/12 or 192.168.0.0/16"),
    BadFile("vpc-cidr-too-small", setting("network.vpc_cidr", "10.30.0.0/26"),
            f"{F}: network.vpc_cidr: \"10.30.0.0/26\" has a /26 prefix; use /16 to /22 so every zone gets room for "
            "tasks"),
    BadFile("nat-gateways-beyond-zones", setting("network.nat_gateways", 4),
            f"{F}: network.nat_gateways: 4 is more than the 3 availability zones; use at most one per zone"),
    BadFile("flow-log-retention-not-offered", setting("network.flow_logs_retention_days", 700),
            f"{F}: network.flow_logs_retention_days: 700 is not a retention CloudWatch Logs offers; use 731 "
            "(allowed: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, "
            "2922, 3288, 3653)"),
    BadFile("new-and-existing-vpc", setting("network.existing_vpc", {
        "vpc_id": "vpc-0abc12345", "vpc_cidr": "10.30.0.0/16",
        "private_subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"],
        "private_subnet_route_table_ids": ["rtb-0aaa1111", "rtb-0bbb2222", "rtb-0ccc3333"],
        "endpoints_security_group_id": "sg-0abc12345"}),
            f"{F}: network.vpc_cidr: \"10.30.0.0/16\" conflicts with existing_vpc; set one of vpc_cidr (a new VPC) "
            "or existing_vpc (an imported one)"),
    BadFile("existing-vpc-subnets-per-zone", lambda d: d.update(network={"existing_vpc": {
        "vpc_id": "vpc-0abc12345", "vpc_cidr": "10.30.0.0/16",
        "private_subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222"],
        "private_subnet_route_table_ids": ["rtb-0aaa1111", "rtb-0bbb2222", "rtb-0ccc3333"],
        "endpoints_security_group_id": "sg-0abc12345"}}),
            f"{F}: network.existing_vpc.private_subnet_ids: [\"subnet-0aaa1111\", \"subnet-0bbb2222\"] has 2 entries "
            "for 3 availability zones; give one per zone, in the order of availability_zones"),
    BadFile("existing-vpc-without-endpoints", lambda d: d.update(network={"existing_vpc": {
        "vpc_id": "vpc-0abc12345", "vpc_cidr": "10.30.0.0/16",
        "private_subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"],
        "private_subnet_route_table_ids": ["rtb-0aaa1111", "rtb-0bbb2222", "rtb-0ccc3333"]}}),
            f"{F}: network.existing_vpc.endpoints_security_group_id: is missing; name the security group of the VPC's "
            "interface endpoints (its owner runs them, with S3's gateway endpoint) so that workloads reach AWS APIs "
            "through them, or set network.internet_egress_reason"),
    BadFile("existing-vpc-endpoints-group-malformed", lambda d: d.update(network={"existing_vpc": {
        "vpc_id": "vpc-0abc12345", "vpc_cidr": "10.30.0.0/16",
        "private_subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"],
        "private_subnet_route_table_ids": ["rtb-0aaa1111", "rtb-0bbb2222", "rtb-0ccc3333"],
        "endpoints_security_group_id": "vpce-0abc12345"}}),
            f"{F}: network.existing_vpc.endpoints_security_group_id: \"vpce-0abc12345\" is not a security group id; "
            "use the form sg-0abc1234"),
    BadFile("internet-egress-without-a-reason", setting("network.internet_egress_reason", "needed"),
            f"{F}: network.internet_egress_reason: \"needed\" does not say why; write who needs the internet and for "
            "what (a reviewer reads it), or remove it so that workloads reach only AWS's VPC endpoints"),
    BadFile("environment-name-differs-from-file", setting("name", "production"),
            f"{F}: name: \"production\" does not match the file name; rename the file to production.yaml or set "
            "name: prod"),
    BadFile("consumer-unknown-topic", setting("consumers[loan-approvals].topics", ["loan-aplications"]),
            f"{F}: consumers[loan-approvals].topics: \"loan-aplications\" is not declared under kafka.topics; declare it "
            "there or correct the name (declared: loan-applications, loan-decisions, repayments, credit-assessments, "
            "card-transactions, ledger-events, customer-profiles)"),
    BadFile("consumer-max-above-partitions", setting("consumers[loan-approvals].max_tasks", 30),
            f"{F}: consumers[loan-approvals].max_tasks: 30 is above the 24 partitions consumed; tasks beyond the "
            "partitions get no partition and sit idle: use 24 or fewer"),
    BadFile("consumer-min-above-max", lambda d: (setting("consumers[loan-approvals].min_tasks", 10)(d),
                                                 setting("consumers[loan-approvals].max_tasks", 5)(d)),
            f"{F}: consumers[loan-approvals].min_tasks: 10 is above max_tasks 5; lower min_tasks or raise max_tasks"),
    BadFile("consumer-scale-in-above-scale-out", on_steps(lambda d: (
        setting("consumers[loan-approvals].scale_out_backlog_per_task_messages", 1000)(d),
        setting("consumers[loan-approvals].scale_in_backlog_per_task_messages", 2000)(d))),
            f"{F}: consumers[loan-approvals].scale_in_backlog_per_task_messages: 2000 is not below "
            "scale_out_backlog_per_task_messages 1000; the service would scale in and out on the same backlog: leave "
            "a no-change band, for example 100"),
    BadFile("consumer-steps-overlap", on_steps(setting("consumers[loan-approvals].scale_out_steps", [
        {"lower_backlog_per_task": 800, "upper_backlog_per_task": 2000, "change_percent": 100},
        {"lower_backlog_per_task": 1500, "change_percent": 200}])),
            f"{F}: consumers[loan-approvals].scale_out_steps[0].upper_backlog_per_task: 2000 overlaps the next step, "
            "which starts at 1500; make them meet"),
    BadFile("consumer-steps-gap", on_steps(setting("consumers[loan-approvals].scale_out_steps", [
        {"lower_backlog_per_task": 800, "upper_backlog_per_task": 2000, "change_percent": 100},
        {"lower_backlog_per_task": 3000, "change_percent": 200}])),
            f"{F}: consumers[loan-approvals].scale_out_steps[0].upper_backlog_per_task: 2000 leaves a gap before the "
            "next step at 3000; backlogs in between would add nothing: make them meet"),
    BadFile("consumer-step-key-unknown", setting("consumers[loan-approvals].scale_out_steps", [
        {"lower_backlog_per_task": 800, "change_percent": 100, "change": 1}]),
            f"{F}: consumers[loan-approvals].scale_out_steps[0].change: is not a known key; did you mean "
            "change_percent? allowed here: change_percent, lower_backlog_per_task, upper_backlog_per_task"),
    BadFile("consumer-scale-in-percent", on_steps(setting("consumers[loan-approvals].scale_in_percent", 100)),
            f"{F}: consumers[loan-approvals].scale_in_percent: 100 is not between 1 and 50; scale in gradually (each "
            "removal rebalances the group), 20 is a good start"),
    BadFile("consumer-scale-in-cooldown-unsafe", on_steps(setting("consumers[loan-approvals].scale_in_cooldown_seconds", 60)),
            f"{F}: consumers[loan-approvals].scale_in_cooldown_seconds: 60 lets the service scale in faster than it "
            "settles after a rebalance or scales out, so it would flap; use 300 or more"),
    BadFile("consumer-scale-out-cooldown-unsafe", on_steps(setting("consumers[loan-approvals].scale_out_cooldown_seconds", 20)),
            f"{F}: consumers[loan-approvals].scale_out_cooldown_seconds: 20 is shorter than the one-minute lag metric: "
            "the next action would act on lag from before the last one; use 60 or more (240 covers a whole "
            "reaction)"),
    BadFile("consumer-to-zero-without-wake-up", setting("consumers[loan-approvals].min_tasks", 0),
            f"{F}: consumers[loan-approvals].min_tasks: 0 needs wake_up_on_produce: true; with no task the group's "
            "offsets expire after 7 days and MSK stops publishing its lag, so lag alone never wakes it"),
    BadFile("consumer-secret-in-environment", setting("consumers[loan-approvals].environment",
                                                      {"LOANS_DB_PASSWORD": "hunter2"}),
            f"{F}: consumers[loan-approvals].environment.LOANS_DB_PASSWORD: LOANS_DB_PASSWORD looks like a secret by "
            "its name; pass it under secrets, from Secrets Manager"),
    BadFile("consumer-secret-arn-incomplete", setting("consumers[loan-approvals].secrets.LOANS_DB_PASSWORD.secret_arn",
                                                      "arn:aws:secretsmanager:eu-west-2:333333333333:secret:lending/loans-db"),
            f"{F}: consumers[loan-approvals].secrets.LOANS_DB_PASSWORD.secret_arn: \"arn:aws:secretsmanager:eu-west-2:"
            "333333333333:secret:lending/loans-db\" is not a complete Secrets Manager ARN; copy the secret's full ARN, "
            "which ends in the name and six random characters (…:secret:loans-db-AbCdEf)"),
    BadFile("consumer-image-latest", setting("consumers[loan-approvals].image",
                                             "333333333333.dkr.ecr.eu-west-2.amazonaws.com/lending/loan-approvals:latest"),
            f"{F}: consumers[loan-approvals].image: \"333333333333.dkr.ecr.eu-west-2.amazonaws.com/lending/"
            "loan-approvals:latest\" is not pinned: latest changes under a running service; use a version tag or "
            "digest"),
    BadFile("consumer-image-from-docker-hub", setting("consumers[loan-approvals].image",
                                                     "docker.io/lending/loan-approvals:2.3.1"),
            f"{F}: consumers[loan-approvals].image: \"docker.io/lending/loan-approvals:2.3.1\" is pulled from "
            "docker.io, which the VPC's endpoints do not reach (tasks have no internet); copy it to ECR in eu-west-2 "
            "(<account>.dkr.ecr.eu-west-2.amazonaws.com/<repository>:<version>), or set "
            "network.internet_egress_reason"),
    BadFile("connect-image-from-another-region", setting(
        "connect.image", "333333333333.dkr.ecr.eu-west-1.amazonaws.com/platform/connect:4.3.1"),
            f"{F}: connect.image: \"333333333333.dkr.ecr.eu-west-1.amazonaws.com/platform/connect:4.3.1\" is pulled "
            "from ECR in eu-west-1, which the VPC's endpoints do not reach (tasks have no internet); copy it to ECR in "
            "eu-west-2 (<account>.dkr.ecr.eu-west-2.amazonaws.com/<repository>:<version>), or set "
            "network.internet_egress_reason"),
    BadFile("connector-host-not-rds-with-verify-full",
            setting("connect.connectors[accounts-cdc].database.hostname", "accounts-db.prod.internal.bank.example"),
            f"{F}: connect.connectors[accounts-cdc].database.hostname: \"accounts-db.prod.internal.bank.example\" is not "
            "an RDS endpoint, and verify-full checks the host name against the server's certificate, which RDS issues "
            "for its endpoints only (...rds.amazonaws.com): use the instance or cluster endpoint, or name your own CA "
            "in ssl_root_cert"),
    BadFile("connector-drops-its-slot-on-every-stop",
            setting("connect.connectors[accounts-cdc].extra_config", {"slot.drop.on.stop": "true"}),
            f"{F}: connect.connectors[accounts-cdc].extra_config.slot.drop.on.stop: drops the replication slot on "
            "every stop, a rebalance or a restart included, and loses the changes made meanwhile; remove it, and set "
            "slot_on_delete: drop to drop the slot when the connector is deleted"),
    BadFile("connector-rds-instance-malformed",
            setting("connect.connectors[accounts-cdc].database.rds_instance_id", "Accounts_DB"),
            f"{F}: connect.connectors[accounts-cdc].database.rds_instance_id: \"Accounts_DB\" is not an RDS instance "
            "identifier; use 1-63 lower-case letters, digits and hyphens, starting with a letter"),
    BadFile("consumer-task-size", setting("consumers[loan-approvals].memory_mib", 1000),
            f"{F}: consumers[loan-approvals].memory_mib: 1000 does not fit cpu 1024; Fargate offers 2048 to 8192 MiB "
            "in steps of 1024"),
    BadFile("consumer-group-shared", setting("consumers[repayments-processor].consumer_group", "loan-approvals"),
            f"{F}: consumers[repayments-processor].consumer_group: \"loan-approvals\" is used by another consumer; "
            "two services in one group split its partitions and their scaling fights"),
    BadFile("consumer-mode-conflict", on_steps(setting("consumers[loan-approvals].target_backlog_per_task_messages", 5000)),
            f"{F}: consumers[loan-approvals].target_backlog_per_task_messages: applies to scaling_mode target_tracking; "
            "remove it, or choose that mode (one mode per service)"),
    BadFile("consumer-mode-unknown", setting("consumers[loan-approvals].scaling_mode", "backlog_per_task"),
            f"{F}: consumers[loan-approvals].scaling_mode: \"backlog_per_task\" is not allowed; use one of 'steps', "
            "'target_tracking' or 'needed_tasks'"),
    BadFile("consumer-delay-missing", setting("consumers[loan-approvals].max_delay_seconds", DELETE),
            f"{F}: consumers[loan-approvals].max_delay_seconds: is missing; add it (it has no default)"),
    BadFile("connector-slot-shared", setting("connect.connectors[payments-cdc].slot_name", "debezium_accounts"),
            f"{F}: connect.connectors[payments-cdc].slot_name: \"debezium_accounts\" is already used by connector "
            "accounts-cdc; each connector needs its own slot name"),
    BadFile("connector-prefix-shared", setting("connect.connectors[payments-cdc].topic_prefix", "cdc.accounts"),
            f"{F}: connect.connectors[payments-cdc].topic_prefix: \"cdc.accounts\" is already used by connector "
            "accounts-cdc; each connector needs its own topic prefix"),
    BadFile("connector-name-shared", setting("connect.connectors[payments-cdc].name", "accounts-cdc"),
            f"{F}: connect.connectors[accounts-cdc].name: \"accounts-cdc\" is already used by connector "
            "accounts-cdc; each connector needs its own name"),
    BadFile("connector-slot-invalid", setting("connect.connectors[accounts-cdc].slot_name", "debezium-accounts"),
            f"{F}: connect.connectors[accounts-cdc].slot_name: \"debezium-accounts\" is not a PostgreSQL replication "
            "slot name; use 1-63 lower-case letters, digits and underscores"),
    BadFile("connector-publication-invalid", setting("connect.connectors[accounts-cdc].publication_name",
                                                     "dbz-accounts"),
            f"{F}: connect.connectors[accounts-cdc].publication_name: \"dbz-accounts\" is not a plain PostgreSQL "
            "identifier; use 1-63 lower-case letters, digits and underscores, not starting with a digit"),
    BadFile("connector-not-pgoutput", setting("connect.connectors[accounts-cdc].plugin_name", "wal2json"),
            f"{F}: connect.connectors[accounts-cdc].plugin_name: \"wal2json\" needs a decoder installed in the "
            "database; use pgoutput, built into PostgreSQL 10 and later"),
    BadFile("connector-without-heartbeat", setting("connect.connectors[accounts-cdc].heartbeat_interval_ms", 0),
            f"{F}: connect.connectors[accounts-cdc].heartbeat_interval_ms: 0 ms turns heartbeats off; without them "
            "a quiet database's slot pins WAL until the disk fills: use 10 seconds (10000 ms)"),
    BadFile("connector-heartbeat-query-runs-other-sql", setting(
        "connect.connectors[accounts-cdc].heartbeat_action_query", "SELECT 1"),
            f"{F}: connect.connectors[accounts-cdc].heartbeat_action_query: \"SELECT 1\" is not the platform's "
            "heartbeat upsert: a connector runs no other SQL on its database (every 10 seconds, with its credentials); "
            "leave it out, and the platform writes its heartbeat table (public.debezium_heartbeat)"),
    BadFile("connector-ssl-factory-overridden", setting("connect.connectors[accounts-cdc].extra_config", {
        "database.sslfactory": "org.postgresql.ssl.NonValidatingFactory"}),
            f"{F}: connect.connectors[accounts-cdc].extra_config.database.sslfactory: \"database.sslfactory\" would "
            "change the database the connector reads or weaken its TLS, which the connector's database settings own "
            "(hostname, port, name, ssl_mode and ssl_root_cert); set it there, or remove it"),
    BadFile("connector-host-overridden", setting("connect.connectors[accounts-cdc].extra_config", {
        "database.hostname": "attacker.example"}),
            f"{F}: connect.connectors[accounts-cdc].extra_config.database.hostname: \"database.hostname\" would change "
            "the database the connector reads or weaken its TLS, which the connector's database settings own "
            "(hostname, port, name, ssl_mode and ssl_root_cert); set it there, or remove it"),
    BadFile("connector-driver-option", setting("connect.connectors[accounts-cdc].extra_config", {
        "driver.loggerFile": "/tmp/x"}),
            f"{F}: connect.connectors[accounts-cdc].extra_config.driver.loggerFile: \"driver.loggerFile\" would change "
            "the database the connector reads or weaken its TLS, which the connector's database settings own "
            "(hostname, port, name, ssl_mode and ssl_root_cert); set it there, or remove it"),
    BadFile("connector-snapshot-sql", setting("connect.connectors[accounts-cdc].extra_config", {
        "snapshot.select.statement.overrides.public.accounts": "SELECT * FROM pg_shadow"}),
            f"{F}: connect.connectors[accounts-cdc].extra_config.snapshot.select.statement.overrides.public.accounts: "
            "\"snapshot.select.statement.overrides.public.accounts\" would run SQL (or load code) on the database; the "
            "only statement a connector runs is the platform's heartbeat upsert (heartbeat_table); remove it"),
    BadFile("connector-unknown-setting", setting("connect.connectors[accounts-cdc].extra_config", {
        "errors.tolerance": "all"}),
            f"{F}: connect.connectors[accounts-cdc].extra_config.errors.tolerance: \"errors.tolerance\" is not among the "
            "settings extra_config may carry (Debezium and Kafka Connect settings that change neither the database, "
            "nor its TLS, nor what SQL runs: kafka_platform.domain.debezium.ALLOWED_EXTRA_CONFIG); remove it, or have "
            "the platform team add it with its reason"),
    BadFile("connector-foreign-transform", setting("connect.connectors[accounts-cdc].extra_config", {
        "transforms": "grab", "transforms.grab.type": "com.example.Exfiltrate"}),
            f"{F}: connect.connectors[accounts-cdc].extra_config.transforms.grab.type: \"transforms.grab.type\" names "
            "\"com.example.Exfiltrate\", a class outside Kafka Connect's and Debezium's own transforms "
            "(org.apache.kafka.connect.transforms., io.debezium.transforms.); use one of those"),
    BadFile("connector-stream-lag-alarm-below-a-minute", setting("connect.stream_lag_alarm_seconds", 30),
            f"{F}: connect.stream_lag_alarm_seconds: 30 s is below the health monitor's one-minute period; use 60 "
            "seconds or more (default 300)"),
    BadFile("connector-own-stream-lag-alarm-below-a-minute",
            setting("connect.connectors[accounts-cdc].stream_lag_alarm_seconds", 59),
            f"{F}: connect.connectors[accounts-cdc].stream_lag_alarm_seconds: 59 s is below the health monitor's "
            "one-minute period; use 60 seconds or more (default 300)"),
    BadFile("connect-workers-too-small-for-their-connectors", settings(("connect.cpu", 256), ("connect.memory_mib", 512)),
            f"{F}: connect.memory_mib: 512 MiB gives each worker a 256 MiB heap, and with one of the 3 workers lost the "
            "busiest holds 9 of the 17 connectors, which need 276 MiB (2 x (48 + 10 per connector), measured by make "
            "bench-connect); use the next memory_mib Fargate offers from 552, or more min_workers"),
    BadFile("connector-password-in-clear", setting("connect.connectors[accounts-cdc].extra_config",
                                                   {"signal.kafka.sasl.password": "hunter2"}),
            f"{F}: connect.connectors[accounts-cdc].extra_config.signal.kafka.sasl.password: signal.kafka.sasl.password "
            "holds a secret in clear; reference it as ${env:NAME} from a secret given to the Connect cluster"),
    BadFile("connector-credentials-arn-incomplete", setting(
        "connect.connectors[accounts-cdc].database.credentials_secret_arn",
        "arn:aws:secretsmanager:eu-west-2:333333333333:secret:cdc/accounts"),
            f"{F}: connect.connectors[accounts-cdc].database.credentials_secret_arn: \"arn:aws:secretsmanager:eu-west-2:"
            "333333333333:secret:cdc/accounts\" is not a complete Secrets Manager ARN; copy the secret's full ARN, "
            "which ends in the name and six random characters (…:secret:loans-db-AbCdEf)"),
    BadFile("connector-table-not-qualified", setting("connect.connectors[accounts-cdc].tables", ["accounts"]),
            f"{F}: connect.connectors[accounts-cdc].tables[0]: \"accounts\" is not schema.table in lower case; write "
            "e.g. public.accounts"),
    BadFile("connector-state-unknown", setting("connect.connectors[accounts-cdc].state", "enabled"),
            f"{F}: connect.connectors[accounts-cdc].state: \"enabled\" is not allowed; use one of 'running', "
            "'paused' or 'stopped'"),
    BadFile("connect-name-invalid", setting("connect.name", "Bank CDC"),
            f"{F}: connect.name: \"Bank CDC\" is not a Connect cluster name; use 3-49 lower-case letters, digits and "
            "hyphens, starting with a letter (it names the group, internal topics and transactional ids)"),
    BadFile("connect-without-workers", setting("connect.min_workers", 0),
            f"{F}: connect.min_workers: 0 is not between 1 and max_workers 6; a Connect cluster needs at least one "
            "worker"),
    BadFile("connector-prefix-nested", setting("connect.connectors[payments-cdc].topic_prefix", "cdc.accounts.eu"),
            f"{F}: connect.connectors[payments-cdc].topic_prefix: \"cdc.accounts.eu\" nests with \"cdc.accounts\" of "
            "connector accounts-cdc; a connector's grant covers every topic under its prefix, so use prefixes that do "
            "not contain one another, such as cdc.accounts and cdc.payments"),
    BadFile("topic-under-a-connector-prefix", adding_topic({"name": "cdc.ledger.adjustments", "partitions": 6}),
            f"{F}: kafka.topics[cdc.ledger.adjustments].name: \"cdc.ledger.adjustments\" lies under connector "
            "ledger-cdc's topic prefix \"cdc.ledger\", which Kafka Connect may write; rename the topic or the "
            "connector's topic_prefix"),
    BadFile("consumer-team-invalid", setting("consumers[loan-approvals].team", "Lending Team"),
            f"{F}: consumers[loan-approvals].team: \"Lending Team\" is not a team name; use 2-30 lower-case letters, "
            "digits and hyphens, starting with a letter, such as lending"),
    BadFile("connector-tls-without-verification", setting("connect.connectors[accounts-cdc].database.ssl_mode", "require"),
            f"{F}: connect.connectors[accounts-cdc].database.ssl_mode: \"require\" does not verify that the database is "
            "the one named (a host on the path could impersonate it and receive the connector's password); use "
            "verify-full (the default: RDS's CA bundle is in the image), or say why not in database.ssl_mode_reason, "
            "40 characters or more"),
    BadFile("connector-ca-not-a-path", setting("connect.connectors[accounts-cdc].database.ssl_root_cert", "rds.pem"),
            f"{F}: connect.connectors[accounts-cdc].database.ssl_root_cert: \"rds.pem\" is not an absolute path in the "
            "worker image; use /opt/connect/certs/rds-global-bundle.pem or your image's own CA file"),
    BadFile("connector-ssl-password-in-clear", setting("connect.connectors[accounts-cdc].extra_config",
                                                       {"database.sslpassword": "hunter2-prod"}),
            f"{F}: connect.connectors[accounts-cdc].extra_config.database.sslpassword: database.sslpassword holds a "
            "secret in clear; reference it as ${env:NAME} from a secret given to the Connect cluster"),
    BadFile("connector-jaas-password-in-clear", setting("connect.connectors[accounts-cdc].extra_config", {
        "signal.kafka.sasl.jaas.config": 'org.apache.kafka.common.security.plain.PlainLoginModule required '
                                         'username="dbz" password="hunter2";'}),
            f"{F}: connect.connectors[accounts-cdc].extra_config.signal.kafka.sasl.jaas.config: the value of "
            "signal.kafka.sasl.jaas.config looks like a JAAS password; reference it as ${env:NAME} from a secret "
            "given to the Connect cluster"),
    BadFile("consumer-jaas-password-in-environment", setting("consumers[loan-approvals].environment",
                                                             {"KAFKA_SASL_JAAS": 'password="hunter2"'}),
            f"{F}: consumers[loan-approvals].environment.KAFKA_SASL_JAAS: the value of KAFKA_SASL_JAAS looks like a "
            "JAAS password; pass it under secrets, from Secrets Manager"),
    BadFile("topic-collides-with-a-debezium-topic", adding_topic({"name": "cdc_accounts.public_accounts",
                                                                  "partitions": 6}),
            f"{F}: kafka.topics[cdc_accounts.public_accounts].name: \"cdc_accounts.public_accounts\" collides with "
            "\"cdc.accounts.public.accounts\": Kafka treats \".\" and \"_\" alike in metric names and refuses the "
            "second topic; rename one of them of connector accounts-cdc"),
    BadFile("topics-collide", lambda data: data["kafka"]["topics"].extend([{"name": "fx.quotes", "partitions": 6},
                                                                         {"name": "fx_quotes", "partitions": 6}]),
            f"{F}: kafka.topics[fx_quotes].name: \"fx_quotes\" collides with \"fx.quotes\": Kafka treats \".\" and "
            "\"_\" alike in metric names and refuses the second topic; rename one of them"),
    BadFile("consumer-topic-listed-twice", on_steps(setting("consumers[repayments-processor].topics",
                                                   ["repayments", "repayments"]), "repayments-processor"),
            f"{F}: consumers[repayments-processor].topics: \"repayments\" is listed twice; list each topic once"),
    BadFile("alarm-email-without-at", setting("alarms.email_subscriptions", ["streaming-oncall.bank.example"]),
            f"{F}: alarms.email_subscriptions[0]: \"streaming-oncall.bank.example\" is not an e-mail address (SNS "
            "refuses it at deploy); write it as name@example.com"),
    BadFile("alarm-email-twice", setting("alarms.email_subscriptions", ["oncall@bank.example", "OnCall@bank.example"]),
            f"{F}: alarms.email_subscriptions[1]: \"OnCall@bank.example\" is listed twice; list each address once"),
    BadFile("tag-aws-prefix", setting("tags", {"aws:owner": "streaming"}),
            f"{F}: tags.aws:owner: \"aws:owner\" starts with aws:, which AWS reserves (CloudFormation refuses it on "
            "every resource); choose another key"),
    BadFile("tag-replaces-the-platforms", setting("tags", {"environment": "production"}),
            f"{F}: tags.environment: \"environment\" is the platform's own tag (environment: prod); it cannot be "
            "replaced, choose another key"),
    BadFile("tag-with-a-hash", setting("tags", {"cost#centre": "streaming"}),
            f"{F}: tags.cost#centre: \"cost#centre\": \"streaming\" has a character tags do not take; use letters, "
            "digits, spaces and _ . : / = + - @"),
    BadFile("tags-too-many", setting("tags", {f"tag-{i:02d}": "x" for i in range(49)}),
            f"{F}: tags: has 49 tags, and with the platform's 2 that is more than the 50 a resource takes; keep 48 or "
            "fewer"),
    BadFile("key-administrator-not-a-role", setting("key_administrators", ["arn:aws:iam::333333333333:user/alice"]),
            f"{F}: key_administrators[0]: \"arn:aws:iam::333333333333:user/alice\" is not an IAM role ARN; name a "
            "role, arn:aws:iam::333333333333:role/<name> (a key policy names principals that exist: no user, group "
            "or wildcard)"),
    BadFile("key-administrator-elsewhere", setting("key_administrators", ["arn:aws:iam::444444444444:role/KeyAdmin"]),
            f"{F}: key_administrators[0]: \"arn:aws:iam::444444444444:role/KeyAdmin\" is in account 444444444444, "
            "not this environment's 333333333333; a key's administrators belong to its own account"),
    BadFile("secret-key-by-alias", setting("consumers[loan-approvals].secrets.LOANS_DB_PASSWORD.kms_key_arn",
                                           "alias/loans"),
            f"{F}: consumers[loan-approvals].secrets.LOANS_DB_PASSWORD.kms_key_arn: \"alias/loans\" is not a KMS key "
            "ARN; the tasks' permission to decrypt names the key itself, so give its ARN (arn:aws:kms:REGION:ACCOUNT:"
            "key/KEY-ID, from the key's page or `aws kms describe-key --key-id alias/...`), not an alias"),
    BadFile("yaml-alias-bomb", "name: prod\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a]\n"
                               "tags: {t: *b}\n",
            f"{F}: line 3, column 8: uses the YAML alias *a; write the value out (aliases are refused: a few nested "
            "ones expand to gigabytes)"),
    BadFile("region-typo-everywhere", lambda data: data.update(
        region="eu-wset-2", availability_zones=["eu-wset-2a", "eu-wset-2b", "eu-wset-2c"]),
            f"{F}: region: \"eu-wset-2\" is not an AWS region; did you mean eu-west-2?"),
    BadFile("connector-port-out-of-range", setting("connect.connectors[accounts-cdc].database.port", 70000),
            f"{F}: connect.connectors[accounts-cdc].database.port: 70000 is not a TCP port; use 1-65535 (PostgreSQL "
            "listens on 5432 unless told otherwise)"),
    BadFile("connector-host-invalid", setting("connect.connectors[accounts-cdc].database.hostname", "accounts db"),
            f"{F}: connect.connectors[accounts-cdc].database.hostname: \"accounts db\" is not a host name; use the "
            "database's DNS name (letters, digits, dots and hyphens), such as accounts-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com"),
    BadFile("no-nat-gateway", setting("network.nat_gateways", 0),
            f"{F}: network.nat_gateways: 0 cannot build the platform's private subnets (subnets with egress route "
            "through a NAT gateway); use 1 or more. Workloads still reach only the VPC endpoints unless "
            "internet_egress_reason is set"),
    BadFile("top-level-list", "- " + "x" * 200 + "\n- y\n",
            f"{F}: holds a list (209 characters), not a mapping; start with name: prod and the keys of "
            "docs/reference/configuration.md"),
    BadFile("zone-that-does-not-exist", setting("availability_zones", ["eu-west-2a", "eu-west-2b", "eu-west-2d"]),
            f"{F}: availability_zones[2]: \"eu-west-2d\" is not an availability zone of eu-west-2; use eu-west-2a, "
            "eu-west-2b or eu-west-2c"),
    BadFile("server-property-replication-two", setting("kafka.server_properties", {"default.replication.factor": "2"}),
            f"{F}: kafka.server_properties.default.replication.factor: \"2\" leaves topics with fewer than 3 copies; "
            "the bank requires 3"),
    BadFile("key-written-twice", "name: prod\nname: prod\n",
            f"{F}: line 2, column 1: key \"name\" appears twice in one mapping (first on line 1); keep one"),
]

# ---- data products and data teams ----------------------------------------------------------------------------------
P = "connect.data_products[customer-events]"
T = "data_teams[fraud-data-science]"


def _product(data: dict[str, Any]) -> dict[str, Any]:
    return data["connect"]["data_products"][0]


def _team(data: dict[str, Any]) -> dict[str, Any]:
    return data["data_teams"][0]


DATA_ACCESS_FILES = [
    BadFile("product-unknown-table", lambda data: _product(data).update(tables=["public.customers", "public.cards"]),
            f"{F}: {P}.tables: \"public.cards\" is not a table of connector customers-cdc (it captures "
            "public.customers, public.addresses); use one of those, or capture it there"),
    BadFile("product-unknown-column", lambda data: _product(data)["columns"].update({"public.customers.emial": "hash"}),
            f"{F}: {P}.columns.public.customers.emial: \"public.customers.emial\" is not a classified column of "
            "connector customers-cdc; classify it there (columns: {public.customers.emial: pii}) or correct the name "
            "(classified: public.addresses.line_1, public.addresses.line_2, public.addresses.postcode, "
            "public.customers.date_of_birth, public.customers.email, public.customers.full_name, "
            "public.customers.phone, public.customers.risk_band)"),
    BadFile("product-exposes-pii", lambda data: _product(data)["columns"].pop("public.customers.email"),
            f"{F}: {P}.columns.public.customers.email: public.customers.email is classified pii and the product would "
            "publish it in clear; set it to exclude, hash or mask (a data team may read a pii column only excluded, "
            "hashed or masked)"),
    BadFile("product-treatment-unknown", lambda data: _product(data)["columns"].update(
        {"public.customers.email": "encrypt"}),
            f"{F}: {P}.columns.public.customers.email: \"encrypt\" is not allowed; use one of 'exclude', 'hash' or "
            "'mask'"),
    BadFile("product-source-unknown", lambda data: _product(data).update(connector="customer-cdc"),
            f"{F}: {P}.connector: \"customer-cdc\" is not a connector of this Connect cluster; did you mean "
            "customers-cdc?"),
    BadFile("column-classified-in-uncaptured-table", lambda data: next(
        c for c in data["connect"]["connectors"] if c["name"] == "customers-cdc")["columns"].update(
        {"public.consents.ip_address": "pii"}),
            f"{F}: connect.connectors[customers-cdc].columns.public.consents.ip_address: "
            "\"public.consents.ip_address\" is in table public.consents, which the connector does not capture; "
            "capture it in tables, or remove the column (tables: public.customers, public.addresses)"),
    BadFile("classification-unknown", lambda data: next(
        c for c in data["connect"]["connectors"] if c["name"] == "customers-cdc")["columns"].update(
        {"public.customers.email": "secret"}),
            f"{F}: connect.connectors[customers-cdc].columns.public.customers.email: \"secret\" is not allowed; use "
            "one of 'pii', 'confidential' or 'internal'"),
    BadFile("salt-in-extra-config", setting("connect.connectors[accounts-cdc].extra_config",
                                            {"column.mask.hash.v2.SHA-256.with.salt.pepper": "public.accounts.iban"}),
            f"{F}: connect.connectors[accounts-cdc].extra_config.column.mask.hash.v2.SHA-256.with.salt.pepper: puts a "
            "hashing salt in the template (Debezium reads it from the property's name), where anyone who reads the "
            "stack can reverse the hashes by dictionary; declare a data product with columns: {COLUMN: hash} "
            "instead: its salt stays in Secrets Manager"),
    BadFile("team-principal-not-an-arn", lambda data: _team(data).update(principals=["fraud-data-science-streaming"]),
            f"{F}: {T}.principals[0]: \"fraud-data-science-streaming\" is not an IAM principal ARN; write a role, a "
            "user or an account, such as arn:aws:iam::444444444444:role/fraud-analytics or "
            "arn:aws:iam::444444444444:root"),
    BadFile("team-group-prefix-overlaps-a-service", lambda data: _team(data).update(consumer_group_prefix="loan-"),
            f"{F}: {T}.consumer_group_prefix: \"loan-\" overlaps consumer group \"loan-approvals\" of consumer "
            "service loan-approvals: the team could join it and take its partitions, or commit its offsets; choose a "
            "prefix no platform group starts with"),
    BadFile("team-reads-unknown-product", lambda data: _team(data).update(data_products=["customer-event"]),
            f"{F}: {T}.data_products: \"customer-event\" is not a data product of this environment; use one of "
            "customer-events"),
    BadFile("team-in-another-account-without-connectivity", settings(("kafka.multi_vpc_connectivity", False),
                                                                     ("disaster_recovery", DELETE)),
            f"{F}: {T}.principals: account 444444444444 is not this environment's (333333333333): its clients reach "
            "the cluster only through multi-VPC private connectivity; set kafka.multi_vpc_connectivity: true, in a "
            "deployment of its own once the cluster exists (see docs/guides/add-a-data-team.md)"),
]
CASES += DATA_ACCESS_FILES

# ---- disaster recovery ----------------------------------------------------------------------------------------------
D = "disaster_recovery"


def _without_teams(data: dict[str, Any]) -> None:
    data.pop("data_teams")


DISASTER_RECOVERY_FILES = [
    BadFile("dr-missing-phase", setting(f"{D}.phase", DELETE),
            f"{F}: {D}.phase: is missing; start with prepare (the primary admits MSK Replicator, the standby cluster "
            "is built), then replicate, and failover only when the primary region is lost "
            "(docs/operations/disaster-recovery.md)"),
    BadFile("dr-region-unknown", setting(f"{D}.region", "eu-west-9"),
            f"{F}: {D}.region: \"eu-west-9\" is not an AWS region; did you mean eu-west-3?"),
    BadFile("dr-too-few-brokers", setting(f"{D}.broker_count", 2),
            f"{F}: {D}.broker_count: 2 is not a multiple of the 3 availability zones; use 3, 6 or 9"),
    BadFile("dr-standby-brokers-too-small", setting(f"{D}.broker_instance_type", "kafka.t3.small"),
            f"{F}: {D}.broker_instance_type: \"kafka.t3.small\": MSK Replicator needs kafka.m5.large or larger "
            "(kafka.m7g.* too) on the standby cluster; t3 brokers are not supported"),
    BadFile("dr-zone-of-another-region", setting(f"{D}.availability_zones",
                                                 ["eu-west-1a", "eu-west-1b", "eu-west-2c"]),
            f"{F}: {D}.availability_zones[2]: \"eu-west-2c\" is not in region eu-west-1; use zones of eu-west-1, "
            "such as eu-west-1a"),
    BadFile("dr-network-missing", setting(f"{D}.network", {}),
            f"{F}: {D}.network.vpc_cidr: is missing; give the new VPC a range such as 10.30.0.0/16, or set "
            "existing_vpc"),
    BadFile("dr-without-multi-vpc-connectivity", settings(("kafka.multi_vpc_connectivity", False),
                                                          ("data_teams", [])),
            f"{F}: kafka.multi_vpc_connectivity: is off, and MSK Replicator reaches the primary cluster from "
            "eu-west-1 only through multi-VPC private connectivity: set it to true and deploy that alone first (a "
            "rolling broker restart of 30 minutes or more), then phase replicate"),
    BadFile("dr-standby-consumers-before-failover", setting(f"{D}.standby", {"consumer_tasks": 2}),
            f"{F}: {D}.standby.consumer_tasks: 2 would run in eu-west-1 while the primary runs: standby consumers "
            "process the replicated records a second time (and MSK Replicator stops synchronising a group's offsets "
            "while it has an active member), and standby Connect workers start the replicated connectors against the "
            "same replication slots; keep 0 until phase failover"),
    BadFile("dr-undeclared-topic", setting(f"{D}.topics", ["loan-applications", "loan-aplications"]),
            f"{F}: {D}.topics[1]: \"loan-aplications\" is not a declared topic; replicate declared topics only "
            "(Connect's internal topics are always replicated)"),
    BadFile("dr-phase-unknown", setting(f"{D}.phase", "replicating"),
            f"{F}: {D}.phase: \"replicating\" is not allowed; use one of 'prepare', 'replicate' or 'failover'"),
    BadFile("dr-old-key", lambda data: data.update(disaster_recovery_region="eu-west-1"),
            f"{F}: disaster_recovery_region: is not a known key; did you mean disaster_recovery? allowed here: "
            "account, acknowledged_replacements, alarms, availability_zones, connect, consumers, data_teams, "
            "disaster_recovery, kafka, key_administrators, name, network, region, shares_account_with, tags"),
]
CASES += DISASTER_RECOVERY_FILES
