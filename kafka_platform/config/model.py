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

    vpc_id: str = Field(description="The VPC's id (vpc-...).")
    vpc_cidr: str = Field(description="The VPC's IPv4 range.")
    private_subnet_ids: list[str] = Field(
        description="One private subnet per availability zone, in the order of availability_zones.")
    private_subnet_route_table_ids: list[str] = Field(
        description="The route table of each private subnet, in the same order.")
    #: The security group of the VPC's interface endpoints (its owner runs them and S3's gateway endpoint).
    endpoints_security_group_id: str | None = Field(
        default=None, description="The security group of the VPC's own interface endpoints (its owner also runs S3's "
                    "gateway endpoint); the platform's tasks and functions reach AWS APIs through it.")


class Network(Strict):
    """Either a new VPC (``vpc_cidr``, ``nat_gateways``) or ``existing_vpc``; ``internet_egress_reason`` opens HTTPS
    to the internet for the environment's workloads, saying why."""

    vpc_cidr: str | None = Field(default=None, description="A new VPC's private range, /16 to /22.")
    nat_gateways: int = Field(
        default=1, ge=0, description="NAT gateways of a new VPC, 1 to one per zone (workloads still reach only the "
                    "VPC endpoints unless internet_egress_reason is set).")
    flow_logs_retention_days: int = Field(default=365, description="Days the VPC's flow logs (KMS-encrypted) are kept.")
    existing_vpc: ExistingVpc | None = Field(
        default=None, description="An existing VPC instead of a new one, imported from its ids (no lookup).")
    #: Workloads reach only AWS's VPC endpoints, S3 and the brokers, unless this says why they need the internet.
    internet_egress_reason: str | None = Field(
        default=None, description="Why this environment's workloads need HTTPS to the internet (who, for what); "
                    "without it they reach only AWS's VPC endpoints, S3, the brokers and the declared database "
                    "ports.")


class StorageAutoExpansion(Strict):
    """Broker storage grows (never shrinks) when use crosses the target, at most every 6 hours, up to the maximum."""

    max_volume_size_gib: int = Field(
        ge=1, description="The largest a broker's volume may grow to, in GiB (volumes never shrink).")
    target_utilization_percent: int = Field(default=70, description="Disk use that triggers growth, 10-80 %.")


class Topic(Strict):
    name: str = Field(description="The topic's name (create-only: a new name replaces the topic and its data).")
    partitions: int = Field(
        ge=1, description="Partitions (may grow, never shrink: keys move to other partitions when they grow).")
    replication_factor: int = Field(
        default=3, description="Copies of each partition (create-only); the bank requires 3.")
    retention_hours: int | None = Field(
        default=None, description="How long records are kept, in hours; -1 forever; unset: the cluster's default "
                    "(168).")
    local_retention_hours: int | None = Field(
        default=None, ge=1, description="Tiered topics: how long records stay on the brokers' disks before only the "
                    "tier holds them.")
    tiered_storage: bool = Field(
        default=False, description="Keep older records in MSK's tiered storage (needs kafka.tiered_storage; 3 days of "
                    "retention or more).")
    cleanup_policy: CleanupPolicy = Field(
        default="delete", description="delete, compact, or compact,delete (a compacted topic cannot be tiered).")
    compression_type: str | None = Field(default=None, description="Overrides the cluster's zstd for this topic.")
    min_insync_replicas: int | None = Field(default=None, description="Overrides the cluster's min ISR (2 or more).")
    description: str = Field(default="", description="What the topic carries, for people (shown in the summary).")

    def spec(self) -> TopicSpec:
        return TopicSpec(
            name=self.name, partitions=self.partitions, replication_factor=self.replication_factor,
            retention_hours=self.retention_hours, local_retention_hours=self.local_retention_hours,
            tiered_storage=self.tiered_storage, cleanup_policy=self.cleanup_policy,
            compression_type=self.compression_type, min_insync_replicas=self.min_insync_replicas,
        )


