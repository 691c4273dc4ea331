"""Every setting of a file reaches the spec the constructs build from: a connector, topic or data team whose every
field differs from its default maps each one to its own spec field (a field dropped or swapped fails here)."""

from kafka_platform.config.model import Connector, DataTeam, Topic
from kafka_platform.domain.debezium import PostgresConnectorSpec

CONNECTOR = {
    "name": "ledger-cdc",
    "database": {"hostname": "ledger-db.internal", "port": 6543, "name": "ledger", "ssl_mode": "verify-ca",
                 "ssl_mode_reason": "the proxy's certificate names another host", "ssl_root_cert": "/certs/ca.pem",
                 "credentials_secret_arn": "arn:aws:secretsmanager:eu-west-2:111122223333:secret:ledger-AbCdEf",
                 "rds_instance_id": "ledger-db-1"},
    "tables": ["public.entries", "public.accounts"],
    "topic_prefix": "cdc.ledger", "slot_name": "debezium_ledger", "publication_name": "dbz_ledger",
    "snapshot_mode": "no_data", "heartbeat_interval_ms": 7000, "heartbeat_action_query": "SELECT 1",
    "heartbeat_table": "ops.beat", "stream_lag_alarm_seconds": 120, "plugin_name": "pgoutput",
    "topic_creation": {"partitions": 12, "replication_factor": 4, "compression_type": "lz4"},
    "state": "paused", "extra_config": {"max.batch.size": "4096"}, "slot_on_delete": "drop",
}


def test_every_connector_setting_reaches_its_spec_field():
    spec = Connector.model_validate(CONNECTOR).spec()
    assert isinstance(spec, PostgresConnectorSpec)
    assert (spec.name, spec.database_host, spec.database_port, spec.database_name) == (
        "ledger-cdc", "ledger-db.internal", 6543, "ledger")
    assert (spec.database_ssl_mode, spec.database_ssl_root_cert, spec.database_ssl_mode_reason) == (
        "verify-ca", "/certs/ca.pem", "the proxy's certificate names another host")
    assert spec.tables == ("public.entries", "public.accounts")
    assert (spec.topic_prefix, spec.slot_name, spec.publication_name) == ("cdc.ledger", "debezium_ledger",
                                                                          "dbz_ledger")
    assert spec.credentials_env_prefix == "DBZ_LEDGER_CDC"
    assert (spec.snapshot_mode, spec.heartbeat_action_query, spec.heartbeat_table) == ("no_data", "SELECT 1",
                                                                                       "ops.beat")
    assert spec.heartbeat_interval.to_milliseconds() == 7000
    assert spec.stream_lag_alarm.to_milliseconds() == 120_000
    assert (spec.topic_partitions, spec.topic_replication_factor, spec.topic_compression_type) == (12, 4, "lz4")
    assert (spec.plugin_name, spec.desired_state, spec.slot_on_delete) == ("pgoutput", "paused", "drop")
    assert spec.extra_config == {"max.batch.size": "4096"} and spec.rds_instance_id == "ledger-db-1"


def test_a_topic_maps_every_setting():
    topic = Topic.model_validate({"name": "ledger", "partitions": 12, "replication_factor": 4,
                                  "retention_hours": 720, "local_retention_hours": 24, "tiered_storage": True,
                                  "cleanup_policy": "delete", "compression_type": "lz4", "min_insync_replicas": 3})
    spec = topic.spec()
    assert (spec.name, spec.partitions, spec.replication_factor) == ("ledger", 12, 4)
    assert (spec.retention_hours, spec.local_retention_hours, spec.tiered_storage) == (720, 24, True)
    assert (spec.cleanup_policy, spec.compression_type, spec.min_insync_replicas) == ("delete", "lz4", 3)


def test_a_data_team_maps_every_setting():
    team = DataTeam.model_validate({"name": "fraud-ds", "principals": ["arn:aws:iam::444455556666:role/fraud"],
                                    "data_products": ["cards", "ledger"], "consumer_group_prefix": "fraud-ds-"})
    spec = team.spec()
    assert (spec.name, spec.principals, spec.products, spec.consumer_group_prefix) == (
        "fraud-ds", ("arn:aws:iam::444455556666:role/fraud",), ("cards", "ledger"), "fraud-ds-")


def test_data_products_map_their_source_tables_columns_and_description(environments):
    prod = environments["prod"]
    connect = prod.connect
    for product, spec in zip([p for p in connect.data_products], connect.product_specs()):
        source = next(c for c in connect.connectors if c.name == product.connector)
        assert spec.name == product.name and spec.source == source.spec()
        assert spec.tables == tuple(product.tables) and spec.columns == dict(product.columns)
        assert spec.classification == dict(source.columns) and spec.description == product.description
    assert len(connect.product_specs()) == len(connect.data_products) > 0
    orphan = connect.model_copy(update={"data_products": [
        connect.data_products[0].model_copy(update={"connector": "no-such-cdc"})]})
    assert orphan.product_specs() == []  # the rules report it; no spec is made


def test_an_environment_finds_its_topic_by_name(environments):
    prod = environments["prod"]
    first = prod.kafka.topics[0]
    assert prod.topic(first.name) is first and prod.topic(prod.kafka.topics[-1].name) is prod.kafka.topics[-1]
    assert prod.topic("no-such-topic") is None
