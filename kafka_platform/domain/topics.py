"""Kafka topic rules and the topic-level configs they render to.

Sources: https://docs.aws.amazon.com/msk/latest/developerguide/msk-tiered-storage.html.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from kafka_platform.domain.msk import COMPRESSION_TYPES
from kafka_platform.errors import show

_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
TIERED_MIN_RETENTION_HOURS = 72
CleanupPolicy = Literal["delete", "compact", "compact,delete"]


@dataclass(frozen=True)
class TopicSpec:
    """A topic as declared: what the KafkaTopic construct creates and what consumers size themselves from.

    ``retention_hours`` None keeps the cluster default; -1 keeps records forever (only with compaction or tiered
    storage would that be affordable, so it is refused for plain delete topics).
    """

    name: str
    partitions: int
    replication_factor: int = 3
    retention_hours: int | None = None
    local_retention_hours: int | None = None
    tiered_storage: bool = False
    cleanup_policy: CleanupPolicy = "delete"
    compression_type: str | None = None
    min_insync_replicas: int | None = None
    extra_configs: dict[str, str] = field(default_factory=dict)

    def configs(self) -> dict[str, str]:
        """Topic-level Kafka configs; only what differs from the cluster defaults is set."""
        configs: dict[str, str] = {"cleanup.policy": self.cleanup_policy}
        if self.retention_hours is not None:
            configs["retention.ms"] = str(-1 if self.retention_hours == -1 else self.retention_hours * 3_600_000)
        if self.tiered_storage:
            configs["remote.storage.enable"] = "true"
            if self.local_retention_hours is not None:
                configs["local.retention.ms"] = str(self.local_retention_hours * 3_600_000)
        if self.compression_type is not None:
            configs["compression.type"] = self.compression_type
        if self.min_insync_replicas is not None:
            configs["min.insync.replicas"] = str(self.min_insync_replicas)
        configs.update(self.extra_configs)
        return dict(sorted(configs.items()))


def topic_name_problem(name: str) -> str | None:
    if name in (".", "..") or not _TOPIC_NAME.match(name):
        return (f"{show(name)} is not a valid Kafka topic name; use 1-249 letters, digits, '.', '_' or '-', "
                "for example loan-applications")
    if name.startswith("__"):
        return f"{show(name)} starts with '__', which Kafka reserves for internal topics; choose another name"
    return None


def topic_problems(spec: TopicSpec, *, broker_count: int | None,
                   cluster_tiered_storage: bool | None) -> list[tuple[str, str]]:
    """Problems with one topic, by field name of TopicSpec. ``None`` for an unknown cluster property (an imported
    cluster) skips the checks that need it."""
    problems: list[tuple[str, str]] = []
    if (p := topic_name_problem(spec.name)) is not None:
        problems.append(("name", p))
    if spec.partitions < 1:
        problems.append(("partitions", f"{spec.partitions} is below 1; a topic needs at least one partition"))
    if broker_count is not None and spec.replication_factor > broker_count:
        problems.append(("replication_factor", f"{spec.replication_factor} is above the {broker_count} brokers; "
                                               f"use {min(3, broker_count)} or add brokers"))
    elif spec.replication_factor < 3:
        problems.append(("replication_factor", f"{spec.replication_factor} keeps fewer than 3 copies; the bank "
                                               "requires 3"))
    if spec.min_insync_replicas is not None:
        if spec.min_insync_replicas < 2:
            problems.append(("min_insync_replicas", f"{spec.min_insync_replicas} would acknowledge writes held by a "
                                                    "single broker; use 2 or more"))
        elif spec.min_insync_replicas >= spec.replication_factor:
            problems.append(("min_insync_replicas",
                             f"{spec.min_insync_replicas} is not below replication_factor {spec.replication_factor}; "
                             "one broker down would stop all writes: use "
                             f"{spec.replication_factor - 1}"))
    if spec.compression_type is not None and spec.compression_type not in COMPRESSION_TYPES:
        problems.append(("compression_type", f"{show(spec.compression_type)} is not a Kafka compression type; use "
                                             f"one of {', '.join(COMPRESSION_TYPES)}"))
    if spec.retention_hours is not None and spec.retention_hours != -1 and spec.retention_hours < 1:
        problems.append(("retention_hours", f"{spec.retention_hours} is not a retention; use a number of hours, or -1 "
                                            "to keep records forever"))
    if spec.retention_hours == -1 and spec.cleanup_policy == "delete" and not spec.tiered_storage:
        problems.append(("retention_hours", "-1 keeps every record on broker disks forever; use tiered_storage: true "
                                            "or cleanup_policy: compact, or a number of hours"))
    if spec.local_retention_hours is not None and not spec.tiered_storage:
        problems.append(("local_retention_hours", f"{spec.local_retention_hours} only applies to tiered topics; "
                                                  "remove it or set tiered_storage: true"))
    if spec.tiered_storage:
        problems.extend(_tiered_problems(spec, cluster_tiered_storage))
    return problems


def _tiered_problems(spec: TopicSpec, cluster_tiered_storage: bool | None) -> list[tuple[str, str]]:
    problems = []
    if cluster_tiered_storage is False:
        problems.append(("tiered_storage", "true needs a cluster with tiered storage; set kafka.tiered_storage: true "
                                           "or remove it from the topic"))
    if spec.cleanup_policy != "delete":
        problems.append(("cleanup_policy", f"{show(spec.cleanup_policy)} cannot be tiered: MSK tiers only delete "
                                           "topics; use cleanup_policy: delete or tiered_storage: false"))
    if spec.retention_hours is None:
        problems.append(("retention_hours", f"is not set; a tiered topic needs its own retention of "
                                            f"{TIERED_MIN_RETENTION_HOURS} hours (3 days) or more"))
    elif spec.retention_hours != -1 and spec.retention_hours < TIERED_MIN_RETENTION_HOURS:
        problems.append(("retention_hours", f"{spec.retention_hours} is too short for a tiered topic; MSK needs "
                                            f"{TIERED_MIN_RETENTION_HOURS} hours (3 days) or more"))
    if spec.local_retention_hours is not None and spec.retention_hours not in (None, -1) \
            and spec.local_retention_hours >= spec.retention_hours:
        problems.append(("local_retention_hours",
                         f"{spec.local_retention_hours} is not below retention_hours {spec.retention_hours}; local "
                         "retention must be shorter than total retention"))
    return problems