class Kafka(Strict):
    cluster_name: str = Field(description="The MSK cluster's name (create-only: changing it replaces the cluster).")
    kafka_version: str = Field(description="The MSK Kafka version, such as 4.1.x.kraft; a new cluster must be KRaft.")
    zookeeper_mode_reason: str | None = Field(
        default=None, description="For a cluster that already runs in ZooKeeper mode (MSK cannot switch it): why "
                    "it stays. Without it a ZooKeeper-mode kafka_version is refused.")
    broker_instance_type: str = Field(description="kafka.m7g.large and so on.")
    broker_count: int = Field(ge=1, description="Brokers in total, a multiple of the availability zones.")
    broker_volume_size_gib: int = Field(ge=1, le=16384, description="Each broker's starting EBS volume, in GiB.")
    storage_auto_expansion: StorageAutoExpansion | None = Field(
        default=None, description="Grow broker volumes when they fill (target tracking, at most every 6 hours).")
    provisioned_throughput_mibps: int | None = Field(
        default=None, description="Provisioned storage throughput, on kafka.m5.4xlarge / m7g.2xlarge and larger.")
    tiered_storage: bool = Field(
        default=False, description="Tiered storage on the cluster (Kafka 3.6+, not kafka.t3.small).")
    enhanced_monitoring: Literal["DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION"] = Field(
        default="PER_TOPIC_PER_BROKER", description="MSK's monitoring level; PER_TOPIC_PER_BROKER is what "
                    "needed_tasks and wake_up_on_produce need.")
    prometheus_jmx_exporter: bool = Field(default=False, description="Open monitoring's JMX exporter.")
    prometheus_node_exporter: bool = Field(default=False, description="Open monitoring's node exporter.")
    scram_authentication: bool = Field(default=False, description="SCRAM besides IAM.")
    broker_log_retention_days: int = Field(default=365, description="Days the brokers' logs (KMS-encrypted) are kept.")
    # Overrides of the bank's defaults (kafka_platform.domain.msk.BANK_SERVER_PROPERTIES), as text.
    server_properties: dict[str, str] = Field(
        default_factory=dict, description="Overrides of the bank's broker defaults, as text; only properties MSK "
                    "accepts, and nothing that weakens durability.")
    #: Multi-VPC private connectivity with IAM: how clients in other accounts (data teams) and MSK Replicator reach
    #: the cluster. CloudFormation refuses it when the cluster is created, and turning it on restarts the brokers one
    #: by one (30 minutes or more): set it in a deployment of its own, once the cluster exists.
    multi_vpc_connectivity: bool = Field(
        default=False, description="MSK's multi-VPC private connectivity with IAM: how data teams in other accounts "
                    "and MSK Replicator connect. CloudFormation refuses it when the cluster is created: turn it on "
                    "in a deployment of its own once the cluster exists (the brokers restart one by one).")
    # "retain" keeps the cluster, its key and its topics when a stack is deleted; staging and prod must retain.
    removal_policy: Literal["retain", "destroy"] = Field(
        default="retain", description="retain: the cluster, its key, topics and logs survive the stack's deletion "
                    "(staging and prod must retain); destroy.")
    topics: list[Topic] = Field(default_factory=list, description="The cluster's topics.")


class ConsumerSecret(Strict):
    """An environment variable filled from Secrets Manager at task start: a complete secret ARN, optionally one JSON
    field of it, and the secret's KMS key when it is not the AWS-managed one (the tasks then may decrypt with it)."""

    secret_arn: str = Field(description="The secret's complete ARN (with its six-character suffix).")
    field: str | None = Field(default=None, description="One JSON key of the secret; unset: the whole value.")
    kms_key_arn: str | None = Field(
        default=None, description="The secret's customer-managed key, if any: the tasks are then granted Decrypt with "
                    "it through Secrets Manager.")


