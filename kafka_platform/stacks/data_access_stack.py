"""The environment's data teams: one read role each, on its data products' topics and its own consumer groups."""

from __future__ import annotations

from constructs import Construct

from kafka_platform.config.model import Environment
from kafka_platform.constructs.data_team import DataTeamReadRole
from kafka_platform.stacks.common import PlatformStack
from kafka_platform.stacks.kafka_stack import KafkaStack


def data_team_role_name(environment: str, team: str) -> str:
    """A fixed name, so that a team's own account can name the role it assumes before it exists."""
    return f"kafka-data-{environment}-{team}"


class DataAccessStack(PlatformStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Environment, kafka: KafkaStack) -> None:
        super().__init__(scope, construct_id, config=config, what="data teams' read roles on their data products")
        products = {p.name: p for p in (config.connect.product_specs() if config.connect else [])}
        self.roles: dict[str, DataTeamReadRole] = {
            team.name: DataTeamReadRole(
                self, team.name, cluster=kafka.cluster, team=team.name, principals=team.principals,
                topics=[topic for product in team.data_products for topic in products[product].topics],
                consumer_group_prefix=team.consumer_group_prefix,
                role_name=data_team_role_name(config.name, team.name))
            for team in config.data_teams}
