"""Each stream watched, for real: the health monitor reads a Debezium connector's committed offsets from Connect and
reports the age of its newest change. With a heartbeat action query the age stays small; with the connector paused
(a stuck slot, as far as the stream is concerned) it grows while rows are written, and falls again on resume."""

from __future__ import annotations

import time

import pytest

from tests.runtime import harness
from tests.runtime.cloudformation import Context, ResponseServer, event
from tests.runtime_code.lambda_modules import load

reconciler = load("connector_reconciler")
health = load("connect_health")
connect_rest = load("connect_rest")
NAME = "ledger-cdc"  # prod's, on its own database (its credentials are the workers')


def _age(runtime) -> float | None:
    client = connect_rest.ConnectClient(runtime.connect_url, deadline=time.monotonic() + 30,
                                        credentials=(harness.REST_USERNAME, harness.REST_PASSWORD))
    return health.check(client, {}, time.time()).stream_age_seconds.get(NAME)


@pytest.fixture(scope="module")
def ledger(runtime):
    connector = next(c for e, c in runtime.connectors() if e == "prod" and c.name == NAME)
    # A heartbeat every 2 s instead of 10 s, so that the test waits seconds, not minutes.
    config = runtime.connector_config(connector, **{"heartbeat.interval.ms": "2000"})
    properties = {"ConnectUrl": runtime.connect_url, "ConnectorName": NAME, "Config": config,
                  "DesiredState": "running", "TimeoutSeconds": 120, "StableSeconds": 5}
    server = ResponseServer()
    reconciler.handler(event("Create", properties, response_url=server.url, logical_id="LedgerCdc"), Context())
    assert server.responses[-1]["Status"] == "SUCCESS", server.responses[-1]
    yield connector
    reconciler.handler(event("Delete", properties, response_url=server.url, logical_id="LedgerCdc",
                             physical_id=NAME), Context())
    runtime.postgres.sql(connector.database.name, "SELECT pg_drop_replication_slot(slot_name) FROM "
                                                  f"pg_replication_slots WHERE slot_name = '{connector.slot_name}' "
                                                  "AND NOT active")
    server.close()


def test_a_paused_streams_age_grows_while_rows_are_written_and_falls_on_resume(runtime, ledger):
    harness.wait_until(lambda: (_age(runtime) or 1e9) < 8, timeout=90,
                       what=f"{NAME} to commit a recent change (a heartbeat every 2 s)")
    client = connect_rest.ConnectClient(runtime.connect_url, deadline=time.monotonic() + 60,
                                        credentials=(harness.REST_USERNAME, harness.REST_PASSWORD))
    client.set_state(NAME, "paused")
    time.sleep(3)  # the last records in flight are committed
    first = _age(runtime)
    for i in range(5):
        runtime.postgres.sql(ledger.database.name, f"INSERT INTO public.postings (reference, amount) VALUES "
                                                   f"('age-{i}', {i})")
        time.sleep(2)
    second = _age(runtime)
    # Rows and heartbeats are written, nothing is committed: the figure the alarm watches rises with the clock.
    assert first is not None and second is not None and second >= first + 9, (first, second)
    client.set_state(NAME, "running")
    harness.wait_until(lambda: (_age(runtime) or 1e9) < 8, timeout=90, what=f"{NAME} to catch up after resuming")