class ScalingStepSetting(Strict):
    """Add ``change_percent`` % of the running tasks while the backlog per task is in
    ``[lower_backlog_per_task, upper_backlog_per_task)``; the last step has no upper bound."""

    lower_backlog_per_task: int = Field(description="Where the step starts, in messages per running task.")
    upper_backlog_per_task: int | None = Field(
        default=None, description="Where it ends (exclusive); the last step has none.")
    change_percent: int = Field(description="Tasks added, as a percentage of those running.")

    def to_step(self) -> ScalingStep:
        return ScalingStep(self.lower_backlog_per_task, self.upper_backlog_per_task, self.change_percent)


class ScheduledCapacitySetting(Strict):
    """At ``schedule`` (``cron(...)`` or ``at(...)``, in ``timezone``) set the fewest and/or the most tasks: an
    Application Auto Scaling scheduled action (kafka_platform.domain.schedules), e.g. raise min_tasks before the
    month-end surge and lower it after."""

    name: str = Field(description="The scheduled action's name.")
    schedule: str = Field(
        description="cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss), in timezone; "
                    "L, LW, 15W, 6L and 6#3 read as Quartz defines them.")
    min_tasks: int | None = Field(default=None, description="The fewest tasks from then on.")
    max_tasks: int | None = Field(default=None, description="The most tasks from then on.")
    timezone: str = Field(default="UTC", description="An IANA time zone, such as Europe/London.")

    def to_action(self) -> ScheduledCapacity:
        return ScheduledCapacity(self.name, self.schedule, self.min_tasks, self.max_tasks, self.timezone)


