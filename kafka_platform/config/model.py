"""The typed shape of an environment file (environments/<name>.yaml).

Pydantic checks shape, types, ranges and unknown keys here; rules across fields live in ``rules.py``. Models are
frozen and strict: YAML ``4`` is a number, ``"4"`` is text, and neither silently becomes the other.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kafka_platform.domain.data_products import Classification, DataProductSpec, DataTeamSpec, Treatment
from kafka_platform.domain.disaster_recovery import Phase, StartingPosition
from kafka_platform.domain.debezium import (DEFAULT_HEARTBEAT_TABLE, RDS_CA_BUNDLE, DesiredState, Milliseconds,
                                           PostgresConnectorSpec, SlotOnDelete, SnapshotMode, SslMode, env_prefix)
from kafka_platform.domain.lag_scaling import (DEFAULT_SCALE_IN_COOLDOWN_SECONDS, ScalingStep,
                                               default_scale_out_cooldown_seconds)
from kafka_platform.domain.schedules import ScheduledCapacity
from kafka_platform.domain.topics import CleanupPolicy, TopicSpec


class Strict(BaseModel):
    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid", frozen=True, strict=True)


class ExistingVpc(Strict):
    """A VPC created elsewhere, imported from its ids (no lookup): one private subnet per availability zone, in the
    order of ``availability_zones``."""

    vpc_id: str
    vpc_cidr: str
    private_subnet_ids: list[str]
    private_subnet_route_table_ids: list[str]
    #: The security group of the VPC's interface endpoints (its owner runs them and S3's gateway endpoint).
    endpoints_security_group_id: str | None = None


class Network(Strict):
    """Either a new VPC (``vpc_cidr``, ``nat_gateways``) or ``existing_vpc``; ``internet_egress_reason`` opens HTTPS
    to the internet for the environment's workloads, saying why."""

    vpc_cidr: str | None = None
    nat_gateways: int = Field(default=1, ge=0)
    flow_logs_retention_days: int = 365
    existing_vpc: ExistingVpc | None = None
    #: Workloads reach only AWS's VPC endpoints, S3 and the brokers, unless this says why they need the internet.
    internet_egress_reason: str | None = None


class StorageAutoExpansion(Strict):
    """Broker storage grows (never shrinks) when use crosses the target, at most every 6 hours, up to the maximum."""

    max_volume_size_gib: int = Field(ge=1)
    target_utilization_percent: int = 70


class Topic(Strict):
    name: str
    partitions: int = Field(ge=1)
    replication_factor: int = 3
    retention_hours: int | None = None
    local_retention_hours: int | None = Field(default=None, ge=1)
    tiered_storage: bool = False
    cleanup_policy: CleanupPolicy = "delete"
    compression_type: str | None = None
    min_insync_replicas: int | None = None
    description: str = ""

    def spec(self) -> TopicSpec:
        return TopicSpec(
            name=self.name, partitions=self.partitions, replication_factor=self.replication_factor,
            retention_hours=self.retention_hours, local_retention_hours=self.local_retention_hours,
            tiered_storage=self.tiered_storage, cleanup_policy=self.cleanup_policy,
            compression_type=self.compression_type, min_insync_replicas=self.min_insync_replicas,
        )


