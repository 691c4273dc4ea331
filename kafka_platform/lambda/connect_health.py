"""Scheduled health check of a Kafka Connect cluster, with Strimzi-style automatic restarts.

Each run reads ``/connectors?expand=status``, publishes ``Connectors``, ``FailedConnectors``, ``FailedTasks``,
``RestartsRequested`` and ``CredentialsRefused`` (namespace ``KafkaPlatform/Connect``, dimension
``ConnectCluster``), and restarts what failed with a growing backoff, except what failed because the database refused
its credentials (a restart would only send more failed logins: that waits for a person, and its alarm pages): the n-th restart of a connector waits n*n + n minutes after the previous one (2, 6,
12, 20 ...), at most ``MAX_RESTARTS`` times, after which only the alarm speaks. A connector that has run cleanly for
``RESET_AFTER_SECONDS`` since its last restart starts afresh. Restart history persists in an SSM parameter.

Each run also compares every connector with what its stack's deployed template declares (``deployed.py``,
``connector_drift.py``) and puts drift back, but only while the stack is settled: during a deployment the reconciler
is changing the connectors. ``DriftedConnectors`` (connectors that differed from the template) pages at once: outside
a deployment nothing but a person, or a stolen credential, changes a connector. Pruning fails closed
(``PruneRefused`` pages).

Invoked with ``{"trigger": "deployment"}`` (an EventBridge rule on the Connect stack's ``CREATE_COMPLETE`` and
``UPDATE_COMPLETE``), it only prunes: every connector the deployed template does not declare is deleted when
``PRUNE_UNDECLARED`` is on.

Environment: ``CONNECT_URL``, ``CONNECT_CLUSTER``, ``RESTART_STATE_PARAMETER``, ``STACK_ID``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol

from connect_rest import ConnectClient, ConnectError, platform_client
from connector_drift import prune_after_deployment, prune_refusal, reconcile_drift
from declared import PolicyError
from deployed import SETTLED, DeployedStack, TemplateError, own_stack

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)
NAMESPACE = "KafkaPlatform/Connect"
MAX_RESTARTS = 7
RESET_AFTER_SECONDS = 600
CHECK_BUDGET_SECONDS = 45
# The input of the EventBridge rule that fires when the Connect stack finishes a deployment (the construct sets it).
DEPLOYMENT_TRIGGER = "deployment"
#: Secrets Manager's own event when a staging label moves to a new version: AWSCURRENT after a rotation's last step
#: or a new value (https://docs.aws.amazon.com/secretsmanager/latest/userguide/event-detail-secret-label-updated-secretsmanager.html).
SECRET_LABEL_UPDATED = "Secret Label Updated"
# Where the state keeps each stream's last committed position (connector names start with a letter).
STREAMS_KEY = "_streams"
# ... and the count of declared connectors with the stack's deployment time, at the last run (pruning fails closed).
DECLARED_KEY = "_declared"
# Offsets are read this many at a time: Connect reads each from its offsets topic (about 0.1-0.2 s each).
OFFSET_READERS = 8
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
    names: list[str] = field(default_factory=list)
    #: Per connector: ``{"StreamLagSeconds": s, "SecondsSinceLastEvent": s}``.
    streams: dict[str, dict[str, float]] = field(default_factory=dict)
    unwatched: list[str] = field(default_factory=list)
    #: None until drift was checked (the stack in a deployment, or its template unreadable): then nothing is
    #: published for it.
    drifted: list[str] | None = None
    corrected: list[str] = field(default_factory=list)
    #: Why pruning was refused this run (it pages), or None.
    prune_refused: str | None = None

    def metrics(self) -> dict[str, int]:
        return {"Connectors": self.connectors, "FailedConnectors": len(self.failed_connectors),
                "FailedTasks": len(self.failed_tasks), "RestartsRequested": len(self.restarted),
                "CredentialsRefused": len(self.credentials_refused), "StreamsUnwatched": len(self.unwatched),
                "PruneRefused": 0 if self.prune_refused is None else 1,
                **({} if self.drifted is None else {"DriftedConnectors": len(self.drifted)})}


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
        report.names.append(name)
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


def stream_position(offsets: list[dict[str, Any]] | None) -> tuple[int, float] | None:
    """``(lsn, commit time in seconds)`` of a Debezium PostgreSQL connector's committed offset, or None (no offset
    committed yet, or not such a connector)."""
    for entry in offsets or []:
        offset = entry.get("offset") or {}
        lsn, ts_usec = offset.get("lsn"), offset.get("ts_usec")
        if isinstance(lsn, int) and isinstance(ts_usec, (int, float)):
            return lsn, ts_usec / 1_000_000
    return None


def watch_streams(client: ConnectClient, names: list[str], state: dict[str, Any], now: float,
                  report: Report) -> None:
    """Each connector's stream figures into ``report``; ``state[STREAMS_KEY]`` keeps each position and since when
    it has not moved (connectors that are gone are forgotten)."""
    def read(name: str) -> tuple[str, Any]:
        try:
            return name, stream_position(client.offsets(name))
        except ConnectError as error:
            LOGGER.error("the offsets of %s could not be read: %s", name, error)
            return name, None

    with ThreadPoolExecutor(max_workers=OFFSET_READERS) as pool:
        positions = dict(pool.map(read, names))
    known = state.get(STREAMS_KEY, {})
    streams = {}
    for name in names:
        position = positions[name]
        if position is None:
            report.unwatched.append(name)
            continue
        lsn, committed_at = position
        previous = known.get(name)
        since = previous[1] if previous and previous[0] == lsn else now
        streams[name] = [lsn, since]
        report.streams[name] = {"StreamLagSeconds": max(0.0, round(now - committed_at, 1)),
                                "SecondsSinceLastEvent": round(now - since, 1)}
    state[STREAMS_KEY] = streams


def publish(cloudwatch: Any, cluster: str, report: Report) -> None:
    dimensions = [{"Name": "ConnectCluster", "Value": cluster}]
    data = [{"MetricName": name, "Dimensions": dimensions, "Value": value, "Unit": "Count"}
            for name, value in report.metrics().items()]
    for connector, figures in sorted(report.streams.items()):
        data += [{"MetricName": name, "Value": value, "Unit": "Seconds",
                  "Dimensions": [*dimensions, {"Name": "Connector", "Value": connector}]}
                 for name, value in figures.items()]
    for start in range(0, len(data), 1000):  # PutMetricData takes 1000 metrics a request
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data[start:start + 1000])


def _publish_refused_prune(cloudwatch: Any, cluster: str) -> None:
    """``PruneRefused`` alone (a deployment's run publishes nothing else): its alarm pages."""
    if cloudwatch is None:
        import boto3

        cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[{
        "MetricName": "PruneRefused", "Value": 1, "Unit": "Count",
        "Dimensions": [{"Name": "ConnectCluster", "Value": cluster}]}])


