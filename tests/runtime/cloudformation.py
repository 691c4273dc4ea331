"""CloudFormation's side of the Connect functions, for the runtime tests: the stack they belong to (its status and the
template it holds, which declares every connector a test asks for), the events it sends, and the URL it waits on.

The events carry the stack's id and a response URL of CloudFormation's shape, so that the reconciler's checks run as
deployed; the answer it PUTs there is sent, by the real HTTP code, to a local server instead."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.runtime_code.lambda_modules import load
from tests.runtime_code.memory_stores import FakeCloudFormation

RESPONSE_URL = ("https://cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com/"
                "arn%3Aaws%3Acloudformation%3Aeu-west-2%3A111111111111%3Astack/Dev-Connect/0a1b2c3d?X-Amz-Signature=x")


class ResponseServer:
    """Stands in for CloudFormation's pre-signed S3 URL: keeps every response PUT to it."""

    def __init__(self) -> None:
        self.responses: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                outer.responses.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cloudformation-response"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def stringified(value: Any) -> Any:
    """CloudFormation passes every scalar in ResourceProperties as a string."""
    if isinstance(value, dict):
        return {k: stringified(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringified(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def event(request_type: str, properties: dict[str, Any], *, logical_id: str, physical_id: str | None = None,
          old_properties: dict[str, Any] | None = None, resource_type: str = "Custom::KafkaConnector",
          response_url: str = RESPONSE_URL) -> dict[str, Any]:
    """An event as CloudFormation sends it to the function."""
    token = "arn:aws:lambda:eu-west-2:111111111111:function:Dev-Connect-ConnectReconcilerFunction"
    body = {"RequestType": request_type, "ServiceToken": token, "ResponseURL": response_url,
            "StackId": FakeCloudFormation.STACK_ID,
            "RequestId": str(uuid.uuid4()), "LogicalResourceId": logical_id, "ResourceType": resource_type,
            "ResourceProperties": stringified({"ServiceToken": token, **properties})}
    if physical_id is not None:
        body["PhysicalResourceId"] = physical_id
    if old_properties is not None:
        body["OldResourceProperties"] = stringified({"ServiceToken": token, **old_properties})
    return body


class Context:
    """The bit of the Lambda context the handler reads."""

    def __init__(self, seconds: float = 300):
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


class Deployment:
    """The Connect stack as CloudFormation holds it while a test deploys connectors: ``send`` declares the resource
    in the stack's template (a Create or Update) and hands the reconciler CloudFormation's event; ``settled`` is the
    stack the health monitor reads between deployments."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch | None = None) -> None:
        """``monkeypatch``: a test's; without one (a module's fixture), the deployment keeps its own until closed."""
        self._own = monkeypatch is None
        monkeypatch = monkeypatch or pytest.MonkeyPatch()
        self._monkeypatch = monkeypatch
        self.cloudformation = FakeCloudFormation()
        self.server = ResponseServer()
        self.reconciler = load("connector_reconciler")
        self.deployed = load("deployed")
        custom_resource = load("custom_resource")
        monkeypatch.setenv("STACK_ID", self.cloudformation.stack_id)
        monkeypatch.setenv("AWS_REGION", "eu-west-2")
        real_put = custom_resource._put
        monkeypatch.setattr(custom_resource, "_put", lambda url, body: real_put(self.server.url, body))
        monkeypatch.setattr(self.reconciler, "_count_refusal", lambda cloudwatch: None)

    @property
    def responses(self) -> list[dict[str, Any]]:
        return self.server.responses

    def declare(self, logical_id: str, properties: dict[str, Any],
                resource_type: str = "Custom::KafkaConnector") -> dict[str, Any]:
        return self.cloudformation.declare(logical_id, resource_type, stringified(properties))

    def send(self, request_type: str, properties: dict[str, Any], *, logical_id: str, physical_id: str | None = None,
             old_properties: dict[str, Any] | None = None, resource_type: str = "Custom::KafkaConnector",
             status: str | None = None, context: Any = None) -> dict[str, Any]:
        """CloudFormation's request, answered: the answer the reconciler PUT."""
        if request_type == "Delete":
            self.cloudformation.status = status or "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
            self.cloudformation.template["Resources"].pop(logical_id, None)
        else:
            self.cloudformation.status = status or "UPDATE_IN_PROGRESS"
            properties = self.declare(logical_id, properties, resource_type)
        self.reconciler.handler(event(request_type, properties, logical_id=logical_id, physical_id=physical_id,
                                      old_properties=old_properties, resource_type=resource_type),
                                context or Context(), cloudformation=self.cloudformation)
        self.cloudformation.status = "UPDATE_COMPLETE"
        return self.server.responses[-1]

    def settled(self) -> Any:
        """The stack as the health monitor reads it once the deployment is complete."""
        self.cloudformation.status = "UPDATE_COMPLETE"
        return self.deployed.DeployedStack(self.cloudformation.stack_id, self.cloudformation)

    def close(self) -> None:
        self.server.close()
        if self._own:
            self._monkeypatch.undo()