class Kafka(Strict):
    cluster_name: str
    kafka_version: str
    broker_instance_type: str
    broker_count: int = Field(ge=1)
    broker_volume_size_gib: int = Field(ge=1, le=16384)
    storage_auto_expansion: StorageAutoExpansion | None = None
    provisioned_throughput_mibps: int | None = None
    tiered_storage: bool = False
    enhanced_monitoring: Literal["DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION"] = \
        "PER_TOPIC_PER_BROKER"
    prometheus_jmx_exporter: bool = False
    prometheus_node_exporter: bool = False
    scram_authentication: bool = False
    broker_log_retention_days: int = 365
    # Overrides of the bank's defaults (kafka_platform.domain.msk.BANK_SERVER_PROPERTIES), as text.
    server_properties: dict[str, str] = Field(default_factory=dict)
    #: Multi-VPC private connectivity with IAM: how clients in other accounts (data teams) and MSK Replicator reach
    #: the cluster. CloudFormation refuses it when the cluster is created, and turning it on restarts the brokers one
    #: by one (30 minutes or more): set it in a deployment of its own, once the cluster exists.
    multi_vpc_connectivity: bool = False
    # "retain" keeps the cluster, its key and its topics when a stack is deleted; staging and prod must retain.
    removal_policy: Literal["retain", "destroy"] = "retain"
    topics: list[Topic] = Field(default_factory=list)


class ConsumerSecret(Strict):
    """An environment variable filled from Secrets Manager at task start: a complete secret ARN, optionally one JSON
    field of it, and the secret's KMS key when it is not the AWS-managed one (the tasks then may decrypt with it)."""

    secret_arn: str
    field: str | None = None
    kms_key_arn: str | None = None


class ScalingStepSetting(Strict):
    """Add ``change_percent`` % of the running tasks while the backlog per task is in
    ``[lower_backlog_per_task, upper_backlog_per_task)``; the last step has no upper bound."""

    lower_backlog_per_task: int
    upper_backlog_per_task: int | None = None
    change_percent: int

    def to_step(self) -> ScalingStep:
        return ScalingStep(self.lower_backlog_per_task, self.upper_backlog_per_task, self.change_percent)


class ScheduledCapacitySetting(Strict):
    """At ``schedule`` (``cron(...)`` or ``at(...)``, in ``timezone``) set the fewest and/or the most tasks: an
    Application Auto Scaling scheduled action (kafka_platform.domain.schedules), e.g. raise min_tasks before the
    month-end surge and lower it after."""

    name: str
    schedule: str
    min_tasks: int | None = None
    max_tasks: int | None = None
    timezone: str = "UTC"

    def to_action(self) -> ScheduledCapacity:
        return ScheduledCapacity(self.name, self.schedule, self.min_tasks, self.max_tasks, self.timezone)


class Consumer(Strict):
    """A lag-scaled consumer service (KafkaConsumerService). Thresholds and steps derive from the per-task throughput
    and the acceptable delay unless given."""

    name: str
    # The owning team: its services share the stack Consumers-<team> (kafka_platform.domain.stack_layout). Without
    # one the service is in the stack Consumers. Changing it moves, and so replaces, the service.
    team: str | None = None
    consumer_group: str
    topics: list[str]
    output_topics: list[str] = Field(default_factory=list)
    image: str
    cpu: int = 512
    memory_mib: int = 1024
    cpu_architecture: Literal["x86_64", "arm64"] = "x86_64"
    environment: dict[str, str] = Field(default_factory=dict)
    secrets: dict[str, ConsumerSecret] = Field(default_factory=dict)
    min_tasks: int = 1
    max_tasks: int | None = None
    max_delay_seconds: int
    task_throughput_messages_per_second: float | None = None
    # needed_tasks: sized from the incoming rate plus the backlog, in counts dividing the partitions evenly
    # (kafka_platform.domain.needed_tasks); needs PER_TOPIC_PER_BROKER monitoring.
    scaling_mode: Literal["steps", "target_tracking", "needed_tasks"] = "steps"
    scale_out_backlog_per_task_messages: int | None = None
    scale_in_backlog_per_task_messages: int | None = None
    scale_out_steps: list[ScalingStepSetting] | None = None
    scale_in_percent: int | None = None  # 20
    scale_out_cooldown_seconds: int | None = None  # 240 for steps, 60 for target tracking
    scale_in_cooldown_seconds: int = DEFAULT_SCALE_IN_COOLDOWN_SECONDS
    target_backlog_per_task_messages: int | None = None
    headroom_percent: int | None = None  # needed_tasks: capacity above the incoming rate, 10
    wake_up_on_produce: bool = False
    # Scheduled actions on the task bounds (kafka_platform.domain.schedules): known surges, capacity before they come.
    scheduled_capacity: list[ScheduledCapacitySetting] = Field(default_factory=list)
    log_retention_days: int = 365

    @property
    def scheduled_actions(self) -> list[ScheduledCapacity]:
        return [s.to_action() for s in self.scheduled_capacity]

    @property
    def effective_scale_out_cooldown_seconds(self) -> int:
        if self.scale_out_cooldown_seconds is not None:
            return self.scale_out_cooldown_seconds
        return default_scale_out_cooldown_seconds(self.scaling_mode)

    @property
    def steps(self) -> list[ScalingStep] | None:
        return None if self.scale_out_steps is None else [s.to_step() for s in self.scale_out_steps]


