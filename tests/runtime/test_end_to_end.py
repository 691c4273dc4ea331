"""A row inserted into PostgreSQL arrives on the declared topic, in Debezium's envelope, on a topic created as
declared; and the heartbeat keeps the replication slot moving."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.runtime.cloudformation import Deployment
from tests.runtime.kafka_clients import consume_json, partitions, topic_config
from tests.support import resources


@pytest.fixture(scope="module")
def accounts(synthesized, runtime):
    """Dev's accounts-cdc exactly as declared (host and port aside), created through the reconciler."""
    environment = runtime.environments["dev"]
    connector = environment.connect.connectors[0]
    [(logical_id, resource)] = resources(synthesized.raw("dev", "Connect"), "Custom::KafkaConnector").items()
    properties = {k: v for k, v in resource["Properties"].items() if k != "ServiceToken"}
    properties.update(ConnectUrl=runtime.connect_url, TimeoutSeconds=180, StableSeconds=5, Config={
        **properties["Config"], "database.hostname": "127.0.0.1", "database.port": str(runtime.postgres.port),
        "database.sslrootcert": str(runtime.postgres.ca_file)})
    deployment = Deployment()
    answer = deployment.send("Create", properties, logical_id=logical_id)
    assert answer["Status"] == "SUCCESS", answer
    yield connector
    deployment.send("Delete", properties, logical_id=logical_id, physical_id=connector.name)
    deployment.close()


def test_an_inserted_row_arrives_in_debezium_envelope_on_the_table_topic(runtime, accounts):
    reference = f"e2e-{uuid.uuid4()}"
    table = accounts.tables[0]
    runtime.postgres.sql(accounts.database.name,
                         f"INSERT INTO {table} (reference, amount) VALUES ('{reference}', 125.50)")
    topic = f"{accounts.topic_prefix}.{table}"
    events = consume_json(runtime.kafka.bootstrap, topic,
                          until=lambda values: any(_after(v).get("reference") == reference for v in values))
    [change] = [v for v in events if _after(v).get("reference") == reference]
    payload = change["payload"]
    assert payload["op"] == "c" and payload["before"] is None
    assert payload["source"]["connector"] == "postgresql" and payload["source"]["table"] == table.split(".")[1]
    assert payload["source"]["db"] == accounts.database.name
    assert change["schema"]["name"].endswith(".Envelope")


def test_the_topic_was_created_with_the_declared_partitions_and_compression(runtime, accounts):
    topic = f"{accounts.topic_prefix}.{accounts.tables[0]}"
    assert partitions(runtime.kafka.bootstrap, topic) == accounts.topic_creation.partitions
    config = topic_config(runtime.kafka.bootstrap, topic)
    assert config["compression.type"] == accounts.topic_creation.compression_type == "zstd"
    assert config["cleanup.policy"] == "delete"


def test_the_heartbeat_advances_the_replication_slot(runtime, accounts):
    def flushed() -> int:
        lsn = runtime.postgres.sql(accounts.database.name, "SELECT confirmed_flush_lsn FROM pg_replication_slots "
                                                           f"WHERE slot_name = '{accounts.slot_name}'")
        high, low = lsn.split("/")
        return (int(high, 16) << 32) + int(low, 16)

    first = flushed()
    deadline = time.monotonic() + 4 * accounts.heartbeat_interval_ms / 1000
    while time.monotonic() < deadline and flushed() <= first:
        time.sleep(1)
    assert flushed() > first, "no heartbeat moved the slot: WAL would pile up on a quiet database"
    seen = runtime.postgres.sql(accounts.database.name, "SELECT count(*) FROM debezium_heartbeat")
    assert seen == "1"  # the declared heartbeat.action.query ran


def _after(value):
    return (value.get("payload") or {}).get("after") or {}
