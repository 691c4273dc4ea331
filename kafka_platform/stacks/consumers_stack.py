"""Consumer services scaled on their lag, in one ECS cluster with Container Insights: the services without a team in
``Consumers``, each team's in ``Consumers-<team>`` (``kafka_platform.domain.stack_layout``)."""

from __future__ import annotations

from typing import Sequence

from aws_cdk import Duration
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from kafka_platform.config.model import Consumer, Environment
from kafka_platform.constructs.alarm_topic import AlarmTopic
from kafka_platform.constructs.consumer_service import ConsumerSecret, KafkaConsumerService
from kafka_platform.constructs.encryption import LogsKey, retention_days
from kafka_platform.constructs.network import PlatformNetwork
from kafka_platform.constructs.references import container_image, secret
from kafka_platform.stacks.common import PlatformStack, removal_policy
from kafka_platform.stacks.kafka_stack import KafkaStack

_ARCHITECTURES = {"x86_64": ecs.CpuArchitecture.X86_64, "arm64": ecs.CpuArchitecture.ARM64}


class ConsumersStack(PlatformStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Environment, consumers: Sequence[Consumer],
                 network: PlatformNetwork, kafka: KafkaStack, alarm_topic: AlarmTopic, what: str) -> None:
        super().__init__(scope, construct_id, config=config, what=what)
        retain = removal_policy(config)
        logs_key = LogsKey(self, "LogsKey", description=f"{config.name} consumer logs", removal_policy=retain).key
        self.ecs_cluster: ecs.Cluster = ecs.Cluster(self, "EcsCluster", vpc=network.vpc,
                                       container_insights_v2=ecs.ContainerInsights.ENHANCED)
        self.services: dict[str, KafkaConsumerService] = {}
        for consumer in consumers:
            secrets = {name: ConsumerSecret(secret(self, f"{consumer.name}-{name}", s.secret_arn, s.kms_key_arn),
                                            s.field) for name, s in consumer.secrets.items()}
            self.services[consumer.name] = KafkaConsumerService(
                self, consumer.name, cluster=kafka.cluster, topics=[kafka.topics[t] for t in consumer.topics],
                consumer_group=consumer.consumer_group,
                image=container_image(self, f"{consumer.name}-image", consumer.image),
                max_delay=Duration.seconds(consumer.max_delay_seconds), alarm_action=alarm_topic.alarm_action,
                ecs_cluster=self.ecs_cluster, vpc_subnets=network.private_subnets, cpu=consumer.cpu,
                memory_limit_mib=consumer.memory_mib, cpu_architecture=_ARCHITECTURES[consumer.cpu_architecture],
                environment=consumer.environment, secrets=secrets, output_topics=consumer.output_topics,
                min_tasks=consumer.min_tasks, max_tasks=consumer.max_tasks, scaling_mode=consumer.scaling_mode,
                task_throughput_messages_per_second=consumer.task_throughput_messages_per_second,
                scale_out_backlog_per_task_messages=consumer.scale_out_backlog_per_task_messages,
                scale_in_backlog_per_task_messages=consumer.scale_in_backlog_per_task_messages,
                scale_out_steps=consumer.steps, scale_in_percent=consumer.scale_in_percent,
                scale_out_cooldown=Duration.seconds(consumer.effective_scale_out_cooldown_seconds),
                scale_in_cooldown=Duration.seconds(consumer.scale_in_cooldown_seconds),
                target_backlog_per_task_messages=consumer.target_backlog_per_task_messages,
                headroom_percent=consumer.headroom_percent, wake_up_on_produce=consumer.wake_up_on_produce,
                scheduled_capacity=consumer.scheduled_actions, logs_key=logs_key,
                log_retention=retention_days(consumer.log_retention_days), removal_policy=retain,
                aws_api_security_group=network.aws_api.clients)