class ConnectorDatabase(Strict):
    """Where a connector reads from; the secret holds ``username`` and ``password`` (RDS's own format)."""

    hostname: str
    port: int = 5432
    name: str
    # verify-full checks the server's certificate and host name against ssl_root_cert (RDS's CA bundle, in the image);
    # a weaker mode needs ssl_mode_reason.
    ssl_mode: SslMode = "verify-full"
    ssl_mode_reason: str | None = None
    ssl_root_cert: str = RDS_CA_BUNDLE
    credentials_secret_arn: str
    credentials_kms_key_arn: str | None = None
    #: The RDS or Aurora instance the database runs on: the Connect cluster alarms on its replication-slot lag.
    rds_instance_id: str | None = None


class TopicCreation(Strict):
    """How Connect creates the connector's topics (one per table)."""

    partitions: int = 6
    replication_factor: int = 3
    compression_type: str = "zstd"


DEFAULT_STREAM_LAG_ALARM_SECONDS = 300
MIN_STREAM_LAG_ALARM_SECONDS = 60  # the health monitor's period


class Connector(Strict):
    """A Debezium PostgreSQL source, reconciled into the Connect cluster."""

    name: str
    database: ConnectorDatabase
    tables: list[str]
    topic_prefix: str
    slot_name: str
    publication_name: str
    snapshot_mode: SnapshotMode = "initial"
    heartbeat_interval_ms: int = 10_000
    heartbeat_action_query: str | None = None
    #: The table the heartbeats write, in the connector's publication (null: none; the stream is then not watched).
    heartbeat_table: str | None = DEFAULT_HEARTBEAT_TABLE
    #: How far behind its database the stream may run before its alarm (default: the Connect cluster's).
    stream_lag_alarm_seconds: int = DEFAULT_STREAM_LAG_ALARM_SECONDS
    plugin_name: str = "pgoutput"
    topic_creation: TopicCreation = Field(default_factory=TopicCreation)
    state: DesiredState = "running"
    extra_config: dict[str, str] = Field(default_factory=dict)
    #: retain (default: a re-created connector resumes where it stopped) or drop the replication slot on deletion.
    slot_on_delete: SlotOnDelete = "retain"
    #: Classified columns of the captured tables, ``schema.table.column: pii | confidential | internal``: a data
    #: product publishes a pii column only excluded, hashed or masked.
    columns: dict[str, Classification] = Field(default_factory=dict)

    def spec(self) -> PostgresConnectorSpec:
        return PostgresConnectorSpec(
            name=self.name, database_host=self.database.hostname, database_port=self.database.port,
            database_name=self.database.name, database_ssl_mode=self.database.ssl_mode,
            database_ssl_root_cert=self.database.ssl_root_cert, database_ssl_mode_reason=self.database.ssl_mode_reason,
            tables=tuple(self.tables),
            topic_prefix=self.topic_prefix, slot_name=self.slot_name, publication_name=self.publication_name,
            credentials_env_prefix=env_prefix(self.name), snapshot_mode=self.snapshot_mode,
            heartbeat_interval=Milliseconds(self.heartbeat_interval_ms), heartbeat_action_query=self.heartbeat_action_query,
            heartbeat_table=self.heartbeat_table, stream_lag_alarm=Milliseconds(self.stream_lag_alarm_seconds * 1000),
            topic_partitions=self.topic_creation.partitions,
            topic_replication_factor=self.topic_creation.replication_factor,
            topic_compression_type=self.topic_creation.compression_type, plugin_name=self.plugin_name,
            desired_state=self.state, extra_config=dict(self.extra_config), slot_on_delete=self.slot_on_delete,
            rds_instance_id=self.database.rds_instance_id)


