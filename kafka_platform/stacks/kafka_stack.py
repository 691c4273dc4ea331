"""The environment's MSK cluster, its topics and its alarms."""

from __future__ import annotations

from typing import Literal

from aws_cdk import Duration, Fn
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from kafka_platform.config.model import Environment
from kafka_platform.constructs.alarm_topic import AlarmTopic
from kafka_platform.constructs.cluster_alarms import KafkaClusterAlarms
from kafka_platform.constructs.encryption import LogsKey, retention_days
from kafka_platform.constructs.kafka_cluster import KafkaCluster
from kafka_platform.constructs.kafka_topic import KafkaTopic
from kafka_platform.constructs.network import PlatformNetwork
from kafka_platform.constructs.shared_platform import SharedAttributes
from kafka_platform.domain.disaster_recovery import PRIMARY_PREPARED, parameter_name
from kafka_platform.stacks.common import PlatformStack, removal_policy


class KafkaStack(PlatformStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Environment, network: PlatformNetwork,
                 alarm_topic: AlarmTopic) -> None:
        super().__init__(scope, construct_id, config=config, what="MSK cluster, topics and cluster alarms")
        kafka = config.kafka
        retain = removal_policy(config)
        logs_key = LogsKey(self, "LogsKey", description=f"{config.name} Kafka logs", removal_policy=retain).key
        expansion = kafka.storage_auto_expansion
        self.cluster: KafkaCluster = KafkaCluster(
            self, "Cluster", vpc=network.vpc, vpc_subnets=network.private_subnets, cluster_name=kafka.cluster_name,
            kafka_version=kafka.kafka_version, broker_instance_type=kafka.broker_instance_type,
            broker_count=kafka.broker_count, broker_volume_size_gib=kafka.broker_volume_size_gib,
            storage_auto_expansion_max_gib=expansion.max_volume_size_gib if expansion else None,
            storage_auto_expansion_target_percent=expansion.target_utilization_percent if expansion else 70,
            provisioned_throughput_mibps=kafka.provisioned_throughput_mibps, tiered_storage=kafka.tiered_storage,
            server_properties=kafka.server_properties, enhanced_monitoring=kafka.enhanced_monitoring,
            prometheus_jmx_exporter=kafka.prometheus_jmx_exporter,
            prometheus_node_exporter=kafka.prometheus_node_exporter,
            scram_authentication=kafka.scram_authentication, logs_key=logs_key,
            broker_log_retention=retention_days(kafka.broker_log_retention_days), removal_policy=retain,
            aws_api_security_group=network.aws_api.clients, multi_vpc_connectivity=kafka.multi_vpc_connectivity,
            zookeeper_mode_reason=kafka.zookeeper_mode_reason)
        # What teams' apps need to reach the cluster, read by them at deployment (SharedPlatform).
        SharedAttributes(self, "Shared", environment=config.name, what=kafka.cluster_name, values={
            "cluster-arn": self.cluster.cluster_arn, "bootstrap-brokers": self.cluster.bootstrap_brokers,
            "security-group-id": self.cluster.security_group.security_group_id,
            "client-security-group-id": self.cluster.client_security_group.security_group_id})
        # Data teams of other accounts create a VPC connection to the cluster; their data access is their role's.
        outside = sorted({a for team in config.data_teams for a in team.spec().accounts() if a != config.account})
        if outside:
            self.cluster.allow_vpc_connections_from(outside)
        # A standby in another region: MSK Replicator is admitted, and finds the cluster through SSM at deployment.
        dr = config.disaster_recovery
        if dr is not None and dr.phase in PRIMARY_PREPARED:
            self.cluster.allow_replicator()
            for what, value, description in (
                    ("cluster-arn", self.cluster.cluster_arn, "ARN"),
                    ("client-subnet-ids", Fn.join(",", self.cluster.client_subnet_ids), "client subnets"),
                    ("client-security-group-id", self.cluster.client_security_group.security_group_id,
                     "client security group")):
                ssm.StringParameter(self, f"DisasterRecovery-{what}", parameter_name=parameter_name(config.name, what),
                                    string_value=value, tier=ssm.ParameterTier.STANDARD,
                                    description=f"The {description} of {kafka.cluster_name}, for MSK Replicator in "
                                                f"{dr.region}")
        self.topics: dict[str, KafkaTopic] = {
            topic.name: KafkaTopic(
                self, f"Topic-{topic.name}", cluster=self.cluster, topic_name=topic.name,
                partitions=topic.partitions, replication_factor=topic.replication_factor,
                retention=_retention(topic.retention_hours), local_retention=_local_retention(topic.local_retention_hours),
                tiered_storage=topic.tiered_storage, cleanup_policy=topic.cleanup_policy,
                compression_type=topic.compression_type, min_insync_replicas=topic.min_insync_replicas,
                removal_policy=retain)
            for topic in kafka.topics
        }
        self.alarms: KafkaClusterAlarms = KafkaClusterAlarms(self, "ClusterAlarms", cluster=self.cluster,
                                                               alarm_action=alarm_topic.alarm_action)


def _retention(hours: int | None) -> Duration | Literal["forever"] | None:
    """The configuration's hours (readable in YAML) as the construct's Duration; -1 is forever."""
    return None if hours is None else "forever" if hours == -1 else Duration.hours(hours)


def _local_retention(hours: int | None) -> Duration | None:
    return None if hours is None else Duration.hours(hours)
