"""CloudFormation's side of a custom resource, for the runtime tests: the events it sends and the URL it waits on."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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


def event(request_type: str, properties: dict[str, Any], *, response_url: str, logical_id: str,
          physical_id: str | None = None, old_properties: dict[str, Any] | None = None,
          resource_type: str = "Custom::KafkaConnector") -> dict[str, Any]:
    """An event as CloudFormation sends it to the function."""
    token = "arn:aws:lambda:eu-west-2:111111111111:function:Dev-Connect-ConnectReconcilerFunction"
    body = {"RequestType": request_type, "ServiceToken": token, "ResponseURL": response_url,
            "StackId": "arn:aws:cloudformation:eu-west-2:111111111111:stack/Dev-Connect/0a1b2c3d",
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