class ParameterStore:
    """Restart history as JSON in one SSM parameter (created by the stack with ``{}``)."""

    def __init__(self, name: str, ssm: Any):
        self.name: str = name
        self.ssm: Any = ssm

    def load(self) -> dict[str, Any]:
        return json.loads(self.ssm.get_parameter(Name=self.name)["Parameter"]["Value"] or "{}")

    def save(self, state: dict[str, Any]) -> None:
        # Each stream's position makes it ~45 characters a connector: past 4 KB (80 connectors) the parameter needs
        # the advanced tier, which Intelligent-Tiering chooses only then.
        self.ssm.put_parameter(Name=self.name, Value=json.dumps(state, sort_keys=True, separators=(",", ":")),
                               Overwrite=True, Tier="Intelligent-Tiering")


def handler(event: Any, context: Any, *, cloudwatch: Any = None, store: StateStore | None = None,
            clock: Callable[[], float] = time.time, stack: DeployedStack | None = None) -> dict[str, Any]:
    cluster = os.environ["CONNECT_CLUSTER"]
    url = os.environ["CONNECT_URL"]
    client = platform_client(url, deadline=time.monotonic() + CHECK_BUDGET_SECONDS)
    prune = os.environ.get("PRUNE_UNDECLARED", "false") == "true"
    if isinstance(event, Mapping) and event.get("detail-type") == SECRET_LABEL_UPDATED:
        return {"restarted_for_credentials": restart_for_new_credentials(client, stack or own_stack(), url, event,
                                                                         cloudwatch, cluster)}
    if isinstance(event, Mapping) and event.get("trigger") == DEPLOYMENT_TRIGGER:
        # The Connect stack finished a deployment: prune (only), as the deployment's own custom resource does when
        # a declaration changed; the scheduled run keeps the restart state and the metrics.
        if not prune:
            return {"pruned": []}
        stack = stack or own_stack()
        try:
            return {"pruned": prune_after_deployment(client, set(stack.connectors(url)))}
        except PolicyError as refusal:
            LOGGER.error("pruning refused: %s", refusal)
            _publish_refused_prune(cloudwatch, cluster)
            return {"pruned": [], "prune_refused": str(refusal)}
    if cloudwatch is None or store is None:
        import boto3

        cloudwatch = cloudwatch or boto3.client("cloudwatch")
        store = store or ParameterStore(os.environ["RESTART_STATE_PARAMETER"], boto3.client("ssm"))
    state = store.load()
    try:
        now = clock()
        report = check(client, state, now)
        watch_streams(client, report.names, state, now, report)
        _check_drift(client, stack, url, state, report, prune)
    except ConnectError as error:
        # An unreachable Connect cluster is what the "no running worker" alarm is for; say so and report nothing.
        LOGGER.error("Connect cluster %s could not be checked: %s", cluster, error)
        raise
    finally:
        store.save(state)  # restarts already asked for stay counted, whatever happened after them
    publish(cloudwatch, cluster, report)
    return {"metrics": report.metrics(), "restarted": report.restarted, "waiting": report.waiting,
            "drifted": report.drifted, "corrected": report.corrected, "streams": report.streams,
            "prune_refused": report.prune_refused}


