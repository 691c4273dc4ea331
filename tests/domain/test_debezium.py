"""A connector's heartbeat table: in its publication, so that heartbeats move the stream; out of every topic."""

import pytest

from kafka_platform.domain.debezium import (Milliseconds, PostgresConnectorSpec, connector_problems, env_prefix,
                                           extra_config_problem, platform_heartbeat_statements)


def spec(**changes):
    values = dict(name="accounts-cdc", database_host="accounts-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com",
                  database_name="accounts", tables=("public.accounts",), topic_prefix="cdc.accounts",
                  slot_name="debezium_accounts", publication_name="dbz_accounts",
                  credentials_env_prefix=env_prefix("accounts-cdc"), heartbeat_table="public.debezium_heartbeat")
    values.update(changes)
    return PostgresConnectorSpec(**values)


def test_the_heartbeat_table_joins_the_publication_and_is_filtered_before_any_topic():
    config = spec().config()
    assert config["table.include.list"] == "public.accounts,public.debezium_heartbeat"
    assert config["heartbeat.action.query"] == ("INSERT INTO public.debezium_heartbeat (id, seen_at) VALUES (1, now()) "
                                                "ON CONFLICT (id) DO UPDATE SET seen_at = now()")
    assert config["transforms"] == "platformHeartbeat" and config["predicates"] == "platformHeartbeatTable"
    assert config["transforms.platformHeartbeat.type"] == "org.apache.kafka.connect.transforms.Filter"
    assert config["transforms.platformHeartbeat.predicate"] == "platformHeartbeatTable"
    assert config["predicates.platformHeartbeatTable.type"] == \
        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"
    # A Java regex of exactly the heartbeat table's topic: the dots escaped, nothing else matched.
    assert config["predicates.platformHeartbeatTable.pattern"] == r"cdc\.accounts\.public\.debezium_heartbeat"
    assert spec().watched and connector_problems(spec()) == []


def test_a_connectors_own_transforms_follow_the_platforms_and_its_own_query_is_kept():
    own = spec(extra_config={"transforms": "route", "transforms.route.type": "x", "predicates": "p"},
               heartbeat_action_query="UPDATE public.debezium_heartbeat SET seen_at = now()")
    config = own.config()
    assert config["transforms"] == "platformHeartbeat,route" and config["predicates"] == "platformHeartbeatTable,p"
    assert config["heartbeat.action.query"] == "UPDATE public.debezium_heartbeat SET seen_at = now()"
    assert spec(tables=("public.accounts", "public.debezium_heartbeat")).config()["table.include.list"] == \
        "public.accounts,public.debezium_heartbeat"  # named once


def test_without_a_heartbeat_table_nothing_changes_and_the_stream_is_not_watched():
    config = spec(heartbeat_table=None).config()
    assert config["table.include.list"] == "public.accounts"
    assert not any(key.startswith(("transforms", "predicates")) for key in config)
    assert "heartbeat.action.query" not in config
    assert not spec(heartbeat_table=None).watched and not spec(desired_state="paused").watched


def test_only_the_platforms_heartbeat_statement_runs_on_the_database():
    """Security review: heartbeat.action.query runs every 10 s with the connector's credentials. Only the platform's
    upsert on the declared heartbeat table (with or without its schema) is accepted."""
    problems = dict(connector_problems(spec(heartbeat_action_query="SELECT 1")))
    assert "is not the platform's heartbeat upsert" in problems["heartbeat_action_query"]
    for statement in platform_heartbeat_statements("public.debezium_heartbeat"):
        assert "heartbeat_action_query" not in dict(connector_problems(spec(heartbeat_action_query=statement)))
    other_table = platform_heartbeat_statements("public.audit_log")[0]
    assert "heartbeat_action_query" in dict(connector_problems(spec(heartbeat_action_query=other_table)))


@pytest.mark.parametrize("key, value, allowed", [
    ("max.batch.size", "4096", True), ("decimal.handling.mode", "string", True),
    ("column.mask.with.12.chars", "public.accounts.iban", True), ("column.truncate.to.8.chars", "public.a.b", True),
    ("transforms", "unwrap", True), ("transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState", True),
    ("predicates.p.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches", True),
    ("transforms.x.type", "com.example.Anything", False), ("database.hostname", "elsewhere", False),
    ("database.sslfactory", "org.postgresql.ssl.NonValidatingFactory", False), ("driver.ssl", "false", False),
    ("heartbeat.action.query", "DELETE FROM accounts", False), ("snapshot.select.statement.overrides", "x", False),
    ("converters", "c", False), ("errors.tolerance", "all", False), ("signal.data.collection", "x", False),
])
def test_extra_config_is_an_allow_list(key, value, allowed):
    assert (extra_config_problem(key, value) is None) is allowed


