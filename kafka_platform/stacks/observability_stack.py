"""The environment's dashboard."""

from __future__ import annotations

from typing import Sequence

from constructs import Construct

from kafka_platform.config.model import Environment
from kafka_platform.constructs.platform_dashboard import PlatformDashboard
from kafka_platform.domain import stack_layout
from kafka_platform.stacks.common import PlatformStack
from kafka_platform.stacks.connect_stack import ConnectStack
from kafka_platform.stacks.consumers_stack import ConsumersStack


class ObservabilityStack(PlatformStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Environment,
                 consumers: Sequence[ConsumersStack], connect: ConnectStack | None) -> None:
        super().__init__(scope, construct_id, config=config, what="Dashboard")
        self.dashboard: PlatformDashboard = PlatformDashboard(self, "Dashboard", dashboard_name=stack_layout.dashboard_name(config.name),
                                           services=[s for stack in consumers for s in stack.services.values()])
        self.dashboard.add_kafka_cluster(cluster_name=config.kafka.cluster_name, broker_count=config.kafka.broker_count)
        if connect is not None:
            self.dashboard.add_connect_cluster(connect.connect)
        self.dashboard.add_log_links()
