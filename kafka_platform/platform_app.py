"""The platform as one CDK app: a stage per environment, and the compliance gates on every template."""

from __future__ import annotations

from typing import Sequence

from aws_cdk import App

from kafka_platform.config.model import Environment
from kafka_platform.config.standby import standby_environment
from kafka_platform.gates.packs import register_gates
from kafka_platform.gates.rules import DeclaredTopology
from kafka_platform.stacks.stage import PlatformStage


def declared_topology(environment: Environment) -> DeclaredTopology:
    """The topics (with partitions) and consumer groups (with their topics) an environment file declares."""
    return DeclaredTopology(
        topic_partitions={topic.name: topic.partitions for topic in environment.kafka.topics},
        consumer_groups={consumer.consumer_group: tuple(consumer.topics) for consumer in environment.consumers},
        data_product_topics={topic: product.exposed_pii()
                             for product in (environment.connect.product_specs() if environment.connect else [])
                             for topic in product.topics})


def compose(app: App, environments: Sequence[Environment], *, gates: bool = True) -> dict[str, PlatformStage]:
    """Add one stage per environment to ``app`` and, unless ``gates`` is false, the compliance packs that fail
    synthesis on an unacknowledged finding. Returns the stages by environment name."""
    stages = {environment.name: PlatformStage(app, config=environment) for environment in environments}
    # Each environment's standby in its DR region, composed from the same file.
    for environment in environments:
        standby = standby_environment(environment)
        if standby is not None:
            stages[standby.name] = PlatformStage(app, config=standby, primary=environment)
    if gates:
        register_gates(app, {stage.config.stage_name: declared_topology(stage.config) for stage in stages.values()})
    return stages
