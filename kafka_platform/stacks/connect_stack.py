"""The environment's Kafka Connect cluster for Debezium and its declared connectors."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from kafka_platform.config.model import Connect, Environment
from kafka_platform.constructs.alarm_topic import AlarmTopic
from kafka_platform.constructs.connect_cluster import DebeziumConnectCluster
from kafka_platform.constructs.encryption import LogsKey, retention_days
from kafka_platform.constructs.network import PlatformNetwork
from kafka_platform.constructs.references import container_image, secret
from kafka_platform.stacks.common import PlatformStack, removal_policy
from kafka_platform.stacks.kafka_stack import KafkaStack


class ConnectStack(PlatformStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Environment, connect: Connect,
                 network: PlatformNetwork, kafka: KafkaStack, alarm_topic: AlarmTopic) -> None:
        super().__init__(scope, construct_id, config=config, what="Kafka Connect with Debezium and its connectors")
        retain = removal_policy(config)
        logs_key = LogsKey(self, "LogsKey", description=f"{config.name} Kafka Connect logs", removal_policy=retain).key
        self.connect: DebeziumConnectCluster = DebeziumConnectCluster(
            self, "Connect", cluster=kafka.cluster, vpc=network.vpc, vpc_subnets=network.private_subnets,
            name=connect.name, alarm_action=alarm_topic.alarm_action,
            image=container_image(self, "Image", connect.image) if connect.image else None,
            ecs_cluster=ecs.Cluster(self, "EcsCluster", vpc=network.vpc,
                                    container_insights_v2=ecs.ContainerInsights.ENHANCED),
            cpu=connect.cpu, memory_limit_mib=connect.memory_mib, min_workers=connect.min_workers,
            max_workers=connect.max_workers, cpu_target_percent=connect.cpu_target_percent,
            database_ports=sorted({c.database.port for c in connect.connectors}) or [5432],
            scheduled_rebalance_max_delay=Duration.seconds(connect.scheduled_rebalance_max_delay_seconds),
            reconcile_timeout=Duration.seconds(connect.reconcile_timeout_seconds),
            prune_undeclared_connectors=connect.prune_undeclared_connectors, logs_key=logs_key,
            log_retention=retention_days(connect.log_retention_days), removal_policy=retain,
            aws_api_security_group=network.aws_api.clients, correct_drift=connect.correct_drift)
        credentials = {}
        for connector in connect.connectors:
            credentials[connector.name] = secret(self, f"{connector.name}-credentials",
                                                 connector.database.credentials_secret_arn,
                                                 connector.database.credentials_kms_key_arn)
            self.connect.add_postgres_connector(connector.name, spec=connector.spec(),
                                                credentials_secret=credentials[connector.name])
        # Each data product reads its source's database with the source's credentials.
        for product in connect.product_specs():
            self.connect.add_data_product(f"DataProduct-{product.name}", spec=product,
                                          credentials_secret=credentials[product.source.name])
