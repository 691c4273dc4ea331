"""Drift between each connector and its declaration, found and (unless told not to) corrected by the health monitor.

A connector changed, paused, stopped or deleted through the REST API stays so until the next deployment; Strimzi's
operator puts a KafkaConnector back on every reconciliation, and so does this, once a minute. Each declaration (the
deployed template's, ``deployed.py``) is compared with Connect's live view
(``GET /connectors?expand=status&expand=info``):

* ``absent``: declared, not in Connect: created again, in its declared state;
* ``config``: its live config differs (the salt compared as the secret holds it): the declared config is put back;
* ``state``: RUNNING, PAUSED or STOPPED other than declared: moved back (a FAILED connector is the restarts' business);
* ``undeclared``: in Connect, not declared, where the configuration prunes: deleted.

What is not declared is never created again: a connector removed from the template stays removed. The configs it
writes pass the reconciler's policy (``declared.resolved``) first. Pruning fails closed (``prune_refusal``): never
when nothing is declared, nor when the declarations shrank although no deployment changed the stack.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from connect_rest import ConnectClient, ConnectError, secret_string
from declared import PolicyError, differs, resolved

LOGGER = logging.getLogger(__name__)
_LIVE_STATES = {"RUNNING": "running", "PAUSED": "paused", "STOPPED": "stopped"}


@dataclass(frozen=True)
class Drift:
    connector: str
    kind: str  # absent | config | state | undeclared
    declaration: Mapping[str, Any] | None = None


def find_drift(described: Mapping[str, Any], declarations: Mapping[str, Mapping[str, Any]], *, prune: bool,
               read_secret: Callable[[str], str]) -> list[Drift]:
    found = []
    for name, declaration in sorted(declarations.items()):
        live = described.get(name)
        if live is None:
            found.append(Drift(name, "absent", declaration))
            continue
        try:
            wanted = resolved(name, declaration["config"], declaration.get("salt_secret"), read_secret)
        except (PolicyError, ConnectError, KeyError) as error:
            LOGGER.error("the declaration of %s cannot be used: %s", name, error)
            continue
        if differs((live.get("info") or {}).get("config") or {}, wanted):
            found.append(Drift(name, "config", declaration))
            continue
        state = _LIVE_STATES.get(((live.get("status") or {}).get("connector") or {}).get("state", ""))
        if state is not None and state != declaration.get("state", "running"):
            found.append(Drift(name, "state", declaration))
    if prune:
        found += [Drift(name, "undeclared") for name in sorted(described) if name not in declarations]
    return found


def correct(client: ConnectClient, drift: Drift, read_secret: Callable[[str], str]) -> None:
    """Puts one connector back as declared (deletes it if it is undeclared)."""
    name, declaration = drift.connector, drift.declaration or {}
    if drift.kind == "undeclared":
        client.delete(name)
        return
    state = declaration.get("state", "running")
    config = resolved(name, declaration["config"], declaration.get("salt_secret"), read_secret)
    if drift.kind == "absent":
        client.create(name, config, state)
    elif drift.kind == "config":
        client.put_config(name, config)
    else:
        client.set_state(name, state)


def prune_refusal(declared: int, live: int, previous: tuple[int, str] | None, deployed: str) -> str | None:
    """Why pruning must not run now, or None. ``previous``: the count declared and the stack's deployment time at
    the last run; ``deployed``: the stack's deployment time now."""
    if declared == 0 and live > 0:
        return "the deployed template declares no connector, and Connect runs some: nothing is pruned"
    if previous is not None and declared < previous[0] and deployed == previous[1]:
        return (f"the declarations shrank from {previous[0]} to {declared} although no deployment changed the stack: "
                "nothing is pruned")
    return None


def prune_after_deployment(client: ConnectClient, declared: set[str]) -> list[str]:
    """Deletes every connector the deployed template does not declare, whatever ``CORRECT_DRIFT`` says: the prune a
    deployment of the Connect stack asks for (EventBridge's ``CloudFormation Stack Status Change``), on every
    deployment, not only those that change a connector. Never when nothing is declared."""
    client.wait_until_ready()
    live = client.connectors()
    if (why := prune_refusal(len(declared), len(live), None, "")) is not None:
        raise PolicyError(why)
    removed = sorted(name for name in live if name not in declared)
    for name in removed:
        client.delete(name)
        LOGGER.warning("connector %s is not declared: deleted after the deployment", name)
    return removed


class _SecretCache:
    """Each salt read once per run."""

    def __init__(self, read: Callable[[str], str]):
        self.read, self.values = read, {}

    def __call__(self, arn: str) -> str:
        if arn not in self.values:
            self.values[arn] = self.read(arn)
        return self.values[arn]


def reconcile_drift(client: ConnectClient, declarations: Mapping[str, Mapping[str, Any]], *, correct_drift: bool,
                    prune: bool, read_secret: Callable[[str], str] | None = None) -> tuple[list[Drift], list[str]]:
    """The drift found, and the connectors put back. ``declarations``: by name, ``{"config", "state",
    "salt_secret"}`` as the deployed template declares them."""
    read = _SecretCache(read_secret or secret_string)
    found = find_drift(client.described(), declarations, prune=prune, read_secret=read)
    corrected = []
    for drift in found:
        LOGGER.warning("connector %s drifted from its declaration (%s)%s", drift.connector, drift.kind,
                       "" if correct_drift else "; CORRECT_DRIFT is false: left as it is")
        if not correct_drift:
            continue
        try:
            correct(client, drift, read)
            corrected.append(drift.connector)
        except (ConnectError, PolicyError) as error:
            LOGGER.error("connector %s could not be put back (%s): %s", drift.connector, drift.kind, error)
    return found, corrected