@pytest.mark.parametrize("changes,field,words", [
    ({"heartbeat_table": "Heartbeat"}, "heartbeat_table", "is not schema.table in lower case"),
    ({"stream_lag_alarm": Milliseconds(30_000)}, "stream_lag_alarm", "30 s is below the health monitor's one-minute"),
    ({"stream_lag_alarm": 300}, "stream_lag_alarm", "is not a Duration"),
    ({"extra_config": {"transforms.platformHeartbeat.type": "x"}}, "extra_config.transforms.platformHeartbeat.type",
     "is the platform's heartbeat filter"),
])
def test_bad_heartbeat_and_lag_settings_are_refused(changes, field, words):
    problems = dict(connector_problems(spec(**changes)))
    assert words in problems[field]


def test_the_whole_config_put_to_connect():
    """Every key, exactly: a key dropped, renamed or given another value fails here (found by make mutate: the
    construct tests read a few keys through synthesized templates only)."""
    config = spec(heartbeat_table=None, database_port=6543, snapshot_mode="no_data",
                  heartbeat_interval=Milliseconds(7000), topic_partitions=12, topic_replication_factor=4,
                  topic_compression_type="lz4", tables=("public.accounts", "public.holds"),
                  extra_config={"max.batch.size": "4096"}, column_config={"column.exclude.list": "public.a.b"}).config()
    assert config == {
        "column.exclude.list": "public.a.b",
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "database.dbname": "accounts",
        "database.hostname": "accounts-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com",
        "database.password": "${env:DBZ_ACCOUNTS_CDC_PASSWORD}",
        "database.port": "6543",
        "database.sslmode": "verify-full",
        "database.sslrootcert": "/opt/connect/certs/rds-global-bundle.pem",
        "database.user": "${env:DBZ_ACCOUNTS_CDC_USER}",
        "exactly.once.support": "requested",
        "heartbeat.interval.ms": "7000",
        "max.batch.size": "4096",
        "plugin.name": "pgoutput",
        "publication.autocreate.mode": "filtered",
        "publication.name": "dbz_accounts",
        "slot.name": "debezium_accounts",
        "snapshot.mode": "no_data",
        "table.include.list": "public.accounts,public.holds",
        "tasks.max": "1",
        "topic.creation.default.cleanup.policy": "delete",
        "topic.creation.default.compression.type": "lz4",
        "topic.creation.default.partitions": "12",
        "topic.creation.default.replication.factor": "4",
        "topic.prefix": "cdc.accounts",
    }
    assert list(config) == sorted(config)


@pytest.mark.parametrize("mode, root_cert", [("verify-ca", "/certs/ca.pem"), ("verify-full", "/certs/ca.pem"),
                                             ("require", None), ("disable", None)])
def test_the_root_certificate_is_set_only_for_a_mode_that_verifies(mode, root_cert):
    config = spec(database_ssl_mode=mode, database_ssl_root_cert="/certs/ca.pem",
                  database_ssl_mode_reason="a test").config()
    assert config["database.sslmode"] == mode and config.get("database.sslrootcert") == root_cert


def test_the_platform_settings_override_nothing_the_column_config_sets_last():
    config = spec(extra_config={"snapshot.mode": "never"}, column_config={"snapshot.mode": "initial"}).config()
    assert config["snapshot.mode"] == "initial"  # the data product's column config is applied after extra_config


@pytest.mark.parametrize("host, instance", [
    ("accounts-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com", "accounts-db"),
    ("a.c9akciq32xyz.eu-west-2.rds.amazonaws.com", "a"),
    ("ledger.cluster-c9akciq32xyz.eu-west-2.rds.amazonaws.com", None),      # an Aurora cluster endpoint
    ("ledger.cluster-ro-c9akciq32xyz.eu-west-2.rds.amazonaws.com", None),   # its reader endpoint
    ("ledger.proxy-c9akciq32xyz.eu-west-2.rds.amazonaws.com", None),        # an RDS proxy
    ("accounts-db.internal", None),                                        # not an RDS endpoint
    ("Accounts.c9akciq32xyz.eu-west-2.rds.amazonaws.com", None),           # instance ids are lower case
    ("1db.c9akciq32xyz.eu-west-2.rds.amazonaws.com", None),                # and start with a letter
    ("accounts-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com.evil.example", None),
    ("x.accounts-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com", None),
])
def test_the_rds_instance_is_read_from_an_instance_endpoint_only(host, instance):
    from kafka_platform.domain.debezium import rds_instance_of

    assert rds_instance_of(host) == instance
    assert spec(database_host=host).watched_rds_instance == instance
    assert spec(database_host=host, rds_instance_id="named-db").watched_rds_instance == "named-db"