def connectors_of_secret(declared: Mapping[str, Any], sources: Mapping[str, str], secret_arn: str) -> list[str]:
    """The declared connectors whose configuration reads a credential from ``secret_arn`` (``${env:<variable>}``,
    the variable's source that secret)."""
    variables = {variable for variable, arn in sources.items() if arn == secret_arn}
    return sorted(name for name, declaration in declared.items()
                  if any(f"${{env:{variable}}}" in str(value) for value in declaration.config.values()
                         for variable in variables))


def restart_for_new_credentials(client: ConnectClient, stack: DeployedStack, url: str, event: Mapping[str, Any],
                                cloudwatch: Any, cluster: str) -> list[str]:
    """A secret's current version changed (a rotation finished, or a new value was put): restart, once, exactly the
    connectors that read it, so each resolves the new value; the others are not touched. A connector that had
    failed with the old credentials starts again too."""
    detail = event.get("detail") or {}
    resources = event.get("resources") or []
    if detail.get("labelUpdated") != "AWSCURRENT" or len(resources) != 1:
        return []
    names = connectors_of_secret(stack.connectors(url), stack.credential_sources(), str(resources[0]))
    running = set(client.connectors())
    restarted = []
    for name in names:
        if name in running:
            client.restart_all(name)
            restarted.append(name)
    LOGGER.info("secret %s has a new current version: restarted %s", resources[0], restarted or "nothing")
    if cloudwatch is None:
        import boto3

        cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[{
        "MetricName": "CredentialRestarts", "Value": len(restarted), "Unit": "Count",
        "Dimensions": [{"Name": "ConnectCluster", "Value": cluster}]}])
    return restarted


def _check_drift(client: ConnectClient, stack: DeployedStack | None, url: str, state: dict[str, Any],
                 report: Report, prune: bool) -> None:
    """Drift against the deployed template, once the stack is settled; prune only where it may (fails closed)."""
    try:
        stack = stack or own_stack()
        status = stack.status()
        if status not in SETTLED:
            LOGGER.info("stack %s is %s: drift is checked once it settles", stack.stack_id, status)
            return
        declared = stack.connectors(url)
        deployed = stack.last_deployed()
        previous = state.get(DECLARED_KEY)
        # Connect's list of names, not the statuses counted above: a connector whose status is not written yet (just
        # created, or its status record lost) is still one pruning would delete.
        refusal = prune_refusal(len(declared), len(client.connectors()), tuple(previous) if previous else None,
                                deployed) if prune else None
        if refusal is not None:
            LOGGER.error("pruning refused: %s", refusal)
            report.prune_refused = refusal
        drifted, report.corrected = reconcile_drift(
            client, {name: d.as_dict() for name, d in declared.items()},
            correct_drift=os.environ.get("CORRECT_DRIFT", "true") == "true", prune=prune and refusal is None)
        report.drifted = [d.connector for d in drifted]
        if refusal is None:
            state[DECLARED_KEY] = [len(declared), deployed]
    except (TemplateError, PolicyError) as error:
        LOGGER.error("drift could not be checked (nothing is published for it): %s", error)
    except ConnectError:
        raise
    except Exception as error:  # noqa: BLE001 - CloudFormation unreadable: the rest is still published
        LOGGER.error("drift could not be checked (nothing is published for it): %s: %s",
                     type(error).__name__, error)
