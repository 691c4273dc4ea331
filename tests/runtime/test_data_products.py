"""A data product on the real Debezium plugin: prod's customer-events, exactly as synthesized (host, port and CA
aside), created through the reconciler with its salt from Secrets Manager. A row inserted into PostgreSQL arrives on
the product's topic without its excluded columns and with its e-mail hashed, while the raw topic keeps the row."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.runtime.cloudformation import Deployment
from tests.runtime.kafka_clients import consume_json, end_offsets
from tests.support import resources


SALT = uuid.uuid4().hex + uuid.uuid4().hex[:8]  # letters and digits, as Secrets Manager generates it
SALT_ARN = "arn:aws:secretsmanager:eu-west-2:333333333333:secret:runtime-product-salt-AbCdEf"
RAW_TOPIC = "cdc.customers.public.customers"
PRODUCT_TOPIC = "products.customer-events.public.customers"


def _declared(synthesized, runtime, name):
    """The synthesized Custom::KafkaConnector of prod ``name``, pointed at the local PostgreSQL and worker."""
    [(logical_id, resource)] = [(i, r) for i, r in resources(synthesized.raw("prod", "Connect"),
                                                             "Custom::KafkaConnector").items()
                                if r["Properties"]["ConnectorName"] == name]
    properties = {k: v for k, v in resource["Properties"].items() if k != "ServiceToken"}
    properties.update(ConnectUrl=runtime.connect_url, TimeoutSeconds=180, StableSeconds=5, Config={
        **properties["Config"], "database.hostname": "127.0.0.1", "database.port": str(runtime.postgres.port),
        "database.sslrootcert": str(runtime.postgres.ca_file)})
    if "HashSaltSecretArn" in properties:  # a reference to the stack's secret: here, the loopback one
        properties["HashSaltSecretArn"] = SALT_ARN
    return logical_id, properties


@pytest.fixture(scope="module")
def customer_events(synthesized, runtime):
    runtime.secrets.secrets[SALT_ARN] = SALT
    runtime.postgres.sql("customers", "ALTER TABLE public.customers ADD COLUMN IF NOT EXISTS full_name text, "
                                      "ADD COLUMN IF NOT EXISTS email text, ADD COLUMN IF NOT EXISTS phone text, "
                                      "ADD COLUMN IF NOT EXISTS date_of_birth date, "
                                      "ADD COLUMN IF NOT EXISTS risk_band text")
    deployment = Deployment()
    created = []
    try:
        for name in ("customers-cdc", "product-customer-events"):
            logical_id, properties = _declared(synthesized, runtime, name)
            answer = deployment.send("Create", properties, logical_id=logical_id)
            assert answer["Status"] == "SUCCESS", answer
            created.append((logical_id, properties, name))
        yield deployment, created
    finally:
        for logical_id, properties, name in created:
            deployment.send("Delete", properties, logical_id=logical_id, physical_id=name)
        for slot in ("debezium_customers", "product_customer_events"):  # retained on deletion, as declared
            runtime.postgres.sql("customers", f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                                              f"WHERE slot_name = '{slot}' AND NOT active")
        deployment.close()


def _rows(runtime, topic, reference, count):
    def after(value):
        return (value.get("payload") or {}).get("after") or {}
    values = consume_json(runtime.kafka.bootstrap, topic, timeout=180,
                          until=lambda vs: len([v for v in vs if after(v).get("reference", "").startswith(reference)])
                          >= count)
    rows = [after(v) for v in values if after(v).get("reference", "").startswith(reference)]
    assert len(rows) >= count, _why_not(runtime, topic, len(values))
    return rows


def _why_not(runtime, topic, read):
    """What a missing row needs explained: the connectors' states, the replication slots and the worker's errors."""
    states = {name: runtime.connect_json(f"/connectors/{name}/status")
              for name in ("customers-cdc", "product-customer-events")}
    slots = runtime.postgres.sql("customers", "SELECT slot_name, active, restart_lsn, confirmed_flush_lsn "
                                              "FROM pg_replication_slots")
    errors = [line for line in runtime.connect.process.tail(400).splitlines() if "ERROR" in line or "WARN" in line]
    return (f"{topic}: {read} messages read, not the rows inserted\n"
            f"end offsets: {end_offsets(runtime.kafka.bootstrap, topic)}\nconnectors: {states}\nslots: {slots}\n"
            f"worker: " + "\n".join(errors[-30:]))


def test_the_product_publishes_only_what_it_declares_and_the_raw_topic_keeps_the_row(runtime, customer_events):
    reference = f"dp-{uuid.uuid4().hex[:8]}"
    for suffix, email in (("a", "ada@bank.example"), ("b", "ada@bank.example"), ("c", "grace@bank.example")):
        runtime.postgres.sql("customers", (
            "INSERT INTO public.customers (reference, amount, full_name, email, phone, date_of_birth, risk_band) "
            f"VALUES ('{reference}-{suffix}', 1, 'Ada Lovelace', '{email}', '+44 20 7946 0000', '1815-12-10', "
            "'low')"))
    product = {row["reference"]: row for row in _rows(runtime, PRODUCT_TOPIC, reference, 3)}
    raw = {row["reference"]: row for row in _rows(runtime, RAW_TOPIC, reference, 3)}
    assert sorted(product) == sorted(raw) == [f"{reference}-{s}" for s in "abc"]
    for row in product.values():
        # Excluded: absent from the event, not merely empty.
        assert not {"full_name", "phone", "date_of_birth"} & set(row), row
        # Published as declared: a confidential column, and the columns nobody classified.
        assert row["risk_band"] == "low" and "amount" in row
        # Hashed: a SHA-256 digest in hex, nothing of the address (a substring test such as "ada" not in it fails
        # by chance: the salt is random, and about 1 run in 70 gives a digest whose hex spells "ada").
        assert re.fullmatch(r"[0-9a-f]{64}", row["email"]), row["email"]
    hashes = {ref: row["email"] for ref, row in product.items()}
    assert hashes[f"{reference}-a"] == hashes[f"{reference}-b"] != hashes[f"{reference}-c"]
    # The raw topic, which the bank's own services read, keeps the full row.
    assert raw[f"{reference}-a"]["email"] == "ada@bank.example"
    assert raw[f"{reference}-a"]["full_name"] == "Ada Lovelace" and raw[f"{reference}-a"]["phone"]


def test_the_salt_reached_connect_but_not_its_logs(runtime, customer_events):
    config = runtime.connect_json("/connectors/product-customer-events/config")
    assert f"column.mask.hash.v2.SHA-256.with.salt.{SALT}" in config
    assert not any("{salt}" in key for key in config)
    log = runtime.connect.process.log.read_text(errors="replace")
    assert "column.mask.hash.v2.SHA-256.with.salt.****" in log  # Debezium printed the property, redacted
    assert SALT not in log


@pytest.mark.parametrize("tampering", ["config", "stack", "response-url"])
def test_a_request_the_deployed_template_does_not_make_is_refused_and_changes_nothing(runtime, customer_events,
                                                                                  monkeypatch, tampering):
    """Issue 30: an invoker strips the product's masks (or sends CloudFormation's event from another stack, or with
    a response URL outside CloudFormation's bucket). The reconciler refuses, the connector keeps its declared
    config, and the refusal is counted at once (RefusedRequests, whose alarm pages on its first datapoint)."""
    from tests.runtime.cloudformation import Context, event

    deployment, created = customer_events
    logical_id, properties, name = created[1]
    before = runtime.connect_json(f"/connectors/{name}/config")
    assert any(key.startswith("column.") for key in before)
    unmasked = {**properties, "Config": {k: v for k, v in properties["Config"].items() if not k.startswith("column.")}}
    request = event("Update", unmasked if tampering == "config" else properties, logical_id=logical_id,
                    physical_id=name, old_properties=properties)
    if tampering == "stack":
        request["StackId"] = request["StackId"].replace("Dev-Connect", "Attacker-Stack")
    if tampering == "response-url":
        request["ResponseURL"] = "https://attacker.example/collect"
    refusals = []
    monkeypatch.setattr(deployment.reconciler, "_count_refusal", lambda cloudwatch: refusals.append(1))
    deployment.reconciler.handler(request, Context(), cloudformation=deployment.cloudformation)
    answer = deployment.responses[-1]
    assert answer["Status"] == "FAILED", answer
    assert runtime.connect_json(f"/connectors/{name}/config") == before
    assert refusals == [1]