class Consumer(Strict):
    """A lag-scaled consumer service (KafkaConsumerService). Thresholds and steps derive from the per-task throughput
    and the acceptable delay unless given."""

    name: str = Field(description="The service's name: its construct id, dashboard row and alarm names.")
    # The owning team: its services share the stack Consumers-<team> (kafka_platform.domain.stack_layout). Without
    # one the service is in the stack Consumers. Changing it moves, and so replaces, the service.
    team: str | None = Field(
        default=None, description="The owning team: its services share the stack Consumers-<team> (at most 25); "
                    "changing it moves, and so replaces, the service.")
    consumer_group: str = Field(
        description="The Kafka consumer group (ASCII, no ':': else MSK publishes no lag for it).")
    topics: list[str] = Field(description="Declared topics it reads (its task role may read exactly these).")
    output_topics: list[str] = Field(default_factory=list, description="Declared topics it writes.")
    image: str = Field(
        description="A pinned image (repo:version or @sha256:); from private ECR the execution role may pull that "
                    "repository only.")
    cpu: int = Field(default=512, description="Fargate CPU units.")
    memory_mib: int = Field(default=1024, description="Fargate memory, in MiB (a size Fargate offers for the CPU).")
    cpu_architecture: Literal["x86_64", "arm64"] = Field(default="x86_64", description="x86_64 or arm64.")
    environment: dict[str, str] = Field(
        default_factory=dict, description="Plain settings for the container (secret-looking values are refused; use "
                    "secrets).")
    secrets: dict[str, ConsumerSecret] = Field(
        default_factory=dict, description="Environment variables filled from Secrets Manager at task start.")
    min_tasks: int = Field(default=1, description="The fewest tasks; 0 needs wake_up_on_produce.")
    max_tasks: int | None = Field(
        default=None, description="The most tasks; at most the partitions consumed (the default).")
    max_delay_seconds: int = Field(
        description="The delay the business accepts: EstimatedMaxTimeLag above it pages, and the scaling aims under "
                    "it.")
    task_throughput_messages_per_second: float | None = Field(
        default=None, description="Messages per second one task processes (measured); thresholds and steps derive "
                    "from it and the delay. Must be above 0.")
    # needed_tasks: sized from the incoming rate plus the backlog, in counts dividing the partitions evenly
    # (kafka_platform.domain.needed_tasks); needs PER_TOPIC_PER_BROKER monitoring.
    scaling_mode: Literal["steps", "target_tracking", "needed_tasks"] = Field(
        default="steps", description="needed_tasks (the incoming rate plus the backlog, in task counts that divide "
                    "the partitions evenly; needs PER_TOPIC_PER_BROKER monitoring), steps (alarms on the backlog per "
                    "running task) or target_tracking (on the same backlog).")
    scale_out_backlog_per_task_messages: int | None = Field(
        default=None, description="steps: an explicit scale-out threshold, in messages per running task.")
    scale_in_backlog_per_task_messages: int | None = Field(
        default=None, description="steps: an explicit scale-in threshold, in messages per running task.")
    scale_out_steps: list[ScalingStepSetting] | None = Field(
        default=None, description="steps: explicit steps, meeting end to end, the first at the threshold, the last "
                    "open (default +100/+200/+400 %).")
    scale_in_percent: int | None = Field(
        default=None, description="steps: the share of tasks a scale-in removes, 1-50 (default 20).")
    scale_out_cooldown_seconds: int | None = Field(
        default=None, description="At least 60 (default 240 for steps, 60 otherwise).")
    scale_in_cooldown_seconds: int = Field(
        default=DEFAULT_SCALE_IN_COOLDOWN_SECONDS, description="At least 300, and not shorter than the scale-out "
                    "cooldown.")
    target_backlog_per_task_messages: int | None = Field(
        default=None, description="target_tracking: the target (default throughput x delay / 2).")
    headroom_percent: int | None = Field(
        default=None, description="needed_tasks: capacity kept above the incoming rate, 0-100 (default 10).")
    wake_up_on_produce: bool = Field(
        default=False, description="Start a task when messages arrive while none runs (needs PER_TOPIC_PER_BROKER "
                    "monitoring).")
    # Scheduled actions on the task bounds (kafka_platform.domain.schedules): known surges, capacity before they come.
    scheduled_capacity: list[ScheduledCapacitySetting] = Field(
        default_factory=list, description="Scheduled actions on the task bounds, for surges that come at a known "
                    "hour.")
    log_retention_days: int = Field(default=365, description="Days the service's logs are kept.")

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

    hostname: str = Field(
        description="The database's DNS name; with verify-full against RDS's CA bundle, its RDS endpoint.")
    port: int = Field(default=5432, description="The database's port.")
    name: str = Field(description="The database's name.")
    # verify-full checks the server's certificate and host name against ssl_root_cert (RDS's CA bundle, in the image);
    # a weaker mode needs ssl_mode_reason.
    ssl_mode: SslMode = Field(
        default="verify-full", description="verify-full checks the server's certificate and host name; a weaker mode "
                    "needs ssl_mode_reason.")
    ssl_mode_reason: str | None = Field(default=None, description="Why TLS does not verify this database.")
    ssl_root_cert: str = Field(
        default=RDS_CA_BUNDLE, description="The CA bundle in the image that verifies the database (RDS's, by "
                    "default).")
    credentials_secret_arn: str = Field(
        description="The complete ARN of a secret holding username and password (RDS's format).")
    credentials_kms_key_arn: str | None = Field(default=None, description="The secret's customer-managed key, if any.")
    #: The RDS or Aurora instance the database runs on: the Connect cluster alarms on its replication-slot lag.
    rds_instance_id: str | None = Field(
        default=None, description="The RDS or Aurora instance, for its replication-slot lag alarm; only for a "
                    "cluster, proxy or custom endpoint (an instance endpoint names its instance).")


class TopicCreation(Strict):
    """How Connect creates the connector's topics (one per table)."""

    partitions: int = Field(default=6, description="Partitions of each topic the connector creates.")
    replication_factor: int = Field(default=3, description="Replication of each topic it creates.")
    compression_type: str = Field(default="zstd", description="Compression of each topic it creates.")


DEFAULT_STREAM_LAG_ALARM_SECONDS = 300
MIN_STREAM_LAG_ALARM_SECONDS = 60  # the health monitor's period


