"""Custom resources that keep Kafka Connect's connectors equal to their declaration, as Strimzi's operator does.

``Custom::KafkaConnector`` (properties ``ConnectUrl``, ``ConnectorName``, ``Config``, ``DesiredState`` running |
paused | stopped, ``TimeoutSeconds``, ``StableSeconds``):

* Create / Update: read the connector; create it if absent (in its desired state), PUT its config only when it
  differs; move it to the desired state; wait until the connector and every task have held it for
  ``StableSeconds`` (a Debezium task reports RUNNING before it has taken its replication slot, and may fail
  seconds later). A connector or task that FAILS fails the deployment with Connect's own trace (secrets redacted).
  Retries 409 (rebalance) and 5xx with backoff, always within ``TimeoutSeconds``.
* Delete: delete the connector; one that is already gone is fine.

``Custom::KafkaConnectorPrune`` (``ConnectUrl``, ``DeclaredConnectors``): on Create / Update deletes every connector
that is not declared. Attributes: ``Deleted`` (comma-separated).
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Mapping

from connect_rest import ConnectClient, ConnectError, redact_config, redact_text
from custom_resource import Outcome, respond

LOGGER = logging.getLogger()
DEFAULT_TIMEOUT_SECONDS = 600
DEFAULT_STABLE_SECONDS = 15
# Lambda must answer CloudFormation before it is killed: keep this much of its time for the response.
RESPONSE_MARGIN_SECONDS = 20
POLL_SECONDS = 2.0
_TARGET = {"running": "RUNNING", "paused": "PAUSED", "stopped": "STOPPED"}


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    properties = event["ResourceProperties"]
    budget = float(properties.get("TimeoutSeconds", DEFAULT_TIMEOUT_SECONDS))
    if context is not None:
        budget = min(budget, context.get_remaining_time_in_millis() / 1000 - RESPONSE_MARGIN_SECONDS)
    client = ConnectClient(properties["ConnectUrl"], deadline=time.monotonic() + budget)
    operation = prune if event["ResourceType"] == "Custom::KafkaConnectorPrune" else reconcile
    return respond(event, lambda e: operation(e, client))


def reconcile(event: Mapping[str, Any], client: ConnectClient, sleep: Callable[[float], None] = time.sleep) -> Outcome:
    properties = event["ResourceProperties"]
    if event["RequestType"] == "Delete":
        name = event["PhysicalResourceId"]
        if name.startswith("failed-"):  # the create failed before the connector existed
            return Outcome(name)
        client.wait_until_ready()
        deleted = client.delete(name)
        LOGGER.info("connector %s %s", name, "deleted" if deleted else "was already gone")
        return Outcome(name, {"Action": "deleted" if deleted else "absent"})

    name = properties["ConnectorName"]
    desired = {key: str(value) for key, value in properties["Config"].items()}
    state = properties.get("DesiredState", "running")
    client.wait_until_ready()
    current = client.connector_config(name)
    if current is None:
        try:
            client.request("POST", "/connectors", body={"name": name, "config": desired,
                                                        "initial_state": _TARGET[state]})
            action = "created"
        except ConnectError as error:
            if error.status != 409:
                raise
            # Another worker knew it after all (a view that was behind): update it instead.
            client.put_config(name, desired)
            action = "updated"
    elif _differs(current, desired):
        client.put_config(name, desired)
        action = "updated"
    else:
        action = "unchanged"
    LOGGER.info("connector %s %s: %s", name, action, redact_config(desired))
    wait_for_state(client, name, state, sleep=sleep,
                   stable_seconds=float(properties.get("StableSeconds", DEFAULT_STABLE_SECONDS)))
    return Outcome(name, {"Action": action, "State": _TARGET[state]})


def prune(event: Mapping[str, Any], client: ConnectClient) -> Outcome:
    physical = event.get("PhysicalResourceId") or f"prune-{event['LogicalResourceId']}"
    if event["RequestType"] == "Delete":
        return Outcome(physical)
    declared = set(event["ResourceProperties"]["DeclaredConnectors"])
    client.wait_until_ready()
    removed = sorted(name for name in client.connectors() if name not in declared)
    for name in removed:
        client.delete(name)
        LOGGER.info("connector %s is not declared: deleted", name)
    return Outcome(physical, {"Deleted": ",".join(removed)})


def wait_for_state(client: ConnectClient, name: str, state: str, sleep: Callable[[float], None] = time.sleep,
                   stable_seconds: float = DEFAULT_STABLE_SECONDS) -> dict[str, Any]:
    """Until the connector and its tasks have been in ``state`` for ``stable_seconds``; raises with Connect's trace
    when one FAILED."""
    target = _TARGET[state]
    asked = False
    last: dict[str, Any] | None = None
    reached_at: float | None = None
    while client.remaining() > 0:
        last = client.status(name)
        if last is not None:
            connector = last["connector"]["state"]
            tasks = last.get("tasks", [])
            failure = _failure(last)
            if failure and target != "STOPPED":
                raise ConnectError(f"connector {name} failed: {failure}")
            if connector != target and not asked and connector in ("RUNNING", "PAUSED", "STOPPED"):
                client.set_state(name, state)
                asked = True
            if connector == target and _tasks_settled(tasks, target):
                reached_at = client.clock() if reached_at is None else reached_at
                if client.clock() - reached_at >= stable_seconds:
                    return last
            else:
                reached_at = None
        sleep(min(POLL_SECONDS, max(0.0, client.remaining())))
    raise ConnectError(f"connector {name} did not reach {target} within the time allowed; last status: "
                       f"{_summary(last)}")


def _tasks_settled(tasks: list[dict[str, Any]], target: str) -> bool:
    if target == "STOPPED":
        return True  # a stopped connector has no tasks
    return bool(tasks) and all(task["state"] == target for task in tasks)


def _failure(status: dict[str, Any]) -> str | None:
    if status["connector"]["state"] == "FAILED":
        return _first_lines(status["connector"].get("trace", "connector FAILED"))
    for task in status.get("tasks", []):
        if task["state"] == "FAILED":
            return f"task {task['id']}: {_first_lines(task.get('trace', 'FAILED'))}"
    return None


def _first_lines(trace: str, lines: int = 12) -> str:
    return redact_text("\n".join(trace.strip().splitlines()[:lines]))


def _summary(status: dict[str, Any] | None) -> str:
    if status is None:
        return "Connect does not report the connector yet"
    tasks = ", ".join(f"task {t['id']} {t['state']}" for t in status.get("tasks", [])) or "no tasks"
    return f"connector {status['connector']['state']}, {tasks}"


def _differs(current: Mapping[str, Any], desired: Mapping[str, str]) -> bool:
    actual = {key: str(value) for key, value in current.items() if key != "name"}
    wanted = {key: value for key, value in desired.items() if key != "name"}
    return actual != wanted
