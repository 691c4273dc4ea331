"""Disaster recovery across regions with MSK Replicator: what a standby cluster and
its replication need, as data and rules.

A primary environment's file declares ``disaster_recovery``; the platform then composes a second stage in the DR
region (``<Stage>Dr``: network, alarm topic, a standby cluster with the declared topics, and the replicator) and
prepares the primary (multi-VPC connectivity with IAM, a cluster policy for MSK Replicator, and its coordinates in
SSM Parameter Store for the DR region to read at deployment).

The rollout is two phases, because CloudFormation refuses multi-VPC connectivity when a cluster is created and the
replicator cannot be created before the primary accepts it:

* ``prepare``: the primary has ``kafka.multi_vpc_connectivity: true`` (its own earlier deployment: a rolling broker
  restart of 30 minutes or more) and gets the cluster policy and parameters; the DR stage gets its network and the
  standby cluster with the declared topics.
* ``replicate``: the DR stage adds the replicator, its role and its alarms.
* ``failover``: the primary region is lost (or given up): the DR stage runs the consumer services and Kafka Connect
  against the standby cluster, and the replicator, whose source is gone, is removed. Failing back is a reverse
  replicator and the same phases the other way (``kafka-platform dr`` prints the plan).

Sources: https://docs.aws.amazon.com/msk/latest/developerguide/msk-replicator.html.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Sequence

from kafka_platform.errors import show

Phase = Literal["prepare", "replicate", "failover"]
#: The phases in which the primary admits MSK Replicator (and publishes its coordinates).
PRIMARY_PREPARED = ("prepare", "replicate", "failover")
StartingPosition = Literal["EARLIEST", "LATEST"]
#: Kafka Connect's internal topics a standby Connect cluster needs, replicated whatever the allow-list says.
CONNECT_INTERNAL_KINDS = ("configs", "offsets", "status")
# Replicator: m5.large or larger (m7g too), never t3; IDENTICAL topic names from Kafka 2.8.1.
_REPLICATOR_BROKER = re.compile(r"^kafka\.(m5|m7g)\.(large|\d*xlarge)$")
_IDENTICAL_NAMES_SINCE = (2, 8, 1)
MIN_BROKERS = 3
#: SSM parameters the primary writes and the DR region reads (at deployment, never at synthesis).
PARAMETER_PREFIX = "/kafka-platform"


def parameter_name(environment: str, what: str) -> str:
    """``/kafka-platform/prod/msk/cluster-arn`` and friends."""
    return f"{PARAMETER_PREFIX}/{environment}/msk/{what}"


def dr_stage_name(stage_name: str) -> str:
    """``Prod`` -> ``ProdDr``: ``cdk deploy 'ProdDr/*'`` deploys the standby."""
    return f"{stage_name}Dr"


def replicator_name(cluster_name: str) -> str:
    """``bank-streaming-prod-to-dr``: at most 128 characters, letters, digits and hyphens."""
    return f"{cluster_name}-to-dr"[:128]


def version_tuple(kafka_version: str) -> tuple[int, ...] | None:
    """``3.9.x`` -> (3, 9, 0); ``2.8.1`` -> (2, 8, 1); None for what is not a version."""
    match = re.match(r"^(\d+)\.(\d+)(?:\.(\d+|x))?", kafka_version)
    if match is None:
        return None
    return (int(match[1]), int(match[2]), int(match[3]) if match[3] and match[3] != "x" else 0)


def replicator_cluster_problems(*, broker_instance_type: str, broker_count: int, zone_count: int,
                                kafka_version: str, which: str) -> list[tuple[str, str]]:
    """What MSK Replicator requires of a cluster, keyed by field (``which`` names the cluster in messages)."""
    problems = []
    if not _REPLICATOR_BROKER.match(broker_instance_type):
        problems.append(("broker_instance_type", (
            f"{show(broker_instance_type)}: MSK Replicator needs kafka.m5.large or larger (kafka.m7g.* too) on "
            f"the {which} cluster; t3 brokers are not supported")))
    least = 4 if zone_count == 2 else MIN_BROKERS
    if broker_count < least:
        problems.append(("broker_count", f"{broker_count}: MSK Replicator needs at least {least} brokers on the "
                                         f"{which} cluster" + (" (4 over two zones)" if zone_count == 2 else "")))
    version = version_tuple(kafka_version)
    if version is None or version < _IDENTICAL_NAMES_SINCE:
        problems.append(("kafka_version", f"{show(kafka_version)}: identical topic names across clusters need Kafka "
                                          "2.8.1 or later on both clusters"))
    return problems


@dataclass(frozen=True)
class ReplicationSpec:
    """What the replicator copies: topics by exact name, consumer groups by name or prefix (``<prefix>*``)."""

    topics: Sequence[str]
    consumer_groups: Sequence[str]
    starting_position: StartingPosition = "EARLIEST"
    rpo_seconds: int = 300
