"""What every stack of an environment shares: its description, its protection and its zones."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from constructs import Construct

from kafka_platform.config.model import Environment


def removal_policy(config: Environment) -> RemovalPolicy:
    """Stateful resources (cluster, topics, keys, logs) survive stack deletion unless the environment says destroy."""
    return RemovalPolicy.RETAIN if config.kafka.removal_policy == "retain" else RemovalPolicy.DESTROY


class PlatformStack(Stack):
    """A stack of one environment. Its availability zones are the configured ones, so synthesis never looks them
    up in the account; retained environments are also protected against ``cdk destroy``."""

    def __init__(self, scope: Construct, construct_id: str, *, config: Environment, what: str) -> None:
        # CloudFormation takes templates of 1 MB (through S3): indentation is a quarter of the Connect stack's at the
        # bank's 80 connectors, each with its stream alarms, so templates are written without it.
        super().__init__(scope, construct_id, description=f"kafka-platform {config.name}: {what}",
                         termination_protection=config.kafka.removal_policy == "retain",
                         suppress_template_indentation=True)
        self._zones = list(config.availability_zones)

    @property
    def availability_zones(self) -> list[str]:
        return self._zones