class DataProduct(Strict):
    """A curated change stream for data teams: a second connector on ``connector``'s database, publishing ``tables``
    under ``products.<name>.`` with each named column excluded, hashed or masked (``DataProductSpec``)."""

    name: str
    connector: str
    tables: list[str]
    columns: dict[str, Treatment] = Field(default_factory=dict)
    description: str = ""


class Connect(Strict):
    """The environment's Kafka Connect cluster for Debezium (DebeziumConnectCluster) and its connectors."""

    name: str
    image: str | None = None  # default: built from the package's Dockerfile with the pinned versions
    cpu: int = 2048
    memory_mib: int = 8192
    min_workers: int = 2
    max_workers: int = 4
    cpu_target_percent: int = 60
    prune_undeclared_connectors: bool = True
    scheduled_rebalance_max_delay_seconds: int = 30
    reconcile_timeout_seconds: int = 600
    log_retention_days: int = 365
    #: Every connector's stream lag alarm threshold, unless the connector sets its own.
    stream_lag_alarm_seconds: int = DEFAULT_STREAM_LAG_ALARM_SECONDS
    #: The health monitor restores a connector changed, paused or deleted through the REST API to its declaration
    #: (false: it reports the drift, as a metric and an alarm, and leaves it).
    correct_drift: bool = True
    connectors: list[Connector] = Field(default_factory=list)
    data_products: list[DataProduct] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _connector_defaults(cls, data: Any) -> Any:
        """A connector without its own ``stream_lag_alarm_seconds`` takes the cluster's (a wrong one is reported once,
        on the cluster's field, by the rules)."""
        if not isinstance(data, dict) or "stream_lag_alarm_seconds" not in data:
            return data
        connectors, default = data.get("connectors"), data["stream_lag_alarm_seconds"]
        if not isinstance(connectors, list) or type(default) is not int or default < MIN_STREAM_LAG_ALARM_SECONDS:
            return data
        return {**data, "connectors": [{"stream_lag_alarm_seconds": default, **c} if isinstance(c, dict) else c
                                       for c in connectors]}

    def product_specs(self) -> list[DataProductSpec]:
        """The data products whose source connector is declared (the others are reported by the rules)."""
        sources = {c.name: c for c in self.connectors}
        return [DataProductSpec(name=p.name, source=sources[p.connector].spec(), tables=tuple(p.tables),
                                columns=dict(p.columns), classification=dict(sources[p.connector].columns),
                                description=p.description)
                for p in self.data_products if p.connector in sources]

    def connector_specs(self) -> list[PostgresConnectorSpec]:
        """Every connector the cluster runs: the declared ones, then one per data product."""
        return [c.spec() for c in self.connectors] + [p.connector_spec() for p in self.product_specs()]


class DataTeam(Strict):
    """A team that reads data products, and nothing else, through a role of its own (``DataTeamSpec``)."""

    name: str
    #: IAM roles, users or accounts (``arn:aws:iam::ACCOUNT:root``) that may assume the team's read role.
    principals: list[str]
    data_products: list[str]
    #: The team's consumer groups start with it; no platform group may.
    consumer_group_prefix: str
    description: str = ""

    def spec(self) -> DataTeamSpec:
        return DataTeamSpec(name=self.name, principals=tuple(self.principals), products=tuple(self.data_products),
                            consumer_group_prefix=self.consumer_group_prefix)


