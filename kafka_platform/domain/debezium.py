"""Debezium PostgreSQL connectors as data: the configuration a declared connector renders
to, and every rule it must satisfy before it reaches a Connect cluster.

Sources: https://debezium.io/documentation/reference/stable/connectors/postgresql.html.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Literal, Mapping, Protocol, Sequence

from kafka_platform.domain.secrets import secret_name, secret_problem
from kafka_platform.domain.topics import topic_name_problem
from kafka_platform.errors import show

CONNECTOR_CLASS = "io.debezium.connector.postgresql.PostgresConnector"
# Every connector's credentials reach the workers as DBZ_<CONNECTOR>_USER and _PASSWORD (``env_prefix``); the workers'
# config provider reads nothing else, and the reconciler lets a connector read only its own.
CREDENTIALS_PREFIX = "DBZ_"
SslMode = Literal["disable", "require", "verify-ca", "verify-full"]
# Where the image keeps Amazon RDS's CA bundle (all regions): verify-full checks the database's certificate against it.
RDS_CA_BUNDLE = "/opt/connect/certs/rds-global-bundle.pem"
_VERIFYING = ("verify-ca", "verify-full")
# The custom resource type a declared connector is deployed as (the reconciler Lambda dispatches on it too).
CONNECTOR_RESOURCE_TYPE = "Custom::KafkaConnector"
SnapshotMode = Literal["initial", "initial_only", "no_data", "when_needed", "never", "always", "recovery"]
DesiredState = Literal["running", "paused", "stopped"]

# PostgreSQL: replication slot names take lower-case letters, digits and underscores only; identifiers (publication
# names) may not exceed 63 bytes. We hold publications to the same lower-case form, so nothing needs quoting.
_SLOT = re.compile(r"^[a-z0-9_]{1,63}$")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_TABLE = re.compile(r"^[a-z_][a-z0-9_$]*\.[a-z_][a-z0-9_$]*$")
_CONNECTOR_NAME = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$")
# Settings the platform owns: a connector may not override them through extra_config.
MANAGED_KEYS = frozenset({"connector.class", "plugin.name", "database.password", "database.user", "slot.name",
                          "publication.name", "topic.prefix", "tasks.max", "name", "database.sslmode",
                          "database.sslrootcert", "slot.drop.on.stop"})
# What extra_config may carry: Debezium and Kafka Connect settings that change neither the database the connector reads,
# nor its TLS, nor what SQL runs there (an allow-list: anything else is refused, with the reason). Sources: Debezium
# PostgreSQL connector reference (https://debezium.io/documentation/reference/stable/connectors/postgresql.html
# #postgresql-connector-properties) and Kafka Connect's connector configs (https://kafka.apache.org/documentation/
# #sourceconnectorconfigs).
ALLOWED_EXTRA_CONFIG = frozenset({
    "snapshot.fetch.size", "snapshot.max.threads", "snapshot.delay.ms", "snapshot.include.collection.list",
    "incremental.snapshot.chunk.size", "max.batch.size", "max.queue.size", "max.queue.size.in.bytes",
    "poll.interval.ms", "decimal.handling.mode", "time.precision.mode", "binary.handling.mode",
    "interval.handling.mode", "hstore.handling.mode", "money.fraction.digits", "tombstones.on.delete",
    "skipped.operations", "provide.transaction.metadata", "schema.name.adjustment.mode",
    "field.name.adjustment.mode", "event.processing.failure.handling.mode", "status.update.interval.ms",
    "retriable.restart.connector.wait.ms", "errors.max.retries", "errors.retry.delay.initial.ms",
    "errors.retry.delay.max.ms", "errors.retry.timeout", "slot.max.retries", "slot.retry.delay.ms",
    "include.unknown.datatypes", "column.propagate.source.type", "datatype.propagate.source.type",
    "message.key.columns", "key.converter.schemas.enable", "value.converter.schemas.enable", "transforms",
    "predicates", "unavailable.value.placeholder", "query.fetch.size", "flush.lsn.source"})
#: Prefixes whose keys extra_config may carry: masking and truncation only narrow what is published; transforms and
#: predicates are checked for their classes (``TRANSFORM_PACKAGES``).
ALLOWED_EXTRA_PREFIXES = ("column.mask.with.", "column.truncate.to.", "transforms.", "predicates.")
TRANSFORM_PACKAGES = ("org.apache.kafka.connect.transforms.", "io.debezium.transforms.")
# Keys that would weaken TLS, point the connector elsewhere, or run SQL on the database, whatever else they do.
_TARGET_OR_TLS = re.compile(r"^(database\.|driver\.)|sslfactory|sslmode|sslrootcert|sslcert|sslkey|sslpassword")
_RUNS_SQL = re.compile(r"(^|\.)(heartbeat\.action\.query|snapshot\.select\.statement\.overrides)|\.query$|"
                       r"^converters|signal\.")


def platform_heartbeat_statements(table: str) -> tuple[str, ...]:
    """The platform's heartbeat upsert on ``table`` (``schema.table``), with and without its schema: the only
    statement a connector runs on its database by itself."""
    names = (table, table.split(".", 1)[1]) if "." in table else (table,)
    return tuple(f"INSERT INTO {name} (id, seen_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET seen_at = now()"
                 for name in names)


def extra_config_problem(key: str, value: str) -> str | None:
    """Why ``key`` may not be in extra_config, with the fix; None when it may."""
    if _TARGET_OR_TLS.search(key):
        return (f"{show(key)} would change the database the connector reads or weaken its TLS, which the connector's "
                "database settings own (hostname, port, name, ssl_mode and ssl_root_cert); set it there, or remove it")
    if _RUNS_SQL.search(key):
        return (f"{show(key)} would run SQL (or load code) on the database; the only statement a connector runs is the "
                "platform's heartbeat upsert (heartbeat_table); remove it")
    if key.startswith(("transforms.", "predicates.")) and key.endswith(".type"):
        if not str(value).startswith(TRANSFORM_PACKAGES):
            return (f"{show(key)} names {show(value)}, a class outside Kafka Connect's and Debezium's own transforms "
                    f"({', '.join(TRANSFORM_PACKAGES)}); use one of those")
        return None
    if key in ALLOWED_EXTRA_CONFIG or key.startswith(ALLOWED_EXTRA_PREFIXES):
        return None
    return (f"{show(key)} is not among the settings extra_config may carry (Debezium and Kafka Connect settings that "
            "change neither the database, nor its TLS, nor what SQL runs: kafka_platform.domain.debezium."
            "ALLOWED_EXTRA_CONFIG); remove it, or have the platform team add it with its reason")


# The heartbeat table's change events move the stream's committed position and are then dropped, before any topic, by
# Kafka's own Filter transform with a TopicNameMatches predicate (no plugin needed). A connector's own transforms and
# predicates follow the platform's; these names are the platform's.
HEARTBEAT_TRANSFORM = "platformHeartbeat"
HEARTBEAT_PREDICATE = "platformHeartbeatTable"
DEFAULT_HEARTBEAT_TABLE = "public.debezium_heartbeat"
#: The heartbeat table's shape, for the default action query (the database's owner creates it, as the tables).
HEARTBEAT_TABLE_DDL = "CREATE TABLE {table} (id int PRIMARY KEY, seen_at timestamptz NOT NULL)"
SlotOnDelete = Literal["retain", "drop"]
_RDS_INSTANCE = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
# <instance>.<id>.<region>.rds.amazonaws.com; a cluster endpoint's second label starts with "cluster-".
_RDS_ENDPOINT = re.compile(r"^(?P<name>[a-z][a-z0-9-]{0,62})\.(?P<kind>[a-z0-9-]+)\.[a-z0-9-]+\.rds\.amazonaws\.com$")


def rds_instance_of(host: str) -> str | None:
    """The RDS instance an instance endpoint names (``accounts-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com``), or
    None (a cluster, proxy or custom endpoint names no single instance)."""
    match = _RDS_ENDPOINT.match(host)
    if match is None or match["kind"].startswith(("cluster-", "proxy-")):
        return None
    return match["name"]


class SupportsMilliseconds(Protocol):
    """An interval: an ``aws_cdk.Duration``, or ``Milliseconds`` where jsii is not started (the configuration)."""

    def to_milliseconds(self) -> float: ...


@dataclass(frozen=True)
class Milliseconds:
    """An interval given in milliseconds, as the YAML writes it; read like a ``Duration``."""

    value: int

    def to_milliseconds(self) -> float:
        return float(self.value)


@dataclass(frozen=True)
class PostgresConnectorSpec:
    """One Debezium PostgreSQL source. Credentials come from the worker's environment, filled from Secrets Manager:
    ``${env:<credentials_env_prefix>_USER}`` and ``..._PASSWORD``."""

    name: str
    database_host: str
    database_name: str
    tables: Sequence[str]
    topic_prefix: str
    slot_name: str
    publication_name: str
    credentials_env_prefix: str
    database_port: int = 5432
    database_ssl_mode: SslMode = "verify-full"
    database_ssl_root_cert: str = RDS_CA_BUNDLE
    database_ssl_mode_reason: str | None = None
    snapshot_mode: SnapshotMode = "initial"
    #: How often Debezium records a heartbeat (an ``aws_cdk.Duration``): it keeps a quiet database's slot moving.
    heartbeat_interval: SupportsMilliseconds = Milliseconds(10_000)
    #: The SQL Debezium runs at each heartbeat (default: an upsert into ``heartbeat_table``, when it is set).
    heartbeat_action_query: str | None = None
    #: The table ``heartbeat_action_query`` writes (``schema.table``). It joins the connector's publication, so each
    #: heartbeat is a change the stream commits: a quiet database's slot moves, and the stream's position tells a
    #: stopped stream from a quiet one (its events are dropped before any topic). None: no such table; the stream's
    #: position then stands still on a quiet database, and the stream alarms are not made.
    heartbeat_table: str | None = None
    #: How far behind its database the stream may run (an ``aws_cdk.Duration``) before its lag alarm speaks.
    stream_lag_alarm: SupportsMilliseconds = Milliseconds(300_000)
    topic_partitions: int = 6
    topic_replication_factor: int = 3
    topic_compression_type: str = "zstd"
    plugin_name: str = "pgoutput"
    desired_state: DesiredState = "running"
    extra_config: Mapping[str, str] = field(default_factory=dict)
    #: What deleting the connector does to its replication slot: ``retain`` it (a re-created connector resumes where
    #: it stopped; the slot pins WAL until dropped by hand) or ``drop`` it (Debezium drops it as its task stops).
    slot_on_delete: SlotOnDelete = "retain"
    #: The RDS or Aurora instance the database runs on: its replication-slot lag is alarmed.
    rds_instance_id: str | None = None
    #: Column filters and masks (a data product's, ``kafka_platform.domain.data_products``), set by the platform.
    column_config: Mapping[str, str] = field(default_factory=dict)

    @property
    def user_variable(self) -> str:
        return f"{self.credentials_env_prefix}_USER"

    @property
    def password_variable(self) -> str:
        return f"{self.credentials_env_prefix}_PASSWORD"

    def config(self) -> dict[str, str]:
        """The connector configuration PUT to Connect. No secret appears in it: only ``${env:...}`` references."""
        config = {
            "connector.class": CONNECTOR_CLASS,
            "tasks.max": "1",  # Debezium's PostgreSQL connector runs one task whatever tasks.max says
            "plugin.name": self.plugin_name,
            "database.hostname": self.database_host,
            "database.port": str(self.database_port),
            "database.dbname": self.database_name,
            "database.user": f"${{env:{self.user_variable}}}",
            "database.password": f"${{env:{self.password_variable}}}",
            "database.sslmode": self.database_ssl_mode,
            **({"database.sslrootcert": self.database_ssl_root_cert}
               if self.database_ssl_mode in _VERIFYING else {}),
            "topic.prefix": self.topic_prefix,
            "slot.name": self.slot_name,
            "publication.name": self.publication_name,
            "publication.autocreate.mode": "filtered",
            "table.include.list": ",".join(self.captured_tables),
            "snapshot.mode": self.snapshot_mode,
            "heartbeat.interval.ms": str(self.heartbeat_interval_ms),
            "topic.creation.default.partitions": str(self.topic_partitions),
            "topic.creation.default.replication.factor": str(self.topic_replication_factor),
            "topic.creation.default.compression.type": self.topic_compression_type,
            "topic.creation.default.cleanup.policy": "delete",
            "exactly.once.support": "requested",
        }
        if self.effective_heartbeat_action_query:
            config["heartbeat.action.query"] = self.effective_heartbeat_action_query
        config.update(self.extra_config)
        config.update(self.column_config)
        if self.heartbeat_table:
            config.update(self._heartbeat_filter())
        return dict(sorted(config.items()))

    @property
    def captured_tables(self) -> tuple[str, ...]:
        """The tables in the connector's publication: its own, and the heartbeat table."""
        extra = (self.heartbeat_table,) if self.heartbeat_table and self.heartbeat_table not in self.tables else ()
        return (*self.tables, *extra)

    @property
    def effective_heartbeat_action_query(self) -> str | None:
        if self.heartbeat_action_query or not self.heartbeat_table:
            return self.heartbeat_action_query
        return (f"INSERT INTO {self.heartbeat_table} (id, seen_at) VALUES (1, now()) "
                "ON CONFLICT (id) DO UPDATE SET seen_at = now()")

    @property
    def watched(self) -> bool:
        """Whether the stream's position tells a stopped stream from a quiet one (heartbeats in its publication), and
        it is meant to run: its stream alarms are made then."""
        return bool(self.heartbeat_table) and self.desired_state == "running"

    def _heartbeat_filter(self) -> dict[str, str]:
        """Drops the heartbeat table's change events before any topic (after they moved the stream's position)."""
        def first(key: str, name: str) -> str:
            own = self.extra_config.get(key, "").strip()
            return f"{name},{own}" if own else name

        topic = f"{self.topic_prefix}.{self.heartbeat_table}".replace(".", "\\.")
        transform, predicate = f"transforms.{HEARTBEAT_TRANSFORM}", f"predicates.{HEARTBEAT_PREDICATE}"
        return {"transforms": first("transforms", HEARTBEAT_TRANSFORM),
                f"{transform}.type": "org.apache.kafka.connect.transforms.Filter",
                f"{transform}.predicate": HEARTBEAT_PREDICATE,
                "predicates": first("predicates", HEARTBEAT_PREDICATE),
                f"{predicate}.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                f"{predicate}.pattern": topic}

    @property
    def watched_rds_instance(self) -> str | None:
        """The instance whose replication-slot lag is alarmed: ``rds_instance_id``, or the one an instance endpoint
        names."""
        return self.rds_instance_id or rds_instance_of(self.database_host)

    @property
    def heartbeat_interval_ms(self) -> int:
        return int(self.heartbeat_interval.to_milliseconds())

    @property
    def stream_lag_alarm_seconds(self) -> int:
        return int(self.stream_lag_alarm.to_milliseconds() // 1000)

    @property
    def heartbeat_topic(self) -> str:
        return f"__debezium-heartbeat.{self.topic_prefix}"


def env_prefix(connector_name: str) -> str:
    """``accounts-cdc`` -> ``DBZ_ACCOUNTS_CDC``: where the worker finds that connector's credentials."""
    return CREDENTIALS_PREFIX + re.sub(r"[^A-Z0-9]", "_", connector_name.upper())


def connector_problems(spec: PostgresConnectorSpec, *, broker_count: int | None = None) -> list[tuple[str, str]]:
    """Problems with one connector, keyed by configuration field."""
    problems: list[tuple[str, str]] = []
    if not _CONNECTOR_NAME.match(spec.name):
        problems.append(("name", f"{show(spec.name)} is not a connector name; use 2-63 lower-case letters, digits and "
                                 "hyphens, starting with a letter"))
    if not _SLOT.match(spec.slot_name):
        problems.append(("slot_name", f"{show(spec.slot_name)} is not a PostgreSQL replication slot name; use 1-63 "
                                      "lower-case letters, digits and underscores"))
    if not _IDENTIFIER.match(spec.publication_name):
        problems.append(("publication_name", f"{show(spec.publication_name)} is not a plain PostgreSQL identifier; "
                                             "use 1-63 lower-case letters, digits and underscores, not starting "
                                             "with a digit"))
    if (p := topic_name_problem(spec.topic_prefix)) is not None:
        problems.append(("topic_prefix", p.replace("topic name", "topic prefix")))
    if spec.plugin_name != "pgoutput":
        problems.append(("plugin_name", f"{show(spec.plugin_name)} needs a decoder installed in the database; use "
                                        "pgoutput, built into PostgreSQL 10 and later"))
    if not callable(getattr(spec.heartbeat_interval, "to_milliseconds", None)):
        problems.append(("heartbeat_interval", f"{show(spec.heartbeat_interval)} is not a Duration; pass "
                                               "aws_cdk.Duration.seconds(10)"))
    elif spec.heartbeat_interval_ms <= 0:
        problems.append(("heartbeat_interval", f"{spec.heartbeat_interval_ms} ms turns heartbeats off; without them "
                                               "a quiet database's slot pins WAL until the disk fills: use 10 "
                                               "seconds (10000 ms)"))
    problems += _heartbeat_problems(spec)
    if isinstance(spec.tables, str):
        return problems + [("tables", f"{show(spec.tables)} is a string, not a list: each character would count as "
                                      f"a table; pass [{show(spec.tables)}]")]
    if not spec.tables:
        problems.append(("tables", "is empty; list the tables to capture as schema.table"))
    for i, table in enumerate(spec.tables):
        if not _TABLE.match(table):
            problems.append((f"tables[{i}]", f"{show(table)} is not schema.table in lower case; write e.g. "
                                             "public.accounts"))
    if spec.database_ssl_mode != "verify-full" and len((spec.database_ssl_mode_reason or "").strip()) < 40:
        problems.append(("database.ssl_mode", (
            f"{show(spec.database_ssl_mode)} does not verify that the database is the one named (a host on the path "
            "could impersonate it and receive the connector's password); use verify-full (the default: RDS's CA "
            "bundle is in the image), or say why not in database.ssl_mode_reason, 40 characters or more")))
    if not spec.database_ssl_root_cert.startswith("/"):
        problems.append(("database.ssl_root_cert", f"{show(spec.database_ssl_root_cert)} is not an absolute path in "
                                                   f"the worker image; use {RDS_CA_BUNDLE} or your image's own CA file"))
    if not _HOST.match(spec.database_host):
        problems.append(("database.hostname", f"{show(spec.database_host)} is not a host name; use the database's "
                                              "DNS name (letters, digits, dots and hyphens), such as "
                                              "accounts-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com"))
    elif spec.database_ssl_mode == "verify-full" and spec.database_ssl_root_cert == RDS_CA_BUNDLE and \
            not _RDS_ENDPOINT.match(spec.database_host):
        problems.append(("database.hostname", f"{show(spec.database_host)} is not an RDS endpoint, and verify-full "
                                              "checks the host name against the server's certificate, which RDS "
                                              "issues for its endpoints only (...rds.amazonaws.com): use the "
                                              "instance or cluster endpoint, or name your own CA in ssl_root_cert"))
    if not 1 <= spec.database_port <= 65535:
        problems.append(("database.port", f"{spec.database_port} is not a TCP port; use 1-65535 (PostgreSQL "
                                          "listens on 5432 unless told otherwise)"))
    if spec.topic_replication_factor < 3:
        problems.append(("topic_creation.replication_factor", f"{spec.topic_replication_factor} keeps fewer than 3 "
                                                              "copies of the change events; the bank requires 3"))
    elif broker_count is not None and spec.topic_replication_factor > broker_count:
        problems.append(("topic_creation.replication_factor", f"{spec.topic_replication_factor} is above the "
                                                              f"{broker_count} brokers"))
    if spec.topic_partitions < 1:
        problems.append(("topic_creation.partitions", f"{spec.topic_partitions} is below 1"))
    if spec.slot_on_delete not in ("retain", "drop"):
        problems.append(("slot_on_delete", f"{show(spec.slot_on_delete)} is not retain or drop"))
    if spec.rds_instance_id is not None and not _RDS_INSTANCE.match(spec.rds_instance_id):
        problems.append(("database.rds_instance_id", f"{show(spec.rds_instance_id)} is not an RDS instance "
                                                     "identifier; use 1-63 lower-case letters, digits and hyphens, "
                                                     "starting with a letter"))
    for key, value in spec.extra_config.items():
        if key.startswith("column.mask.hash."):
            problems.append((f"extra_config.{key}", "puts a hashing salt in the template (Debezium reads it from the "
                                                    "property's name), where anyone who reads the stack can reverse "
                                                    "the hashes by dictionary; declare a data product with "
                                                    "columns: {COLUMN: hash} instead: its salt stays in Secrets "
                                                    "Manager"))
        elif key == "slot.drop.on.stop":
            problems.append((f"extra_config.{key}", "drops the replication slot on every stop, a rebalance or a "
                                                    "restart included, and loses the changes made meanwhile; remove "
                                                    "it, and set slot_on_delete: drop to drop the slot when the "
                                                    "connector is deleted"))
        elif key.startswith((f"transforms.{HEARTBEAT_TRANSFORM}.", f"predicates.{HEARTBEAT_PREDICATE}.")):
            problems.append((f"extra_config.{key}", f"{show(key)} is the platform's heartbeat filter; name your own "
                                                    "transform or predicate otherwise"))
        elif key in MANAGED_KEYS:
            problems.append((f"extra_config.{key}", f"{show(key)} is set by the platform; remove it from extra_config"))
        elif (p := secret_problem(key, value)) is not None:
            what = f"{key} holds a secret in clear" if secret_name(key) else p
            problems.append((f"extra_config.{key}", f"{what}; reference it as ${{env:NAME}} from a secret given to "
                                                    "the Connect cluster"))
        elif (p := extra_config_problem(key, value)) is not None:
            problems.append((f"extra_config.{key}", p))
    return problems


def _heartbeat_problems(spec: PostgresConnectorSpec) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    table = spec.heartbeat_table
    if table is not None and not (isinstance(table, str) and _TABLE.match(table)):
        problems.append(("heartbeat_table", f"{show(table)} is not schema.table in lower case; use "
                                            f"{DEFAULT_HEARTBEAT_TABLE}"))
    elif spec.heartbeat_action_query and (
            not table or spec.heartbeat_action_query not in platform_heartbeat_statements(table)):
        problems.append(("heartbeat_action_query", f"{show(spec.heartbeat_action_query)} is not the platform's "
                                                   "heartbeat upsert: a connector runs no other SQL on its database "
                                                   "(every 10 seconds, with its credentials); leave it out, and the "
                                                   f"platform writes its heartbeat table ({table or DEFAULT_HEARTBEAT_TABLE})"))
    if not callable(getattr(spec.stream_lag_alarm, "to_milliseconds", None)):
        problems.append(("stream_lag_alarm", f"{show(spec.stream_lag_alarm)} is not a Duration; pass "
                                             "aws_cdk.Duration.minutes(5)"))
    elif spec.stream_lag_alarm_seconds < 60:
        problems.append(("stream_lag_alarm", f"{spec.stream_lag_alarm_seconds} s is below the health monitor's "
                                             "one-minute period; use 60 seconds or more (default 300)"))
    return problems


def uniqueness_problems(specs: Iterable[PostgresConnectorSpec]) -> list[tuple[str, str, str]]:
    """``(connector, field, message)`` for names, slots and topic prefixes used twice on one Connect cluster: two
    connectors on one slot lose changes silently; two on one prefix mix their tables' events."""
    problems = []
    seen: dict[str, dict[str, str]] = {"name": {}, "slot_name": {}, "topic_prefix": {}}
    for spec in specs:
        for field_name, used in seen.items():
            value = getattr(spec, field_name)
            if value in used:
                problems.append((spec.name, field_name, f"{show(value)} is already used by connector {used[value]}; "
                                                        f"each connector needs its own {field_name.replace('_', ' ')}"))
            else:
                used[value] = spec.name
        # Each connector may write the topics under its prefix (``<prefix>.*``): a prefix inside another would let
        # one connector write the other's topics.
        for other, owner in seen["topic_prefix"].items():
            if owner != spec.name and (spec.topic_prefix.startswith(other + ".") or
                                       other.startswith(spec.topic_prefix + ".")):
                problems.append((spec.name, "topic_prefix",
                                 f"{show(spec.topic_prefix)} nests with {show(other)} of connector {owner}; a "
                                 "connector's grant covers every topic under its prefix, so use prefixes that do "
                                 "not contain one another, such as cdc.accounts and cdc.payments"))
    return problems


def topic_under_prefix(topic: str, specs: Iterable[PostgresConnectorSpec]) -> PostgresConnectorSpec | None:
    """The connector whose topic prefix covers ``topic`` (and may therefore write it), if any."""
    return next((spec for spec in specs if topic.startswith(spec.topic_prefix + ".")), None)
