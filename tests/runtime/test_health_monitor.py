"""The health monitor against real Kafka Connect: it sees a failed task and restarts it; it sees a stream that stops
while Connect says nothing failed, and puts a connector paused through the REST API back as declared."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import replace

from kafka_platform.domain.debezium import Milliseconds, env_prefix

from tests.runtime import harness
from tests.runtime_code.lambda_modules import load
from tests.runtime_code.memory_stores import MemoryState, RecordingCloudWatch

health = load("connect_health")
connect_rest = load("connect_rest")


def status(runtime, name):
    """The connector's status; no tasks yet while Connect has not written its first status (404 just after a POST)."""
    try:
        request = harness.rest_request(f"{runtime.connect_url}/connectors/{name}/status")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local Connect worker
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
        return {"tasks": []}


def _wait_for_failed_task(runtime, name, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        failed = [t for t in status(runtime, name)["tasks"] if t["state"] == "FAILED"]
        if failed:
            return failed[0]
        time.sleep(1)
    raise AssertionError(f"{name}'s task did not fail within {timeout} s: {status(runtime, name)}")


def test_a_failed_task_is_seen_counted_and_restarted(runtime, monkeypatch, deployment):
    """Two connectors on one replication slot: the second cannot take the slot and its task fails (the
    configuration validation forbids nothing here; the database does). The monitor counts it and restarts it."""
    _, connector = next((e, c) for e, c in runtime.connectors() if e == "staging")
    # errors.max.retries=0: Debezium would otherwise retry a busy slot for ever while its task reports RUNNING.
    base = runtime.connector_config(connector, **{"slot.name": "health_shared", "slot.max.retries": "1",
                                                  "slot.retry.delay.ms": "500", "errors.max.retries": "0"})
    first = {**base, "topic.prefix": "health.first"}
    second = {**base, "topic.prefix": "health.second"}
    properties = {"ConnectUrl": runtime.connect_url, "ConnectorName": "health-first",
                  "Config": runtime.own_credentials("health-first", first),
                  "DesiredState": "running", "TimeoutSeconds": 90, "StableSeconds": 10}
    created = deployment.send("Create", properties, logical_id="HealthFirst")
    assert created["Status"] == "SUCCESS", created
    # The second connector goes to Connect directly, as one changed through the REST API would: the reconciler would
    # remove a connector that fails while it is being created, and the health monitor watches whatever runs.
    _post_connector(runtime, "health-second", runtime.own_credentials("health-second", second))
    # The second task snapshots first and only then finds the slot taken; wait for that, however long it takes.
    started = time.monotonic()
    failed = _wait_for_failed_task(runtime, "health-second")
    print(f"health-second failed {time.monotonic() - started:.0f} s after it was created")
    assert "health_shared" in failed["trace"]  # Connect's trace names the busy slot

    published, state = [], {}

    class CloudWatch:
        def put_metric_data(self, **request):
            published.append({m["MetricName"]: m["Value"] for m in request["MetricData"]})

    class Store:
        def load(self):
            return state

        def save(self, new_state):
            state.update(new_state)

    monkeypatch.setenv("CONNECT_URL", runtime.connect_url)
    monkeypatch.setenv("CONNECT_CLUSTER", "runtime-cdc")
    result = health.handler({}, None, cloudwatch=CloudWatch(), store=Store(), clock=time.time,
                            stack=deployment.settled())
    assert published[-1]["FailedTasks"] >= 1
    assert "health-second" in result["restarted"]
    assert state["health-second"]["restarts"] == 1
    # The restarted task fails again once it finds the slot taken; until then Connect shows it restarting, and a
    # monitor run in between sees nothing to restart or to hold back (the race a loaded CI machine once hit).
    _wait_for_failed_task(runtime, "health-second")
    again = health.handler({}, None, cloudwatch=CloudWatch(), store=Store(), clock=time.time,
                           stack=deployment.settled())
    assert "health-second" in again["waiting"]  # the next restart waits for its backoff

    client = connect_rest.platform_client(runtime.connect_url, deadline=time.monotonic() + 60)
    for name in ("health-second", "health-first"):
        client.delete(name)


def _post_connector(runtime, name, config):
    """POST it once the worker is ready (a worker still joining after the previous test answers 404)."""
    client = connect_rest.platform_client(runtime.connect_url, deadline=time.monotonic() + 120)
    client.wait_until_ready()
    client.request("POST", "/connectors", body={"name": name, "config": config})


def test_a_paused_stream_is_seen_growing_while_rows_wait_and_is_put_back(runtime, monkeypatch, deployment):
    """The shipped connector, its heartbeat table in its publication (2 s heartbeats here): its committed position
    moves while the database is quiet. Paused through the REST API while rows are written, the stream's lag and its
    time since the last event grow, by the database's clock and the monitor's; the monitor then finds the drift
    (declared running) and resumes it, and the stream moves again."""
    _, connector = next((e, c) for e, c in runtime.connectors() if e == "staging")
    spec = replace(connector.spec(), name="stream-watch", slot_name="stream_watch", publication_name="stream_watch",
                   topic_prefix="stream.watch", credentials_env_prefix=env_prefix("stream-watch"),
                   heartbeat_interval=Milliseconds(2000))
    assert spec.watched and "public.debezium_heartbeat" in spec.config()["table.include.list"]
    client = connect_rest.platform_client(runtime.connect_url, deadline=time.monotonic() + 240)
    created = deployment.send("Create", {"ConnectUrl": runtime.connect_url, "ConnectorName": spec.name,
                                         "Config": runtime.spec_config(spec), "DesiredState": "running",
                                         "TimeoutSeconds": 120, "StableSeconds": 2}, logical_id="StreamWatch")
    assert created["Status"] == "SUCCESS", created
    assert deployment.settled().connectors(runtime.connect_url)[spec.name].state == "running"
    state: dict = {}

    def figures():
        report = health.Report()
        health.watch_streams(client, [spec.name], state, time.time(), report)
        return report.streams.get(spec.name)

    # Quiet database, moving stream: the heartbeats alone commit new positions.
    harness.wait_until(lambda: (f := figures()) and f["StreamLagSeconds"] < 6, timeout=60, what="a moving stream")
    harness.wait_until(lambda: figures()["SecondsSinceLastEvent"] == 0, timeout=30, what="a new position")

    client.set_state(spec.name, "paused")  # by hand, through the REST API
    harness.wait_until(lambda: status(runtime, spec.name)["connector"]["state"] == "PAUSED", timeout=30,
                       what="the pause")
    database = connector.database.name
    table = connector.tables[0]
    before = figures()
    for i in range(4):
        runtime.postgres.sql(database, f"INSERT INTO {table} (reference, amount) VALUES ('waiting-{i}', {i})")
        time.sleep(1.25)
    after = figures()
    print(f"paused: {before} -> {after}")
    # More than 2 heartbeat intervals without a move (a running stream moves every 2 s)
    assert after["SecondsSinceLastEvent"] >= before["SecondsSinceLastEvent"] + 4.5
    assert after["StreamLagSeconds"] >= before["StreamLagSeconds"] + 4.5 and after["StreamLagSeconds"] > 6
    assert [t["state"] for t in status(runtime, spec.name)["tasks"]] == ["PAUSED"]  # nothing FAILED

    cloudwatch = RecordingCloudWatch()
    monkeypatch.setenv("CONNECT_URL", runtime.connect_url)
    monkeypatch.setenv("CONNECT_CLUSTER", "runtime-cdc")
    monkeypatch.setenv("CORRECT_DRIFT", "true")
    result = health.handler({}, None, cloudwatch=cloudwatch, store=MemoryState(state), clock=time.time,
                            stack=deployment.settled())
    assert spec.name in result["drifted"] and spec.name in result["corrected"]
    lag = [m for m in cloudwatch.metric_data if m["MetricName"] == "StreamLagSeconds"
           and {"Name": "Connector", "Value": spec.name} in m["Dimensions"]]
    assert lag and lag[0]["Value"] > 6
    harness.wait_until(lambda: (f := figures()) and f["SecondsSinceLastEvent"] == 0 and f["StreamLagSeconds"] < 6,
                       timeout=60, what="the stream moving again")
    client.delete(spec.name)