class StandbyCapacity(Strict):
    """What runs in the DR region in phase ``failover`` (0: the services' and Connect's own minimums). Nothing may
    consume there before: a standby consumer would process the replicated records a second time, and MSK Replicator
    stops synchronising a group's offsets while it has an active member."""

    consumer_tasks: int = Field(default=0, ge=0)
    connect_workers: int = Field(default=0, ge=0)


class DisasterRecovery(Strict):
    """A standby in another region of the same account, fed by MSK Replicator (``domain/disaster_recovery.py``):
    ``phase`` prepare (connectivity, cluster policy, standby cluster), replicate (the replicator), failover (the
    services and Connect run in the DR region; the replicator is gone)."""

    region: str
    phase: Phase | None = None
    availability_zones: list[str]
    network: Network = Field(default_factory=Network)
    #: The standby cluster's brokers; the primary's when not given.
    broker_instance_type: str | None = None
    broker_count: int | None = Field(default=None, ge=1)
    broker_volume_size_gib: int | None = Field(default=None, ge=1, le=16384)
    standby: StandbyCapacity = Field(default_factory=StandbyCapacity)
    #: Replication latency above this pages (the recovery point objective the bank declares).
    rpo_seconds: int = Field(default=300, ge=60)
    starting_position: StartingPosition = "EARLIEST"
    #: Topics replicated, by exact name (default: every declared topic); Connect's internal topics always are.
    topics: list[str] | None = None
    #: Consumer groups whose offsets are synchronised, by name or ``prefix*`` (default: the services' groups and the
    #: data teams' prefixes).
    consumer_groups: list[str] | None = None


class Alarms(Strict):
    """Where alarms go: one encrypted SNS topic per environment, with these e-mail subscriptions."""

    email_subscriptions: list[str] = Field(default_factory=list)


class AcknowledgedReplacement(Strict):
    """A deployment that replaces or removes a stateful resource (an MSK cluster or topic, a key, a log group, a
    secret), allowed on purpose: the stack's construct id (``Kafka``), the resource's logical id, and why."""

    stack: str
    logical_id: str
    reason: str
    #: The acknowledgment is for the standby's stack of that construct id (the stage ``<Environment>Dr``).
    standby: bool = False


class Environment(Strict):
    name: str
    account: str
    region: str
    availability_zones: list[str]
    disaster_recovery: DisasterRecovery | None = None
    network: Network = Field(default_factory=Network)
    kafka: Kafka
    consumers: list[Consumer] = Field(default_factory=list)
    connect: Connect | None = None
    data_teams: list[DataTeam] = Field(default_factory=list)
    alarms: Alarms = Field(default_factory=Alarms)
    tags: dict[str, str] = Field(default_factory=dict)
    # IAM roles of this account that administer the platform's KMS keys besides the role CloudFormation deploys with
    # (CDK bootstrap's execution role, which always does): they may change a key's policy, never use the key.
    key_administrators: list[str] = Field(default_factory=list)
    # Other environments deliberately deployed to the same account (otherwise two environments in one account are
    # refused: a dev file copied from prod and half-edited deploys into production).
    shares_account_with: list[str] = Field(default_factory=list)
    # Checked by the change-safety test against the approved templates (the snapshots); see kafka_platform.change_safety.
    acknowledged_replacements: list[AcknowledgedReplacement] = Field(default_factory=list)

    @property
    def stage_name(self) -> str:
        """The cdk.Stage id: ``prod`` -> ``Prod`` (a standby ``prod-dr`` -> ``ProdDr``); ``cdk deploy 'Prod/*'``
        deploys this environment."""
        return "".join(part[:1].upper() + part[1:] for part in self.name.split("-"))

    def topic(self, name: str) -> Topic | None:
        return next((t for t in self.kafka.topics if t.name == name), None)
