"""Custom resources that keep Kafka Connect's connectors equal to their declaration, as Strimzi's operator does.

``Custom::KafkaConnector`` (properties ``ConnectUrl``, ``ConnectorName``, ``Config``, ``DesiredState`` running |
paused | stopped, ``SlotOnDelete``, ``DeclaredDigest``, ``TimeoutSeconds``, ``StableSeconds``, and for a data product
that hashes ``HashSaltSecretArn``):

* Create / Update: read the connector; create it if absent (in its desired state), PUT its config only when it
  differs; move it to the desired state; wait until the connector and every task have held it for
  ``StableSeconds`` (a Debezium task reports RUNNING before it has taken its replication slot, and may fail
  seconds later). A connector or task that FAILS fails the deployment with Connect's own trace (secrets redacted).
  Retries 409 (rebalance) and 5xx with backoff, always within ``TimeoutSeconds``. Another connector on the same
  replication slot that the template no longer declares (the connector's old name, after a rename) is deleted first,
  its slot kept: one slot, one connector.
* Delete: delete the connector (and its slot, for ``SlotOnDelete: drop``); one that is already gone is fine. When
  the whole stack is being deleted, the connector, its offsets and its slot stay: the data lives in Kafka and in the
  slot, not in the custom resource, and a stack created again resumes from them.

Only CloudFormation drives it, for its own stack (``STACK_ID``, set when it is deployed): a request must name that
stack, answer to CloudFormation's custom-resource response bucket, and ask for exactly what the stack's deployed
template declares for that resource (its ``DeclaredDigest``, ``deployed.py``); a Delete is accepted only while
CloudFormation removes resources (cleanup, rollback) or deletes the stack. Anything else is refused, changes nothing,
and is counted (``RefusedRequests``, which pages). It acts only on its own Connect cluster (``CONNECT_URL``), and
refuses a config that refers to any credentials but its connector's own.

A data product's hashing salt never appears in a template: its config names it ``{salt}``, and the reconciler puts
the secret's value there as it writes the config (the salt then lives in Connect's config topic, which only the
workers read, and behind the REST API's credentials; what it logs and reports shows ``****``).

``Custom::KafkaConnectorPrune`` (``ConnectUrl``, ``DeclaredConnectors``, ``DeclaredDigest``): on Create / Update
deletes every connector the template does not declare. ``DeclaredDigest`` changes with any connector's declaration,
so it runs on every deployment that changes a connector (and the health monitor prunes after every deployment).
Attributes: ``Deleted`` (comma-separated).
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any, Callable, Mapping

from connect_rest import ConnectClient, ConnectError, platform_client, redact_config, redact_text
from custom_resource import Outcome, respond
from declaration import declaration_digest
from declared import SALT_PLACEHOLDER, PolicyError, credential_problems, differs, resolved, with_salt
from deployed import (CONNECTOR_TYPE, DELETING_RESOURCES, PRUNE_TYPE, STACK_DELETION, DeployedStack, TemplateError,
                      own_stack)

__all__ = ["SALT_PLACEHOLDER", "PolicyError", "check_origin", "credential_problems", "handler", "own_connect_url",
           "prune", "reconcile", "wait_for_state", "with_salt"]

LOGGER = logging.getLogger()
DEFAULT_TIMEOUT_SECONDS = 600
DEFAULT_STABLE_SECONDS = 15
# Lambda must answer CloudFormation before it is killed: keep this much of its time for the response.
RESPONSE_MARGIN_SECONDS = 20
# ... and this much more to remove a connector that a failed request created (the budget may be spent by then).
CLEANUP_SECONDS = 15
POLL_SECONDS = 2.0
_TARGET = {"running": "RUNNING", "paused": "PAUSED", "stopped": "STOPPED"}


# CloudFormation's pre-signed response URLs point at its regional custom-resource response bucket, named after the
# region without its hyphens (https://cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com/...:
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html). A caller can write such a
# URL too: the check keeps out requests that do not even pretend; the template check below is what holds.
RESPONSE_URL = re.compile(r"^https://cloudformation-custom-resource-response-{compact}\.s3(?:[.-]{region})?"
                          r"\.amazonaws\.com(?:\.cn)?/")
NAMESPACE = "KafkaPlatform/Connect"


def handler(event: Mapping[str, Any], context: Any, *, cloudformation: Any = None,
            cloudwatch: Any = None) -> dict[str, Any]:
    """Every path answers CloudFormation, a malformed event included (``respond`` turns any error into FAILED); a
    refused request is counted before it is answered."""
    return respond(event, lambda e: _refusals_counted(e, context, cloudformation, cloudwatch))


def _refusals_counted(event: Mapping[str, Any], context: Any, cloudformation: Any, cloudwatch: Any) -> Outcome:
    try:
        return _operate(event, context, cloudformation)
    except (PolicyError, TemplateError) as error:
        LOGGER.error("refused: %s", error)
        _count_refusal(cloudwatch)
        raise


def _count_refusal(cloudwatch: Any) -> None:
    """``RefusedRequests`` for this Connect cluster: its alarm pages on the first."""
    cluster = os.environ.get("CONNECT_CLUSTER")
    if not cluster:
        return
    try:
        if cloudwatch is None:
            import boto3

            cloudwatch = boto3.client("cloudwatch")
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[{
            "MetricName": "RefusedRequests", "Value": 1, "Unit": "Count",
            "Dimensions": [{"Name": "ConnectCluster", "Value": cluster}]}])
    except Exception as error:  # noqa: BLE001 - the refusal itself must still reach CloudFormation
        LOGGER.error("the refusal could not be counted: %s: %s", type(error).__name__, error)


def check_origin(event: Mapping[str, Any]) -> None:
    """The request names this function's own stack and answers to CloudFormation's response bucket."""
    stack_id = os.environ.get("STACK_ID")
    if not stack_id:
        raise PolicyError("STACK_ID is not set: this function reconciles no stack's connectors")
    if event.get("StackId") != stack_id:
        raise PolicyError(f"StackId {event.get('StackId')!r} is not this reconciler's stack ({stack_id})")
    region = os.environ.get("AWS_REGION", "")
    pattern = RESPONSE_URL.pattern.format(compact=region.replace("-", ""), region=re.escape(region))
    if not re.match(pattern, str(event.get("ResponseURL", ""))):
        raise PolicyError("ResponseURL is not CloudFormation's custom-resource response bucket in " + region)


def _operate(event: Mapping[str, Any], context: Any, cloudformation: Any = None) -> Outcome:
    properties = event["ResourceProperties"]
    check_origin(event)
    if event.get("RequestType") == "Delete" and properties.get("ConnectUrl") != os.environ.get("CONNECT_URL"):
        # A connector of another Connect cluster (renamed, or never this function's) is not this function's to
        # delete; refusing would leave the stack unable to delete the resource.
        LOGGER.warning("Delete of %s on %s, which is not this reconciler's Connect cluster: nothing to do",
                       event.get("PhysicalResourceId"), properties.get("ConnectUrl"))
        return Outcome(event.get("PhysicalResourceId") or f"absent-{event.get('RequestId', 'unknown')}",
                       {"Action": "not-ours"})
    url = own_connect_url(properties.get("ConnectUrl"))
    resource_type = event.get("ResourceType")
    if resource_type not in (CONNECTOR_TYPE, PRUNE_TYPE):
        raise PolicyError(f"resource type {resource_type!r} is not one this function reconciles "
                          f"({CONNECTOR_TYPE}, {PRUNE_TYPE})")
    stack = own_stack(cloudformation)
    if event["RequestType"] == "Delete":
        status = stack.status()
        if status == STACK_DELETION:
            LOGGER.info("stack %s is being deleted: %s keeps its connector, offsets and slot", stack.stack_id,
                        event.get("LogicalResourceId"))
            return Outcome(event.get("PhysicalResourceId") or f"absent-{event.get('RequestId', 'unknown')}",
                           {"Action": "kept with the stack"})
        if status not in DELETING_RESOURCES:
            raise PolicyError(f"a Delete of {event.get('LogicalResourceId')} while the stack is {status}: "
                              "CloudFormation deletes resources only while it removes or rolls them back")
    else:
        _check_declared(event, stack)
    budget = _seconds(properties.get("TimeoutSeconds", DEFAULT_TIMEOUT_SECONDS), "TimeoutSeconds")
    if context is not None:
        budget = min(budget, context.get_remaining_time_in_millis() / 1000 - RESPONSE_MARGIN_SECONDS
                     - CLEANUP_SECONDS)
    client = platform_client(url, deadline=time.monotonic() + budget)
    declared = set(stack.connectors(url)) if event["RequestType"] != "Delete" else set()
    if resource_type == PRUNE_TYPE:
        return prune(event, client, declared)
    return reconcile(event, client, declared=declared)


def _check_declared(event: Mapping[str, Any], stack: DeployedStack) -> None:
    """A Create or Update must ask for what the deployed template declares for that resource."""
    logical_id = str(event.get("LogicalResourceId"))
    resource = stack.resource(logical_id)
    if resource is None or resource.get("Type") != event.get("ResourceType"):
        raise PolicyError(f"the deployed template declares no {event.get('ResourceType')} {logical_id}")
    declared = resource.get("Properties", {})
    properties = event["ResourceProperties"]
    if event.get("ResourceType") == PRUNE_TYPE:
        if list(map(str, properties.get("DeclaredConnectors", []))) != list(map(str, declared.get(
                "DeclaredConnectors", []))):
            raise PolicyError(f"{logical_id}: DeclaredConnectors differ from the deployed template's")
        return
    digest = declaration_digest(properties["ConnectorName"], properties["Config"],
                                properties.get("DesiredState", "running"), properties.get("SlotOnDelete", "retain"))
    if declared.get("DeclaredDigest") != digest or properties.get("DeclaredDigest") != digest:
        raise PolicyError(f"{logical_id}: the request is not what the deployed template declares for it (its digest "
                          "differs)")


def own_connect_url(requested: Any) -> str:
    """The reconciler acts on its own Connect cluster only (``CONNECT_URL``, set when it is deployed), whatever a
    caller puts in the event: a principal that may invoke it cannot point it at another cluster or host."""
    own = os.environ.get("CONNECT_URL")
    if not own:
        raise PolicyError("CONNECT_URL is not set: this function reconciles no Connect cluster")
    if requested != own:
        raise PolicyError(f"ConnectUrl {requested!r} is not this reconciler's Connect cluster ({own})")
    return own


def _seconds(value: Any, name: str, *, least: float = 1) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise PolicyError(f"{name} {value!r} is not a number of seconds") from None
    if not least <= seconds <= 900:
        raise PolicyError(f"{name} {value!r} is outside {least:g}-900 seconds")
    return seconds


def reconcile(event: Mapping[str, Any], client: ConnectClient, sleep: Callable[[float], None] = time.sleep,
              declared: set[str] | None = None) -> Outcome:
    """``declared``: the names the deployed template declares on this Connect cluster; another connector on this one's
    replication slot that is not among them (its old name, after a rename) is deleted before this one is created."""
    properties = event["ResourceProperties"]
    if event["RequestType"] == "Delete":
        name = event["PhysicalResourceId"]
        if name.startswith("failed-"):  # the create failed before the connector existed
            return Outcome(name)
        client.wait_until_ready()
        data = {}
        if properties.get("SlotOnDelete") == "drop":
            stable = _seconds(properties.get("StableSeconds", DEFAULT_STABLE_SECONDS), "StableSeconds", least=0)
            data["Slot"] = _prepare_slot_drop(client, name, sleep, stable)
        deleted = client.delete(name)
        LOGGER.info("connector %s %s", name, "deleted" if deleted else "was already gone")
        return Outcome(name, {"Action": "deleted" if deleted else "absent", **data})

    name = properties["ConnectorName"]
    desired = {key: str(value) for key, value in properties["Config"].items()}
    salt_secret = properties.get("HashSaltSecretArn")
    # Sent and compared with the salt; logged and reported with the placeholder only.
    wanted = resolved(name, desired, salt_secret)
    state = properties.get("DesiredState", "running")
    stable_seconds = _seconds(properties.get("StableSeconds", DEFAULT_STABLE_SECONDS), "StableSeconds", least=0)
    client.wait_until_ready()
    current = client.connector_config(name)
    replaced = _take_over_slot(client, name, desired, declared) if current is None and declared is not None else []
    action = "unchanged"
    try:
        if current is None:
            try:
                client.create(name, wanted, state)
                action = "created"
            except ConnectError as error:
                if error.status != 409:
                    raise
                # Another worker knew it after all (a view that was behind): update it instead.
                client.put_config(name, wanted)
                action = "updated"
        elif differs(current, wanted):
            client.put_config(name, wanted)
            action = "updated"
        LOGGER.info("connector %s %s: %s", name, action, redact_config(desired))
        wait_for_state(client, name, state, sleep=sleep, stable_seconds=stable_seconds)
    except Exception:
        if current is None and action == "created":
            # A failed Create answers a physical id CloudFormation's rollback cannot delete, and a failed rename
            # keeps the old one: the connector this request created is removed here, or nobody would remove it.
            _delete_quietly(client, name)
        raise
    data = {"Action": action, "State": _TARGET[state]}
    if replaced:
        data["Replaced"] = ",".join(replaced)
    return Outcome(name, data)


def _take_over_slot(client: ConnectClient, name: str, desired: Mapping[str, str], declared: set[str]) -> list[str]:
    """Deletes the connectors on ``desired``'s replication slot (the same slot on the same database) that the template
    no longer declares: after a rename the old name still holds the slot, and the new connector could not take it.
    Their slot is kept for the new one (the old resource's Delete, later, finds the connector gone and drops
    nothing)."""
    slot = (desired.get("slot.name"), desired.get("database.hostname"), desired.get("database.dbname"))
    if slot[0] is None:
        return []
    replaced = []
    for other, described in sorted(client.described().items()):
        config = (described.get("info") or {}).get("config") or {}
        if other == name or other in declared:
            continue
        if (config.get("slot.name"), config.get("database.hostname"), config.get("database.dbname")) == slot:
            client.delete(other)
            replaced.append(other)
            LOGGER.warning("connector %s held the replication slot %s that %s takes over (renamed?): deleted, slot "
                           "kept", other, slot[0], name)
    return replaced


def _prepare_slot_drop(client: ConnectClient, name: str, sleep: Callable[[float], None], stable_seconds: float) -> str:
    """``slot_on_delete: drop``: Debezium drops its replication slot when its task stops gracefully with
    ``slot.drop.on.stop``. The setting is put only now, just before the connector is deleted (set earlier, any restart
    or rebalance would drop the slot and lose the changes made meanwhile); the task restarts with it, runs, and the
    deletion that follows stops it. A connector that cannot run with it (its database unreachable) is deleted all the
    same: the slot stays, and the slot-lag alarm pages for it."""
    current = client.connector_config(name)
    if current is None:
        return "absent"
    config = {key: str(value) for key, value in current.items() if key != "name"}
    try:
        if config.get("slot.drop.on.stop") != "true":
            client.put_config(name, {**config, "slot.drop.on.stop": "true"})
        # Running for the stability window: long enough for Connect to restart the task with the new setting.
        wait_for_state(client, name, "running", sleep=sleep, stable_seconds=stable_seconds)
    except ConnectError as error:
        LOGGER.error("connector %s: its replication slot could not be prepared for dropping and stays: %s",
                     name, error)
        return "retained (the connector could not run to drop it)"
    return "dropped"


def _delete_quietly(client: ConnectClient, name: str) -> None:
    client.deadline = max(client.deadline, client.clock() + CLEANUP_SECONDS)
    try:
        client.delete(name)
        LOGGER.info("connector %s deleted: the request that created it failed", name)
    except Exception as error:  # noqa: BLE001 - the original failure is what CloudFormation must see
        LOGGER.error("connector %s was created by a failed request and could not be deleted: %s", name, error)


def prune(event: Mapping[str, Any], client: ConnectClient, declared: set[str] | None = None) -> Outcome:
    """Deletes every connector not declared (``declared``: the deployed template's; default, the event's list)."""
    physical = event.get("PhysicalResourceId") or f"prune-{event['LogicalResourceId']}"
    if event["RequestType"] == "Delete":
        return Outcome(physical)
    keep = declared if declared is not None else set(event["ResourceProperties"]["DeclaredConnectors"])
    if not keep:
        raise PolicyError("the deployed template declares no connector on this Connect cluster: nothing is pruned "
                          "(a prune never empties a cluster)")
    client.wait_until_ready()
    removed = sorted(name for name in client.connectors() if name not in keep)
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
        try:
            current = client.status(name)
        except ConnectError:
            if client.remaining() > 0:
                raise
            break  # the deadline passed between the loop's check and the request's: report the last status read
        last = current
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