def test_names_slots_and_prefixes_are_each_used_once_and_prefixes_never_nest():
    from kafka_platform.domain.debezium import uniqueness_problems

    a = spec(name="a-cdc", slot_name="slot_a", topic_prefix="cdc.a")
    assert uniqueness_problems([a, spec(name="b-cdc", slot_name="slot_b", topic_prefix="cdc.b")]) == []
    assert uniqueness_problems([a, spec(name="a-cdc", slot_name="slot_a", topic_prefix="cdc.a")]) == [
        ("a-cdc", "name", '"a-cdc" is already used by connector a-cdc; each connector needs its own name'),
        ("a-cdc", "slot_name", '"slot_a" is already used by connector a-cdc; each connector needs its own slot name'),
        ("a-cdc", "topic_prefix", '"cdc.a" is already used by connector a-cdc; each connector needs its own topic '
                                  "prefix")]
    nests = ("a connector's grant covers every topic under its prefix, so use prefixes that do not contain one "
             "another, such as cdc.accounts and cdc.payments")
    inner_first = uniqueness_problems([spec(name="x-cdc", slot_name="sx", topic_prefix="cdc.a.x"),
                                       spec(name="a-cdc", slot_name="sa", topic_prefix="cdc.a")])
    assert inner_first == [("a-cdc", "topic_prefix", f'"cdc.a" nests with "cdc.a.x" of connector x-cdc; {nests}')]
    outer_first = uniqueness_problems([a, spec(name="x-cdc", slot_name="sx", topic_prefix="cdc.a.x")])
    assert outer_first == [("x-cdc", "topic_prefix", f'"cdc.a.x" nests with "cdc.a" of connector a-cdc; {nests}')]
    assert uniqueness_problems([a, spec(name="ab-cdc", slot_name="sab", topic_prefix="cdc.ab")]) == []  # not nested


# ---- connector_problems called directly, each rule's message in full (found by make mutate) -----------------------
NAME_RULE = "is not a connector name; use 2-63 lower-case letters, digits and hyphens, starting with a letter"


@pytest.mark.parametrize("changes, expected", [
    ({"name": "A-cdc"}, [("name", f'"A-cdc" {NAME_RULE}')]),
    ({"name": "a"}, [("name", f'"a" {NAME_RULE}')]),
    ({"slot_name": "Slot"}, [("slot_name", '"Slot" is not a PostgreSQL replication slot name; use 1-63 lower-case '
                                           "letters, digits and underscores")]),
    ({"publication_name": "1pub"}, [("publication_name", '"1pub" is not a plain PostgreSQL identifier; use 1-63 '
                                                         "lower-case letters, digits and underscores, not starting "
                                                         "with a digit")]),
    ({"topic_prefix": "cdc accounts"}, [("topic_prefix", '"cdc accounts" is not a valid Kafka topic prefix; use 1-249 '
                                                         "letters, digits, '.', '_' or '-', for example "
                                                         "loan-applications")]),
    ({"plugin_name": "decoderbufs"}, [("plugin_name", '"decoderbufs" needs a decoder installed in the database; use '
                                                      "pgoutput, built into PostgreSQL 10 and later")]),
    ({"heartbeat_interval": 10}, [("heartbeat_interval", "10 is not a Duration; pass aws_cdk.Duration.seconds(10)")]),
    ({"heartbeat_interval": Milliseconds(0)},
     [("heartbeat_interval", "0 ms turns heartbeats off; without them a quiet database's slot pins WAL until the disk "
                             "fills: use 10 seconds (10000 ms)")]),
    ({"tables": ()}, [("tables", "is empty; list the tables to capture as schema.table")]),
    ({"tables": ("public.accounts", "Accounts")}, [("tables[1]", '"Accounts" is not schema.table in lower case; write '
                                                                 "e.g. public.accounts")]),
    ({"database_port": 0}, [("database.port", "0 is not a TCP port; use 1-65535 (PostgreSQL listens on 5432 unless "
                                              "told otherwise)")]),
    ({"database_port": 65536}, [("database.port", "65536 is not a TCP port; use 1-65535 (PostgreSQL listens on 5432 "
                                                  "unless told otherwise)")]),
    ({"topic_replication_factor": 2}, [("topic_creation.replication_factor", "2 keeps fewer than 3 copies of the "
                                                                             "change events; the bank requires 3")]),
    ({"topic_partitions": 0}, [("topic_creation.partitions", "0 is below 1")]),
    ({"slot_on_delete": "keep"}, [("slot_on_delete", '"keep" is not retain or drop')]),
    ({"rds_instance_id": "Accounts"}, [("database.rds_instance_id", '"Accounts" is not an RDS instance identifier; '
                                                                    "use 1-63 lower-case letters, digits and hyphens, "
                                                                    "starting with a letter")]),
    ({"database_ssl_root_cert": "certs/ca.pem", "database_host": "db.internal"},
     [("database.ssl_root_cert", '"certs/ca.pem" is not an absolute path in the worker image; use '
                                 "/opt/connect/certs/rds-global-bundle.pem or your image's own CA file")]),
])
def test_each_connector_rule_in_full(changes, expected):
    assert connector_problems(spec(**changes), broker_count=3) == expected


