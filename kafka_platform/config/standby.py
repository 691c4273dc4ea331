"""The standby environment a file's ``disaster_recovery`` describes, derived from the file itself: the same topics,
the same bank defaults and gates, in the DR region, with its own network and brokers.

Before failover the standby holds the cluster and its topics only (replicated into by MSK Replicator); in phase
``failover`` it runs the consumer services and Kafka Connect too. Images from the primary region's ECR are taken from
the DR region's registry of the same account (ECR cross-region replication is a prerequisite: docs/operations/disaster-recovery.md).
"""

from __future__ import annotations

import re

from kafka_platform.config.model import Connect, Consumer, Environment
from kafka_platform.domain.connect_worker import ConnectWorkerSettings

STANDBY_SUFFIX = "-dr"
_ECR = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/")


def standby_cluster_name(cluster_name: str) -> str:
    return f"{cluster_name}{STANDBY_SUFFIX}"


def in_region(image: str, primary: str, standby: str) -> str:
    """An image of the primary region's ECR, taken from the same repository in the standby region."""
    match = _ECR.match(image)
    if match is None or match["region"] != primary:
        return image
    return image.replace(f".dkr.ecr.{primary}.", f".dkr.ecr.{standby}.", 1)


def connect_internal_topics(connect: Connect) -> list[str]:
    return list(ConnectWorkerSettings(group_id=connect.name).internal_topics)


def replicated_topics(env: Environment) -> list[str]:
    """The allow-list (or every declared topic), and always Connect's internal topics: a Connect cluster started in
    the DR region resumes its connectors from them."""
    dr = env.disaster_recovery
    assert dr is not None
    topics = list(dr.topics) if dr.topics is not None else [t.name for t in env.kafka.topics]
    internal = connect_internal_topics(env.connect) if env.connect else []
    return topics + [t for t in internal if t not in topics]


def replicated_groups(env: Environment) -> list[str]:
    """Groups by name, prefixes as ``prefix*``: the allow-list, or every service's group and data team's prefix."""
    dr = env.disaster_recovery
    assert dr is not None
    if dr.consumer_groups is not None:
        return list(dr.consumer_groups)
    return sorted({c.consumer_group for c in env.consumers}) + [f"{t.consumer_group_prefix}*" for t in env.data_teams]


def standby_environment(env: Environment) -> Environment | None:
    """The standby ``<name>-dr`` (stage ``<Stage>Dr``), or None without ``disaster_recovery``."""
    dr = env.disaster_recovery
    if dr is None:
        return None
    failover = dr.phase == "failover"
    kafka = env.kafka.model_copy(update={
        "cluster_name": standby_cluster_name(env.kafka.cluster_name),
        "broker_instance_type": dr.broker_instance_type or env.kafka.broker_instance_type,
        "broker_count": dr.broker_count or env.kafka.broker_count,
        "broker_volume_size_gib": dr.broker_volume_size_gib or env.kafka.broker_volume_size_gib,
        # Nobody outside the account connects to the standby before failover; connectivity can be added then.
        "multi_vpc_connectivity": False,
    })
    consumers: list[Consumer] = []
    connect = None
    if failover:
        consumers = [c.model_copy(update={
            "image": in_region(c.image, env.region, dr.region),
            "min_tasks": dr.standby.consumer_tasks or c.min_tasks}) for c in env.consumers]
        if env.connect is not None:
            workers = dr.standby.connect_workers or env.connect.min_workers
            connect = env.connect.model_copy(update={
                "image": in_region(env.connect.image, env.region, dr.region) if env.connect.image else None,
                "min_workers": workers, "max_workers": max(workers, env.connect.max_workers)})
    return env.model_copy(update={
        "name": f"{env.name}{STANDBY_SUFFIX}", "region": dr.region, "availability_zones": list(dr.availability_zones),
        "network": dr.network, "kafka": kafka, "consumers": consumers, "connect": connect, "data_teams": [],
        "disaster_recovery": None, "shares_account_with": [],
        "acknowledged_replacements": [a.model_copy(update={"standby": False})
                                      for a in env.acknowledged_replacements if a.standby]})
