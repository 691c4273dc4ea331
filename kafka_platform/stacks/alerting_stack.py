"""The environment's alarm topic, which every other stack's alarms notify."""

from __future__ import annotations

from constructs import Construct

from kafka_platform.config.model import Environment
from kafka_platform.constructs.alarm_topic import AlarmTopic
from kafka_platform.stacks.common import PlatformStack, removal_policy


class AlertingStack(PlatformStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Environment) -> None:
        super().__init__(scope, construct_id, config=config, what="Alarm notifications")
        self.alarm_topic: AlarmTopic = AlarmTopic(self, "AlarmTopic", display_name=f"kafka-platform {config.name} alarms",
                                      email_subscriptions=config.alarms.email_subscriptions,
                                      removal_policy=removal_policy(config))
