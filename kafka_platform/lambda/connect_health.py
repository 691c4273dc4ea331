"""Scheduled health check of a Kafka Connect cluster, with Strimzi-style automatic restarts.

Each run reads ``/connectors?expand=status``, publishes ``Connectors``, ``FailedConnectors``, ``FailedTasks``,
``RestartsRequested`` and ``CredentialsRefused`` (namespace ``KafkaPlatform/Connect``, dimension
``ConnectCluster``), and restarts what failed with a growing backoff, except what failed because the database refused
its credentials (a restart would only send more failed logins: that waits for a person, and its alarm pages): the n-th restart of a connector waits n*n + n minutes after the previous one (2, 6,
12, 20 ...), at most ``MAX_RESTARTS`` times, after which only the alarm speaks. A connector that has run cleanly for
``RESET_AFTER_SECONDS`` since its last restart starts afresh. Restart history persists in an SSM parameter.

Environment: ``CONNECT_URL``, ``CONNECT_CLUSTER``, ``RESTART_STATE_PARAMETER``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from connect_rest import ConnectClient, ConnectError, rest_credentials

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)
NAMESPACE = "KafkaPlatform/Connect"
MAX_RESTARTS = 7
RESET_AFTER_SECONDS = 600
CHECK_BUDGET_SECONDS = 45
# What PostgreSQL (through the JDBC driver) says when it refuses a login, in a failed connector's or task's trace.
_CREDENTIAL_MARKERS = ("password authentication failed", "no pg_hba.conf entry", "authentication failed for user",
                       "invalid authorization specification")


class StateStore(Protocol):
    def load(self) -> dict[str, Any]: ...

    def save(self, state: dict[str, Any]) -> None: ...


@dataclass
class Report:
    connectors: int = 0
    failed_connectors: list[str] = field(default_factory=list)
    failed_tasks: list[str] = field(default_factory=list)
    restarted: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    credentials_refused: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, int]:
        return {"Connectors": self.connectors, "FailedConnectors": len(self.failed_connectors),
                "FailedTasks": len(self.failed_tasks), "RestartsRequested": len(self.restarted),
                "CredentialsRefused": len(self.credentials_refused)}


def restart_delay_seconds(restarts_so_far: int) -> int:
    """Before the first restart: none. Before the (n+1)-th: (n*n + n) minutes, like Strimzi's auto-restart."""
    return (restarts_so_far * restarts_so_far + restarts_so_far) * 60


def credentials_refused(status: dict[str, Any]) -> bool:
    """Whether the connector or a task failed because the database refused its credentials: restarting would only
    send the database more failed logins (and may lock the account), so such a failure waits for a person."""
    traces = [status["connector"].get("trace", "")] + [t.get("trace", "") for t in status.get("tasks", [])]
    return any(marker in trace.lower() for trace in traces for marker in _CREDENTIAL_MARKERS)


def check(client: ConnectClient, state: dict[str, Any], now: float) -> Report:
    """Read every connector's status, restart what is due; ``state`` (restart history) is updated in place, each
    restart recorded before it is asked for, so that a restart call that fails still counts (and backs off)."""
    report = Report()
    client.wait_until_ready()
    for name, entry in sorted(client.statuses().items()):
        status = entry["status"]
        report.connectors += 1
        failed_tasks = [task["id"] for task in status.get("tasks", []) if task["state"] == "FAILED"]
        connector_failed = status["connector"]["state"] == "FAILED"
        if connector_failed:
            report.failed_connectors.append(name)
        report.failed_tasks += [f"{name}/{task}" for task in failed_tasks]
        history = state.get(name, {"restarts": 0, "last": 0.0})
        if not connector_failed and not failed_tasks:
            if name in state and now - history["last"] >= RESET_AFTER_SECONDS:
                del state[name]
            continue
        if credentials_refused(status):
            report.credentials_refused.append(name)
            continue
        if history["restarts"] >= MAX_RESTARTS or now - history["last"] < restart_delay_seconds(history["restarts"]):
            report.waiting.append(name)
            continue
        state[name] = {"restarts": history["restarts"] + 1, "last": now}
        try:
            if connector_failed:
                client.restart_connector(name)  # includeTasks=true&onlyFailed=true
            else:
                for task in failed_tasks:
                    client.restart_task(name, task)
        except ConnectError as error:
            LOGGER.error("restarting %s failed (restart %d, counted): %s", name, state[name]["restarts"], error)
            report.waiting.append(name)
            continue
        report.restarted.append(name)
        LOGGER.info("restarted %s (restart %d)", name, state[name]["restarts"])
    return report


def publish(cloudwatch: Any, cluster: str, report: Report) -> None:
    dimensions = [{"Name": "ConnectCluster", "Value": cluster}]
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[
        {"MetricName": name, "Dimensions": dimensions, "Value": value, "Unit": "Count"}
        for name, value in report.metrics().items()])


class ParameterStore:
    """Restart history as JSON in one SSM parameter (created by the stack with ``{}``)."""

    def __init__(self, name: str, ssm: Any):
        self.name: str = name
        self.ssm: Any = ssm

    def load(self) -> dict[str, Any]:
        return json.loads(self.ssm.get_parameter(Name=self.name)["Parameter"]["Value"] or "{}")

    def save(self, state: dict[str, Any]) -> None:
        self.ssm.put_parameter(Name=self.name, Value=json.dumps(state, sort_keys=True), Overwrite=True)


def handler(event: Any, context: Any, *, cloudwatch: Any = None, store: StateStore | None = None,
            clock: Callable[[], float] = time.time) -> dict[str, Any]:
    if cloudwatch is None or store is None:
        import boto3

        cloudwatch = cloudwatch or boto3.client("cloudwatch")
        store = store or ParameterStore(os.environ["RESTART_STATE_PARAMETER"], boto3.client("ssm"))
    cluster = os.environ["CONNECT_CLUSTER"]
    client = ConnectClient(os.environ["CONNECT_URL"], deadline=time.monotonic() + CHECK_BUDGET_SECONDS,
                           credentials=rest_credentials())
    state = store.load()
    try:
        report = check(client, state, clock())
    except ConnectError as error:
        # An unreachable Connect cluster is what the "no running worker" alarm is for; say so and report nothing.
        LOGGER.error("Connect cluster %s could not be checked: %s", cluster, error)
        raise
    finally:
        store.save(state)  # restarts already asked for stay counted, whatever happened after them
    publish(cloudwatch, cluster, report)
    return {"metrics": report.metrics(), "restarted": report.restarted, "waiting": report.waiting}
