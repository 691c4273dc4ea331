"""kafka-platform: Amazon MSK, Kafka-lag-scaled ECS consumers and Debezium Kafka Connect as AWS CDK constructs.

Public constructs are imported lazily, so ``kafka-platform validate`` checks configuration without starting jsii.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "AlarmTopic": "kafka_platform.constructs.alarm_topic",
    "ConfigurationError": "kafka_platform.errors",
    "ConsumedTopic": "kafka_platform.constructs.consumer_service",
    "DebeziumConnectCluster": "kafka_platform.constructs.connect_cluster",
    "DebeziumPostgresConnector": "kafka_platform.constructs.connect_cluster",
    "DataProductConnector": "kafka_platform.constructs.connect_cluster",
    "DataProductSpec": "kafka_platform.domain.data_products",
    "DataTeamReadRole": "kafka_platform.constructs.data_team",
    "PostgresConnectorSpec": "kafka_platform.domain.debezium",
    "ConsumerSecret": "kafka_platform.constructs.consumer_service",
    "KafkaConsumerService": "kafka_platform.constructs.consumer_service",
    "PlatformDashboard": "kafka_platform.constructs.platform_dashboard",
    "ScalingStep": "kafka_platform.domain.lag_scaling",
    "ExistingVpcAttributes": "kafka_platform.constructs.network",
    "KafkaCluster": "kafka_platform.constructs.kafka_cluster",
    "KafkaClusterAlarms": "kafka_platform.constructs.cluster_alarms",
    "KafkaClusterBase": "kafka_platform.constructs.kafka_cluster",
    "KafkaTopic": "kafka_platform.constructs.kafka_topic",
    "PlatformNetwork": "kafka_platform.constructs.network",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from kafka_platform.constructs.alarm_topic import AlarmTopic
    from kafka_platform.constructs.cluster_alarms import KafkaClusterAlarms
    from kafka_platform.constructs.connect_cluster import (DataProductConnector, DebeziumConnectCluster,
                                                           DebeziumPostgresConnector)
    from kafka_platform.constructs.data_team import DataTeamReadRole
    from kafka_platform.domain.data_products import DataProductSpec
    from kafka_platform.domain.debezium import PostgresConnectorSpec
    from kafka_platform.constructs.consumer_service import ConsumedTopic, ConsumerSecret, KafkaConsumerService
    from kafka_platform.constructs.platform_dashboard import PlatformDashboard
    from kafka_platform.domain.lag_scaling import ScalingStep
    from kafka_platform.constructs.kafka_cluster import KafkaCluster, KafkaClusterBase
    from kafka_platform.constructs.kafka_topic import KafkaTopic
    from kafka_platform.constructs.network import ExistingVpcAttributes, PlatformNetwork
    from kafka_platform.errors import ConfigurationError


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'kafka_platform' has no attribute {name!r}")