class Connector(Strict):
    """A Debezium PostgreSQL source, reconciled into the Connect cluster."""

    name: str = Field(description="The connector's name (unique on the Connect cluster).")
    database: ConnectorDatabase = Field(description="Where it reads from.")
    tables: list[str] = Field(description="The captured tables, schema.table.")
    topic_prefix: str = Field(description="Its topics are <topic_prefix>.<schema>.<table>; prefixes never nest.")
    slot_name: str = Field(description="Its replication slot (unique: a shared slot loses changes silently).")
    publication_name: str = Field(
        description="Its publication (created for the declared tables and the heartbeat table).")
    snapshot_mode: SnapshotMode = Field(default="initial", description="Debezium's snapshot.mode.")
    heartbeat_interval_ms: int = Field(
        default=10_000, description="How often the connector heartbeats, in milliseconds.")
    heartbeat_action_query: str | None = Field(
        default=None, description="Leave unset: the platform writes its own heartbeat upsert into heartbeat_table; "
                    "any other statement is refused.")
    #: The table the heartbeats write, in the connector's publication (null: none; the stream is then not watched).
    heartbeat_table: str | None = Field(
        default=DEFAULT_HEARTBEAT_TABLE, description="The table the heartbeats write, in the connector's publication "
                    "(null: none; the stream is then not watched).")
    #: How far behind its database the stream may run before its alarm (default: the Connect cluster's).
    stream_lag_alarm_seconds: int = Field(
        default=DEFAULT_STREAM_LAG_ALARM_SECONDS, description="How far behind its database the stream may run before "
                    "its alarm (default: the Connect cluster's).")
    plugin_name: str = Field(
        default="pgoutput", description="The logical decoding plugin: pgoutput, the only one accepted.")
    topic_creation: TopicCreation = Field(
        default_factory=TopicCreation, description="How Connect creates the connector's topics.")
    state: DesiredState = Field(default="running", description="running, paused or stopped.")
    extra_config: dict[str, str] = Field(
        default_factory=dict, description="More Debezium or Kafka Connect settings, from an allow-list of those that "
                    "change neither the database, nor its TLS, nor what SQL runs.")
    #: retain (default: a re-created connector resumes where it stopped) or drop the replication slot on deletion.
    slot_on_delete: SlotOnDelete = Field(
        default="retain", description="retain (a re-created connector resumes where it stopped) or drop the "
                    "replication slot when the connector is deleted.")
    #: Classified columns of the captured tables, ``schema.table.column: pii | confidential | internal``: a data
    #: product publishes a pii column only excluded, hashed or masked.
    columns: dict[str, Classification] = Field(
        default_factory=dict, description="Classified columns, schema.table.column: pii | confidential | internal (a "
                    "data product publishes a pii column only excluded, hashed or masked).")

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

    name: str = Field(description="The product's name: its topics are products.<name>.<schema>.<table>.")
    connector: str = Field(description="The source connector (its database and credentials).")
    tables: list[str] = Field(description="Some of the source's tables.")
    columns: dict[str, Treatment] = Field(
        default_factory=dict, description="schema.table.column: exclude | hash | mask; columns not named are "
                    "published as they are.")
    description: str = Field(default="", description="What the product is for, for the data teams.")


