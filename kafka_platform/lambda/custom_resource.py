"""Answering CloudFormation custom-resource events from a Lambda handler (standard library only).

CloudFormation waits for a PUT to the event's pre-signed ResponseURL. A handler that dies without answering leaves
the stack waiting (an hour without ``ServiceTimeout``), so ``respond`` always answers: SUCCESS with data, or FAILED
with the reason, whatever the operation raised (a malformed event included), and retries a failed PUT.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from typing import Any, Callable, Mapping

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

# CloudFormation rejects responses over 4096 bytes; the reason is what a person reads in the stack events.
MAX_REASON_CHARS = 3000


class Outcome:
    """What a custom-resource operation produced: the physical id CloudFormation keeps, and attributes for GetAtt."""

    def __init__(self, physical_resource_id: str, data: Mapping[str, str] | None = None):
        self.physical_resource_id = physical_resource_id
        self.data: dict[str, str] = dict(data or {})


def respond(event: Mapping[str, Any], operation: Callable[[Mapping[str, Any]], Outcome],
            send: Callable[[str, bytes], None] | None = None) -> dict[str, Any]:
    """Run ``operation`` for the event and report its outcome to CloudFormation; returns the response body."""
    send = send or _put
    try:
        outcome = operation(event)
        body = _body(event, "SUCCESS", outcome.physical_resource_id, data=outcome.data)
    except Exception as error:  # every failure must reach CloudFormation, whatever it is
        reason = str(error) or type(error).__name__
        if isinstance(error, KeyError):
            reason = f"the event has no {error}"
        LOGGER.error("%s %s failed: %s", event.get("RequestType"), event.get("LogicalResourceId"), reason)
        physical = event.get("PhysicalResourceId") or f"failed-{event.get('RequestId', 'unknown')}"
        body = _body(event, "FAILED", physical, reason=reason)
    _send(send, event.get("ResponseURL"), json.dumps(body).encode())
    return body


def _send(send: Callable[[str, bytes], None], url: str | None, body: bytes,
          sleep: Callable[[float], None] | None = None) -> None:
    """PUT the response, retrying a failed PUT (1, 2, 4 s); a response that still cannot be sent is logged, never
    raised: the custom resource's ServiceTimeout then bounds CloudFormation's wait."""
    sleep = sleep or time.sleep
    if not url:
        LOGGER.error("the event has no ResponseURL: nothing can answer CloudFormation")
        return
    for attempt in range(4):
        try:
            send(url, body)
            return
        except Exception as error:  # noqa: BLE001 - any transport failure
            LOGGER.error("answering CloudFormation failed (attempt %d of 4): %s", attempt + 1, error)
            if attempt < 3:
                sleep(2.0 ** attempt)


def _body(event: Mapping[str, Any], status: str, physical_resource_id: str, *, data: Mapping[str, str] | None = None,
          reason: str = "") -> dict[str, Any]:
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - 20] + " ... (see the logs)"
    return {
        "Status": status,
        "Reason": reason or "See the function's log group",
        "PhysicalResourceId": physical_resource_id,
        "StackId": event.get("StackId", ""),
        "RequestId": event.get("RequestId", ""),
        "LogicalResourceId": event.get("LogicalResourceId", ""),
        "NoEcho": False,
        "Data": dict(data or {}),
    }


def _put(url: str, body: bytes) -> None:
    request = urllib.request.Request(url, data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - CloudFormation's pre-signed URL
        response.read()
