"""One ``cdk.Stage`` per environment: ``cdk deploy 'Prod/*'`` deploys production and nothing else."""

from __future__ import annotations

from aws_cdk import Environment as CdkEnvironment
from aws_cdk import Aspects, Stage, Tags
from constructs import Construct

from kafka_platform.config.model import Environment
from kafka_platform.constructs.consumer_service import KafkaConsumerService
from kafka_platform.constructs.encryption import KEY_ADMINISTRATORS_CONTEXT
from kafka_platform.constructs.runbook_links import RunbookLinks
from kafka_platform.domain import stack_layout
from kafka_platform.stacks.alerting_stack import AlertingStack
from kafka_platform.stacks.connect_stack import ConnectStack
from kafka_platform.stacks.consumers_stack import ConsumersStack
from kafka_platform.stacks.data_access_stack import DataAccessStack
from kafka_platform.stacks.kafka_stack import KafkaStack
from kafka_platform.stacks.network_stack import NetworkStack
from kafka_platform.stacks.replication_stack import ReplicationStack
from kafka_platform.stacks.observability_stack import ObservabilityStack


class PlatformStage(Stage):
    """The environment's stacks, each one concern, composed from its configuration. A standby (``primary`` given,
    ``config`` from ``standby_environment``) has the replication from the primary in phase ``replicate``, and
    consumer stacks only when it runs services (phase ``failover``)."""

    def __init__(self, scope: Construct, *, config: Environment, primary: Environment | None = None) -> None:
        """An environment's stage.

        :param scope: the parent construct.
        :param config: the environment (``load_environments``).
        :param primary: for a standby, the environment it stands by for; default: none (a primary).
        """
        super().__init__(scope, config.stage_name, env=CdkEnvironment(account=config.account, region=config.region))
        if config.key_administrators:
            self.node.set_context(KEY_ADMINISTRATORS_CONTEXT, list(config.key_administrators))
        self.config = config
        Tags.of(self).add("environment", config.name)
        Tags.of(self).add("managed-by", "kafka-platform")
        for key, value in config.tags.items():
            Tags.of(self).add(key, value)
        self.network: NetworkStack = NetworkStack(self, "Network", config=config)
        self.alerting: AlertingStack = AlertingStack(self, "Alerting", config=config)
        self.kafka: KafkaStack = KafkaStack(self, "Kafka", config=config, network=self.network.network,
                                alarm_topic=self.alerting.alarm_topic)
        dr = primary.disaster_recovery if primary is not None else None
        self.replication: ReplicationStack | None = None if dr is None or dr.phase != "replicate" else ReplicationStack(
            self, "Replication", config=config, primary=primary, network=self.network.network, kafka=self.kafka,
            alarm_topic=self.alerting.alarm_topic)
        layout = stack_layout.consumer_stacks(config.consumers) if primary is None or config.consumers else {}
        #: The consumer stacks by construct id: ``Consumers`` (services without a team) and ``Consumers-<team>``.
        self.consumer_stacks: dict[str, ConsumersStack] = {
            stack_id: ConsumersStack(self, stack_id, config=config, consumers=consumers, network=self.network.network,
                                     kafka=self.kafka, alarm_topic=self.alerting.alarm_topic,
                                     what=stack_layout.consumer_stack_description(stack_id))
            for stack_id, consumers in layout.items()}
        self.connect: ConnectStack | None = None if config.connect is None else ConnectStack(
            self, "Connect", config=config, connect=config.connect, network=self.network.network, kafka=self.kafka,
            alarm_topic=self.alerting.alarm_topic)
        self.data_access: DataAccessStack | None = None if not config.data_teams else DataAccessStack(self, "DataAccess", config=config,
                                                                              kafka=self.kafka)
        self.observability: ObservabilityStack = ObservabilityStack(self, "Observability", config=config,
                                                consumers=list(self.consumer_stacks.values()), connect=self.connect)
        # Every alarm ends with its runbook and the dashboard to open (an alarm of no known kind fails synthesis).
        Aspects.of(self).add(RunbookLinks(dashboard=stack_layout.dashboard_name(config.name),
                                          replication_dashboard=stack_layout.replication_dashboard_name(config.name)))

    @property
    def consumer_services(self) -> dict[str, KafkaConsumerService]:
        """Every consumer service of the environment, by name, whichever stack holds it."""
        return {name: service for stack in self.consumer_stacks.values() for name, service in stack.services.items()}