class Connect(Strict):
    """The environment's Kafka Connect cluster for Debezium (DebeziumConnectCluster) and its connectors."""

    name: str = Field(
        description="The Connect cluster: its group id, internal topics _connect-<name>-configs/-offsets/-status, "
                    "transactional ids.")
    image: str | None = Field(
        default=None, description="A pinned image instead of the one built from "
                    "kafka_platform/constructs/connect_image/.")
    cpu: int = Field(default=2048, description="Worker CPU units.")
    memory_mib: int = Field(default=8192, description="Worker memory in MiB; half of it is the JVM heap.")
    min_workers: int = Field(default=2, description="The fewest workers.")
    max_workers: int = Field(default=4, description="The most workers.")
    cpu_target_percent: int = Field(default=60, description="Worker CPU the scaling keeps, 10-90.")
    prune_undeclared_connectors: bool = Field(
        default=True, description="Delete connectors nobody declared, after every deployment and by the health "
                    "monitor (never while nothing is declared).")
    scheduled_rebalance_max_delay_seconds: int = Field(
        default=30, description="How long a lost worker's connectors wait before moving (a replaced Fargate task is a "
                    "new worker).")
    reconcile_timeout_seconds: int = Field(
        default=600, description="How long the reconciler waits for a connector to run, at most 840.")
    log_retention_days: int = Field(default=365, description="Days the workers' and functions' logs are kept.")
    #: Every connector's stream lag alarm threshold, unless the connector sets its own.
    stream_lag_alarm_seconds: int = Field(
        default=DEFAULT_STREAM_LAG_ALARM_SECONDS, description="Every connector's stream lag alarm threshold, unless "
                    "the connector sets its own.")
    #: The health monitor restores a connector changed, paused or deleted through the REST API to its declaration
    #: (false: it reports the drift, as a metric and an alarm, and leaves it).
    correct_drift: bool = Field(
        default=True, description="The health monitor puts back a connector changed, paused or deleted through the "
                    "REST API (false: it reports the drift and leaves it).")
    connectors: list[Connector] = Field(default_factory=list, description="The Debezium PostgreSQL connectors.")
    data_products: list[DataProduct] = Field(default_factory=list, description="Curated change streams for data teams.")

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

    name: str = Field(description="The team's name: its read role's name.")
    #: IAM roles, users or accounts (``arn:aws:iam::ACCOUNT:root``) that may assume the team's read role.
    principals: list[str] = Field(
        description="IAM roles, users or accounts (arn:aws:iam::ACCOUNT:root) that may assume the team's read role.")
    data_products: list[str] = Field(description="The products it reads, and nothing else.")
    #: The team's consumer groups start with it; no platform group may.
    consumer_group_prefix: str = Field(description="The team's consumer groups start with it; no platform group may.")
    description: str = Field(default="", description="What the team does with the data, for auditors.")

    def spec(self) -> DataTeamSpec:
        return DataTeamSpec(name=self.name, principals=tuple(self.principals), products=tuple(self.data_products),
                            consumer_group_prefix=self.consumer_group_prefix)


class StandbyCapacity(Strict):
    """What runs in the DR region in phase ``failover`` (0: the services' and Connect's own minimums). Nothing may
    consume there before: a standby consumer would process the replicated records a second time, and MSK Replicator
    stops synchronising a group's offsets while it has an active member."""

    consumer_tasks: int = Field(
        default=0, ge=0, description="Tasks per service in the DR region in phase failover (0: the services' own "
                    "minimums).")
    connect_workers: int = Field(
        default=0, ge=0, description="Connect workers in the DR region in phase failover (0: Connect's own minimum).")


class DisasterRecovery(Strict):
    """A standby in another region of the same account, fed by MSK Replicator (``domain/disaster_recovery.py``):
    ``phase`` prepare (connectivity, cluster policy, standby cluster), replicate (the replicator), failover (the
    services and Connect run in the DR region; the replicator is gone)."""

    region: str = Field(description="The standby's region (same account).")
    phase: Phase | None = Field(
        default=None, description="prepare (connectivity, cluster policy, standby cluster), replicate (the "
                    "replicator), failover (the services and Connect run in the DR region).")
    availability_zones: list[str] = Field(description="The standby's availability zones.")
    network: Network = Field(default_factory=Network, description="The standby's network.")
    #: The standby cluster's brokers; the primary's when not given.
    broker_instance_type: str | None = Field(
        default=None, description="The standby's brokers; the primary's when not given.")
    broker_count: int | None = Field(
        default=None, ge=1, description="The standby's broker count; the primary's when not given.")
    broker_volume_size_gib: int | None = Field(
        default=None, ge=1, le=16384, description="The standby's broker volume; the primary's when not given.")
    standby: StandbyCapacity = Field(
        default_factory=StandbyCapacity, description="What runs in the DR region in phase failover.")
    #: Replication latency above this pages (the recovery point objective the bank declares).
    rpo_seconds: int = Field(
        default=300, ge=60, description="Replication latency above this pages (the recovery point objective the bank "
                    "declares).")
    starting_position: StartingPosition = Field(
        default="EARLIEST", description="Where the replicator starts: EARLIEST or LATEST.")
    #: Topics replicated, by exact name (default: every declared topic); Connect's internal topics always are.
    topics: list[str] | None = Field(
        default=None, description="Topics replicated, by exact name (default: every declared topic); Connect's "
                    "internal topics always are.")
    #: Consumer groups whose offsets are synchronised, by name or ``prefix*`` (default: the services' groups and the
    #: data teams' prefixes).
    consumer_groups: list[str] | None = Field(
        default=None, description="Consumer groups whose offsets are synchronised, by name or prefix* (default: the "
                    "services' groups and the data teams' prefixes).")


