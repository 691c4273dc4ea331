"""The library's interfaces, as aws-cdk-lib's are: what a construct offers whether this stack owns it or imports it.

aws-cdk-lib's ``Bucket.from_bucket_attributes`` returns an ``IBucket``; here ``KafkaCluster.from_cluster_attributes``
returns an ``IKafkaCluster``, ``KafkaTopic.from_topic_attributes`` an ``IKafkaTopic`` and
``DebeziumConnectCluster.from_connect_cluster_attributes`` an ``IConnectCluster``. Every construct that takes a
cluster, topic or Connect cluster takes the interface, so an owned and an imported one are interchangeable.

In Python an interface is a ``typing.Protocol`` (jsii generates aws-cdk-lib's the same way): a type for type
checkers and IDEs. Our own implementations share a base class each (``KafkaClusterBase``, ``KafkaTopicBase``), which
is what props are checked against at run time.
"""

from __future__ import annotations

from typing import Literal, Protocol, Sequence, Unpack

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from kafka_platform.constructs.metric_options import MetricOptions, SeriesOptions
from kafka_platform.domain.msk_iam import ClusterArnParts

#: What the Connect health monitor publishes per Connect cluster (``IConnectCluster.metric_health``).
HealthMetric = Literal["Connectors", "FailedConnectors", "FailedTasks", "RestartsRequested", "CredentialsRefused",
                       "StreamsUnwatched", "DriftedConnectors", "PruneRefused", "RefusedRequests"]


class IKafkaCluster(IConstruct, Protocol):
    """An MSK cluster, owned (``KafkaCluster``) or imported (``KafkaCluster.from_cluster_attributes``)."""

    #: The cluster's ARN.
    cluster_arn: str
    #: The cluster's name (the ``Cluster Name`` dimension of its metrics).
    cluster_name: str
    #: The bootstrap broker string for IAM authentication (port 9098).
    bootstrap_brokers: str
    #: The brokers' security group, default port 9098.
    connections: ec2.Connections
    #: The parts every MSK IAM ARN of this cluster is built from.
    arn_parts: ClusterArnParts
    #: Brokers, when known (always for an owned cluster): topics check their replication factor against it.
    broker_count: int | None
    #: Whether tiered storage is on, when known: tiered topics need it.
    tiered_storage: bool | None
    #: The group whose members reach the brokers; None for an imported cluster given no such group.
    client_security_group: ec2.ISecurityGroup | None

    def client_security_groups(self, scope: Construct, own: ec2.ISecurityGroup,
                               description: str) -> list[ec2.ISecurityGroup]:
        """The groups a client's network interfaces carry to reach the brokers."""
        ...

    def admit_client(self, scope: Construct, client: ec2.ISecurityGroup, description: str) -> None:
        """Let ``client`` reach the brokers with rules of its own, created in ``scope``."""
        ...

    def topic_arn(self, topic: str) -> str:
        """The MSK IAM ARN of ``topic`` (a name or a prefix ending in ``*``)."""
        ...

    def group_arn(self, consumer_group: str) -> str:
        """The MSK IAM ARN of ``consumer_group`` (a name or a prefix ending in ``*``)."""
        ...

    def connect_statement(self) -> iam.PolicyStatement:
        """``kafka-cluster:Connect`` on this cluster."""
        ...

    def consume_statements(self, topics: str | Sequence[str], consumer_group: str) -> list[iam.PolicyStatement]:
        """Connect, read exactly ``topics``, commit offsets as exactly ``consumer_group``."""
        ...

    def produce_statements(self, topics: str | Sequence[str], *, idempotent: bool = True) -> list[iam.PolicyStatement]:
        """Connect and write exactly ``topics``."""
        ...

    def grant_consume(self, grantee: iam.IGrantable, topics: str | Sequence[str], consumer_group: str) -> iam.Grant:
        """Let ``grantee`` consume ``topics`` as ``consumer_group``."""
        ...

    def grant_produce(self, grantee: iam.IGrantable, topics: str | Sequence[str], *,
                      idempotent: bool = True) -> iam.Grant:
        """Let ``grantee`` produce to ``topics``."""
        ...

    def metric(self, metric_name: str, dimensions_map: dict[str, str] | None = None,
               **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """An ``AWS/Kafka`` metric of this cluster."""
        ...

    def metric_sum_offset_lag(self, consumer_group: str, topic: str,
                              **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """``SumOffsetLag`` of ``consumer_group`` on ``topic``."""
        ...

    def metric_max_offset_lag(self, consumer_group: str, topic: str,
                              **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """``MaxOffsetLag`` of ``consumer_group`` on ``topic``."""
        ...

    def metric_estimated_max_time_lag(self, consumer_group: str, topic: str,
                                      **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """``EstimatedMaxTimeLag`` of ``consumer_group`` on ``topic``."""
        ...

    def metric_sum_offset_lag_across(self, consumer_group: str, topics: Sequence[str],
                                     **options: Unpack[SeriesOptions]) -> cloudwatch.IMetric:
        """``SumOffsetLag`` of ``consumer_group`` summed over ``topics``."""
        ...


class IKafkaTopic(IConstruct, Protocol):
    """A topic, owned (``KafkaTopic``) or imported (``KafkaTopic.from_topic_attributes``)."""

    #: The cluster the topic is on.
    cluster: IKafkaCluster
    #: The topic's name.
    topic_name: str
    #: Its partitions: a consumer service never runs more tasks than the partitions it reads.
    partitions: int
    #: Its MSK IAM ARN.
    topic_arn: str

    def grant_consume(self, grantee: iam.IGrantable, consumer_group: str) -> iam.Grant:
        """Let ``grantee`` consume this topic as ``consumer_group``."""
        ...

    def grant_produce(self, grantee: iam.IGrantable, *, idempotent: bool = True) -> iam.Grant:
        """Let ``grantee`` produce to this topic."""
        ...


class IConnectCluster(IConstruct, ec2.IConnectable, Protocol):
    """A Kafka Connect cluster, owned (``DebeziumConnectCluster``) or imported
    (``DebeziumConnectCluster.from_connect_cluster_attributes``). Connectors are added where the cluster is owned:
    each needs grants on the workers' role."""

    #: The Connect cluster's name (its group id and the health metrics' ``ConnectCluster`` dimension).
    name: str

    def metric_health(self, metric_name: HealthMetric, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """One of the health monitor's metrics of this Connect cluster."""
        ...