def test_the_bounds_a_connector_may_reach():
    assert connector_problems(spec(name="ab", slot_name="s", publication_name="_p", database_port=1,
                                   heartbeat_interval=Milliseconds(1)), broker_count=3) == []
    assert connector_problems(spec(database_port=65535, topic_replication_factor=3, topic_partitions=1),
                              broker_count=3) == []
    assert connector_problems(spec(topic_replication_factor=4), broker_count=3) == [
        ("topic_creation.replication_factor", "4 is above the 3 brokers")]
    assert connector_problems(spec(topic_replication_factor=4)) == []  # brokers unknown: not judged


def test_a_string_of_tables_is_named_once_and_not_read_as_characters():
    assert connector_problems(spec(tables="public.accounts"), broker_count=3) == [
        ("tables", '"public.accounts" is a string, not a list: each character would count as a table; pass '
                   '["public.accounts"]')]


def test_a_weaker_tls_mode_needs_a_reason_of_forty_characters():
    reason = "x" * 40
    assert connector_problems(spec(database_ssl_mode="require", database_ssl_mode_reason=reason), broker_count=3) == []
    [(field, message)] = connector_problems(spec(database_ssl_mode="require", database_ssl_mode_reason=" " + "x" * 39),
                                            broker_count=3)
    assert field == "database.ssl_mode" and message.startswith('"require" does not verify that the database is the one')


def test_a_host_must_be_a_name_and_verify_full_needs_an_rds_endpoint_or_a_ca():
    [(field, message)] = connector_problems(spec(database_host="db host"), broker_count=3)
    assert (field, message) == ("database.hostname", '"db host" is not a host name; use the database\'s DNS name '
                                                     "(letters, digits, dots and hyphens), such as "
                                                     "accounts-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com")
    [(field, message)] = connector_problems(spec(database_host="db.internal"), broker_count=3)
    assert field == "database.hostname" and message.startswith('"db.internal" is not an RDS endpoint, and verify-full')
    assert connector_problems(spec(database_host="db.internal", database_ssl_root_cert="/certs/own-ca.pem"),
                              broker_count=3) == []


def test_the_heartbeat_and_lag_messages_in_full():
    assert connector_problems(spec(heartbeat_table="Heartbeat"), broker_count=3) == [
        ("heartbeat_table", '"Heartbeat" is not schema.table in lower case; use public.debezium_heartbeat')]
    assert connector_problems(spec(stream_lag_alarm=300), broker_count=3) == [
        ("stream_lag_alarm", "300 is not a Duration; pass aws_cdk.Duration.minutes(5)")]
    assert connector_problems(spec(stream_lag_alarm=Milliseconds(60_000)), broker_count=3) == []
    assert connector_problems(spec(stream_lag_alarm=Milliseconds(59_000)), broker_count=3) == [
        ("stream_lag_alarm", "59 s is below the health monitor's one-minute period; use 60 seconds or more (default "
                             "300)")]


def test_slot_on_delete_drop_is_accepted_and_platform_keys_are_refused_in_full():
    assert connector_problems(spec(slot_on_delete="drop"), broker_count=3) == []
    key = "transforms.platformHeartbeat.type"
    assert connector_problems(spec(extra_config={key: "x"}), broker_count=3) == [
        (f"extra_config.{key}", f'"{key}" is the platform\'s heartbeat filter; name your own transform or predicate '
                                "otherwise")]
    assert connector_problems(spec(extra_config={"slot.name": "x"}), broker_count=3) == [
        ("extra_config.slot.name", '"slot.name" is set by the platform; remove it from extra_config')]
