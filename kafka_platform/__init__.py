"""kafka-platform: Amazon MSK, Kafka-lag-scaled ECS consumers and Debezium Kafka Connect as AWS CDK constructs.

Public constructs are imported lazily, so ``kafka-platform validate`` checks configuration without starting jsii; type
checkers and IDEs read the explicit re-exports below (``import X as X``, as PEP 484 asks of a typed package).
The guide for teams that build on the library is ``docs/using-the-library.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

__all__ = [
    "AlarmTopic",
    "ConfigurationError",
    "ConsumedTopic",
    "ConsumerSecret",
    "DataProductConnector",
    "DataProductSpec",
    "DataTeamReadRole",
    "DebeziumConnectCluster",
    "DebeziumPostgresConnector",
    "DeclaredTopology",
    "Environment",
    "ExistingVpcAttributes",
    "HealthMetric",
    "IConnectCluster",
    "IKafkaCluster",
    "IKafkaTopic",
    "KafkaCluster",
    "KafkaClusterAlarms",
    "KafkaClusterBase",
    "KafkaConsumerService",
    "KafkaTopic",
    "KafkaTopicBase",
    "ManagedPolicyRole",
    "MathExpressionOptions",
    "MetricOptions",
    "PlatformDashboard",
    "PlatformNetwork",
    "PlatformStage",
    "PostgresConnectorSpec",
    "RunbookLinks",
    "ScalingStep",
    "ScheduledCapacity",
    "SeriesOptions",
    "SharedPlatform",
    "acknowledge",
    "compose",
    "declared_topology",
    "load_environments",
    "register_gates",
    "__version__",
]

_EXPORTS = {
    "AlarmTopic": "kafka_platform.constructs.alarm_topic",
    "ConfigurationError": "kafka_platform.errors",
    "ConsumedTopic": "kafka_platform.constructs.consumer_service",
    "ConsumerSecret": "kafka_platform.constructs.consumer_service",
    "DataProductConnector": "kafka_platform.constructs.connect_cluster",
    "DataProductSpec": "kafka_platform.domain.data_products",
    "DataTeamReadRole": "kafka_platform.constructs.data_team",
    "DebeziumConnectCluster": "kafka_platform.constructs.connect_cluster",
    "DebeziumPostgresConnector": "kafka_platform.constructs.connect_cluster",
    "DeclaredTopology": "kafka_platform.gates.rules",
    "Environment": "kafka_platform.config.model",
    "ExistingVpcAttributes": "kafka_platform.constructs.network",
    "HealthMetric": "kafka_platform.constructs.interfaces",
    "IConnectCluster": "kafka_platform.constructs.interfaces",
    "IKafkaCluster": "kafka_platform.constructs.interfaces",
    "IKafkaTopic": "kafka_platform.constructs.interfaces",
    "KafkaCluster": "kafka_platform.constructs.kafka_cluster",
    "KafkaClusterAlarms": "kafka_platform.constructs.cluster_alarms",
    "KafkaClusterBase": "kafka_platform.constructs.kafka_cluster",
    "KafkaConsumerService": "kafka_platform.constructs.consumer_service",
    "KafkaTopic": "kafka_platform.constructs.kafka_topic",
    "KafkaTopicBase": "kafka_platform.constructs.kafka_topic",
    "ManagedPolicyRole": "kafka_platform.constructs.managed_role",
    "MathExpressionOptions": "kafka_platform.constructs.metric_options",
    "MetricOptions": "kafka_platform.constructs.metric_options",
    "PlatformDashboard": "kafka_platform.constructs.platform_dashboard",
    "PlatformNetwork": "kafka_platform.constructs.network",
    "PlatformStage": "kafka_platform.stacks.stage",
    "PostgresConnectorSpec": "kafka_platform.domain.debezium",
    "RunbookLinks": "kafka_platform.constructs.runbook_links",
    "ScalingStep": "kafka_platform.domain.lag_scaling",
    "ScheduledCapacity": "kafka_platform.domain.schedules",
    "SeriesOptions": "kafka_platform.constructs.metric_options",
    "SharedPlatform": "kafka_platform.constructs.shared_platform",
    "acknowledge": "kafka_platform.gates.acknowledge",
    "compose": "kafka_platform.platform_app",
    "declared_topology": "kafka_platform.platform_app",
    "load_environments": "kafka_platform.config.loader",
    "register_gates": "kafka_platform.gates.packs",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from kafka_platform.config.loader import load_environments as load_environments
    from kafka_platform.config.model import Environment as Environment
    from kafka_platform.constructs.alarm_topic import AlarmTopic as AlarmTopic
    from kafka_platform.constructs.cluster_alarms import KafkaClusterAlarms as KafkaClusterAlarms
    from kafka_platform.constructs.connect_cluster import DataProductConnector as DataProductConnector
    from kafka_platform.constructs.connect_cluster import DebeziumConnectCluster as DebeziumConnectCluster
    from kafka_platform.constructs.connect_cluster import DebeziumPostgresConnector as DebeziumPostgresConnector
    from kafka_platform.constructs.consumer_service import ConsumedTopic as ConsumedTopic
    from kafka_platform.constructs.consumer_service import ConsumerSecret as ConsumerSecret
    from kafka_platform.constructs.consumer_service import KafkaConsumerService as KafkaConsumerService
    from kafka_platform.constructs.data_team import DataTeamReadRole as DataTeamReadRole
    from kafka_platform.constructs.interfaces import HealthMetric as HealthMetric
    from kafka_platform.constructs.interfaces import IConnectCluster as IConnectCluster
    from kafka_platform.constructs.interfaces import IKafkaCluster as IKafkaCluster
    from kafka_platform.constructs.interfaces import IKafkaTopic as IKafkaTopic
    from kafka_platform.constructs.kafka_cluster import KafkaCluster as KafkaCluster
    from kafka_platform.constructs.kafka_cluster import KafkaClusterBase as KafkaClusterBase
    from kafka_platform.constructs.kafka_topic import KafkaTopic as KafkaTopic, KafkaTopicBase as KafkaTopicBase
    from kafka_platform.constructs.managed_role import ManagedPolicyRole as ManagedPolicyRole
    from kafka_platform.constructs.metric_options import MathExpressionOptions as MathExpressionOptions
    from kafka_platform.constructs.metric_options import MetricOptions as MetricOptions
    from kafka_platform.constructs.metric_options import SeriesOptions as SeriesOptions
    from kafka_platform.constructs.network import ExistingVpcAttributes as ExistingVpcAttributes
    from kafka_platform.constructs.network import PlatformNetwork as PlatformNetwork
    from kafka_platform.constructs.platform_dashboard import PlatformDashboard as PlatformDashboard
    from kafka_platform.constructs.runbook_links import RunbookLinks as RunbookLinks
    from kafka_platform.constructs.shared_platform import SharedPlatform as SharedPlatform
    from kafka_platform.domain.data_products import DataProductSpec as DataProductSpec
    from kafka_platform.domain.debezium import PostgresConnectorSpec as PostgresConnectorSpec
    from kafka_platform.domain.lag_scaling import ScalingStep as ScalingStep
    from kafka_platform.domain.schedules import ScheduledCapacity as ScheduledCapacity
    from kafka_platform.errors import ConfigurationError as ConfigurationError
    from kafka_platform.gates.acknowledge import acknowledge as acknowledge
    from kafka_platform.gates.packs import register_gates as register_gates
    from kafka_platform.gates.rules import DeclaredTopology as DeclaredTopology
    from kafka_platform.platform_app import compose as compose, declared_topology as declared_topology
    from kafka_platform.stacks.stage import PlatformStage as PlatformStage
else:
    # Hidden from type checkers: a module-level __getattr__ would make every misspelt name "exist" for them.
    def __getattr__(name: str) -> Any:
        if name not in _EXPORTS:
            raise AttributeError(f"module 'kafka_platform' has no attribute {name!r}")
        try:
            module = importlib.import_module(_EXPORTS[name])
        except ModuleNotFoundError as error:
            from kafka_platform.extras import missing_extra

            raise (missing_extra(error, f"kafka_platform.{name}") or error) from error
        return getattr(module, name)
