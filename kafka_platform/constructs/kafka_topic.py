"""``KafkaTopic``: a topic as code on ``AWS::MSK::Topic``.

The topic name and replication factor cannot change in place (a change replaces the topic and its records);
partitions can only grow; configs update in place. ``partitions`` is public so that consumers can size themselves:
a consumer service never runs more tasks than the partitions it reads.
"""

from __future__ import annotations

import base64
from typing import Literal, Mapping

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_msk as msk
from constructs import Construct

from kafka_platform.constructs.interfaces import IKafkaCluster, IKafkaTopic
from kafka_platform.constructs.props import whole_hours
from kafka_platform.domain.topics import TopicSpec, topic_problems
from kafka_platform.errors import raise_problems


class KafkaTopicBase(Construct):
    """What every topic offers, owned or imported (``IKafkaTopic``): its name, partitions, ARN and exact grants."""

    cluster: IKafkaCluster
    topic_name: str
    partitions: int
    topic_arn: str

    def grant_consume(self, grantee: iam.IGrantable, consumer_group: str) -> iam.Grant:
        """Let ``grantee`` consume this topic as ``consumer_group`` (and connect to the cluster)."""
        return self.cluster.grant_consume(grantee, self.topic_name, consumer_group)

    def grant_produce(self, grantee: iam.IGrantable, *, idempotent: bool = True) -> iam.Grant:
        """Let ``grantee`` produce to this topic (and connect to the cluster)."""
        return self.cluster.grant_produce(grantee, self.topic_name, idempotent=idempotent)


class KafkaTopic(KafkaTopicBase):
    """A topic on ``cluster``. Unset settings inherit the cluster's defaults (zstd, min ISR 2, 7 days).

    ``retention="forever"`` keeps records forever (only with compaction or tiered storage); tiered topics need a
    ``retention`` of 72 hours or more and a ``local_retention`` below it. Retentions are Durations of whole hours. The topic is retained when removed
    from the stack unless ``removal_policy`` says DESTROY.
    """

    def __init__(self, scope: Construct, construct_id: str, *, cluster: IKafkaCluster, topic_name: str,
                 partitions: int, replication_factor: int = 3,
                 retention: Duration | Literal["forever"] | None = None, local_retention: Duration | None = None,
                 tiered_storage: bool = False,
                 cleanup_policy: Literal["delete", "compact", "compact,delete"] = "delete",
                 compression_type: str | None = None, min_insync_replicas: int | None = None,
                 extra_configs: Mapping[str, str] | None = None,
                 removal_policy: RemovalPolicy = RemovalPolicy.RETAIN) -> None:
        """A topic as code on ``AWS::MSK::Topic``.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param cluster: the MSK cluster, owned (``KafkaCluster``) or imported
            (``KafkaCluster.from_cluster_attributes``).
        :param topic_name: the topic's name; changing it replaces the topic and its records.
        :param partitions: its partitions; they can only grow.
        :param replication_factor: copies of each partition; default 3, at most the brokers; cannot change in place.
        :param retention: how long records are kept, a ``Duration`` of whole hours, or ``"forever"`` (compacted or
            tiered topics only); default: the cluster's (7 days).
        :param local_retention: for a tiered topic, how long records stay on the brokers' disks (below ``retention``).
        :param tiered_storage: keep older segments in tiered storage (the cluster needs it on); default off.
        :param cleanup_policy: ``delete`` (default), ``compact`` or ``compact,delete``.
        :param compression_type: the topic's compression; default: the cluster's (zstd).
        :param min_insync_replicas: acknowledging replicas; default: the cluster's (2); at least 2.
        :param extra_configs: further topic configs; none that weakens durability.
        :param removal_policy: default RETAIN: a topic removed from the stack keeps its records.
        """
        super().__init__(scope, construct_id)
        retention_hours, retention_problems = whole_hours("retention", retention, forever=True)
        local_retention_hours, local_problems = whole_hours("local_retention", local_retention)
        raise_problems(self.node.path, retention_problems + local_problems)
        self.spec: TopicSpec = TopicSpec(name=topic_name, partitions=partitions, replication_factor=replication_factor,
                              retention_hours=retention_hours, local_retention_hours=local_retention_hours,
                              tiered_storage=tiered_storage, cleanup_policy=cleanup_policy,
                              compression_type=compression_type, min_insync_replicas=min_insync_replicas,
                              extra_configs=dict(extra_configs or {}))
        field_names = {"name": "topic_name", "retention_hours": "retention", "local_retention_hours": "local_retention"}
        raise_problems(self.node.path, [(field_names.get(field, field), message) for field, message in topic_problems(
            self.spec, broker_count=cluster.broker_count, cluster_tiered_storage=cluster.tiered_storage)])
        self.cluster: IKafkaCluster = cluster
        self.topic_name: str = topic_name
        self.partitions: int = partitions
        self.resource: msk.CfnTopic = msk.CfnTopic(self, "Resource", cluster_arn=cluster.cluster_arn, topic_name=topic_name,
                                     partition_count=partitions, replication_factor=replication_factor,
                                     configs=encode_configs(self.spec.configs()))
        self.resource.apply_removal_policy(removal_policy)
        self.topic_arn: str = cluster.topic_arn(topic_name)

    @classmethod
    def from_topic_attributes(cls, scope: Construct, construct_id: str, *, cluster: IKafkaCluster, topic_name: str,
                              partitions: int) -> IKafkaTopic:
        """Reference a topic this stack does not own, on ``cluster`` (owned or imported), with the partition count
        consumers size themselves by. Nothing is created; grants name exactly this topic."""
        return _ImportedKafkaTopic(scope, construct_id, cluster=cluster, topic_name=topic_name, partitions=partitions)


class _ImportedKafkaTopic(KafkaTopicBase):
    def __init__(self, scope: Construct, construct_id: str, *, cluster: IKafkaCluster, topic_name: str,
                 partitions: int) -> None:
        super().__init__(scope, construct_id)
        problems = [(field, message) for field, message in (
            ("topic_name", None if isinstance(topic_name, str) and topic_name else
             f"{topic_name!r} is not a topic name; pass the topic's name as a string"),
            ("partitions", None if isinstance(partitions, int) and not isinstance(partitions, bool) and partitions > 0
             else f"{partitions!r} is not a partition count; pass the topic's partitions as a positive int"),
        ) if message is not None]
        raise_problems(self.node.path, problems)
        self.cluster: IKafkaCluster = cluster
        self.topic_name: str = topic_name
        self.partitions: int = partitions
        self.topic_arn: str = cluster.topic_arn(topic_name)


def encode_configs(configs: Mapping[str, str]) -> str:
    """``AWS::MSK::Topic`` Configs: the properties text (``key=value`` lines), Base64-encoded."""
    text = "".join(f"{key}={value}\n" for key, value in configs.items())
    return base64.b64encode(text.encode()).decode()


def decode_configs(configs: str) -> dict[str, str]:
    """The inverse of ``encode_configs``, for tests and the synth summary."""
    text = base64.b64decode(configs).decode()
    return dict(line.split("=", 1) for line in text.splitlines() if line)