class Alarms(Strict):
    """Where alarms go: one encrypted SNS topic per environment, with these e-mail subscriptions."""

    email_subscriptions: list[str] = Field(
        default_factory=list, description="Addresses subscribed to the environment's alarm topic.")


class AcknowledgedReplacement(Strict):
    """A deployment that replaces or removes a stateful resource (an MSK cluster or topic, a key, a log group, a
    secret), allowed on purpose: the stack's construct id (``Kafka``), the resource's logical id, and why."""

    stack: str = Field(description="The stack's construct id, such as Kafka.")
    logical_id: str = Field(description="The resource's logical id in that stack.")
    reason: str = Field(description="Why the replacement or removal is meant.")
    #: The acknowledgment is for the standby's stack of that construct id (the stage ``<Environment>Dr``).
    standby: bool = Field(
        default=False, description="The acknowledgment is for the standby's stack (the stage <Environment>Dr).")


class Environment(Strict):
    name: str = Field(description="The environment's name: the file's name, 2-16 lower-case letters and digits.")
    account: str = Field(description="The 12-digit AWS account, quoted.")
    region: str = Field(description="The AWS region.")
    availability_zones: list[str] = Field(description="2 or 3 zones of the region; brokers and tasks spread over them.")
    disaster_recovery: DisasterRecovery | None = Field(
        default=None, description="A standby in another region fed by MSK Replicator.")
    network: Network = Field(default_factory=Network, description="The VPC: new, or existing.")
    kafka: Kafka = Field(description="The MSK cluster and its topics.")
    consumers: list[Consumer] = Field(default_factory=list, description="Lag-scaled consumer services.")
    connect: Connect | None = Field(
        default=None, description="The Debezium Kafka Connect cluster, its connectors and data products.")
    data_teams: list[DataTeam] = Field(
        default_factory=list, description="Teams that read data products through a role of their own.")
    alarms: Alarms = Field(default_factory=Alarms, description="Where alarms go.")
    tags: dict[str, str] = Field(
        default_factory=dict, description="Tags on every resource (not aws: keys, not the platform's own environment "
                    "and managed-by; at most 48).")
    # IAM roles of this account that administer the platform's KMS keys besides the role CloudFormation deploys with
    # (CDK bootstrap's execution role, which always does): they may change a key's policy, never use the key.
    key_administrators: list[str] = Field(
        default_factory=list, description="IAM roles of this account that administer the platform's KMS keys besides "
                    "the deploying role: they may manage a key, never use it.")
    # Other environments deliberately deployed to the same account (otherwise two environments in one account are
    # refused: a dev file copied from prod and half-edited deploys into production).
    shares_account_with: list[str] = Field(
        default_factory=list, description="Other environments deliberately in the same account (both files must say "
                    "so).")
    # Checked by the change-safety test against the approved templates (the snapshots); see kafka_platform.change_safety.
    acknowledged_replacements: list[AcknowledgedReplacement] = Field(
        default_factory=list, description="Deployments that replace or remove a stateful resource, allowed on "
                    "purpose.")

    @property
    def stage_name(self) -> str:
        """The cdk.Stage id: ``prod`` -> ``Prod`` (a standby ``prod-dr`` -> ``ProdDr``); ``cdk deploy 'Prod/*'``
        deploys this environment."""
        return "".join(part[:1].upper() + part[1:] for part in self.name.split("-"))

    def topic(self, name: str) -> Topic | None:
        return next((t for t in self.kafka.topics if t.name == name), None)
