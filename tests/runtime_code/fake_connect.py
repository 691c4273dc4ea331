"""A local HTTP server that answers like the Kafka Connect REST API, with faults on demand.

Connectors go through the states Connect reports (UNASSIGNED tasks while a rebalance assigns them, RUNNING, PAUSED,
STOPPED, FAILED with a trace). Faults: ``rebalance(n)`` answers the next n requests with 409, ``server_error(n)``
with 500, ``slow(seconds)`` delays every answer, ``fail(name, trace)`` fails a connector or one of its tasks.
Every request is recorded as ``(method, path)``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse


@dataclass
class Connector:
    config: dict[str, str]
    state: str = "RUNNING"
    task_state: str = "RUNNING"
    trace: str | None = None
    failed_task_trace: str | None = None
    polls_until_assigned: int = 0
    #: The source offset Connect committed (Debezium PostgreSQL's: lsn, ts_usec ...), or None before the first.
    offset: dict[str, Any] | None = None

    def status(self, name: str) -> dict[str, Any]:
        connector = {"state": self.state, "worker_id": "10.0.1.5:8083"}
        if self.state == "FAILED" and self.trace:
            connector["trace"] = self.trace
        if self.state == "STOPPED":
            return {"name": name, "connector": connector, "tasks": [], "type": "source"}
        if self.polls_until_assigned > 0:
            self.polls_until_assigned -= 1
            return {"name": name, "connector": connector, "type": "source",
                    "tasks": [{"id": 0, "state": "UNASSIGNED", "worker_id": "10.0.1.5:8083"}]}
        task = {"id": 0, "state": self.task_state, "worker_id": "10.0.1.5:8083"}
        if self.task_state == "FAILED" and self.failed_task_trace:
            task["trace"] = self.failed_task_trace
        return {"name": name, "connector": connector, "tasks": [task], "type": "source"}


@dataclass
class FakeConnect:
    connectors: dict[str, Connector] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    put_configs: list[dict[str, str]] = field(default_factory=list)  # every config PUT, in order
    conflicts: int = 0
    errors: int = 0
    delay: float = 0.0
    assignment_polls: int = 1  # status polls during which a new connector's task is still UNASSIGNED
    starting: int = 0  # /health answers 503 this many times, as a worker that is still joining does
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rebalance(self, requests: int) -> None:
        self.conflicts = requests

    def server_error(self, requests: int) -> None:
        self.errors = requests

    def slow(self, seconds: float) -> None:
        self.delay = seconds

    def fail(self, name: str, trace: str, *, task: bool = False) -> None:
        connector = self.connectors[name]
        if task:
            connector.task_state, connector.failed_task_trace = "FAILED", trace
        else:
            connector.state, connector.trace = "FAILED", trace

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]

    # ---- the API ---------------------------------------------------------------------------------------------
    def answer(self, method: str, raw_path: str, body: Any) -> tuple[int, Any]:
        url = urlparse(raw_path)
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        query = parse_qs(url.query)
        with self.lock:
            self.requests.append((method, raw_path))
            if self.errors:
                self.errors -= 1
                return 500, {"error_code": 500, "message": "Request timed out"}
            if self.conflicts:
                self.conflicts -= 1
                return 409, {"error_code": 409, "message": "Cannot complete request momentarily due to stale "
                                                           "configuration (typically caused by a concurrent config "
                                                           "change)"}
            if parts == [""]:
                return 200, {"version": "4.3.1", "commit": "fake", "kafka_cluster_id": "fake"}
            if parts == ["health"]:
                if self.starting:
                    self.starting -= 1
                    if self.starting % 2:  # before its resources exist a starting worker answers 404
                        return 404, {"error_code": 404, "message": "HTTP 404 Not Found"}
                    return 503, {"status": "starting", "message": "Worker is still starting up"}
                return 200, {"status": "healthy", "message": "Worker has completed startup and is ready"}
            if parts == ["connectors"] and method == "GET":
                expand = query.get("expand", [])
                if expand:
                    return 200, {n: {**({"status": c.status(n)} if "status" in expand else {}),
                                     **({"info": {"name": n, "config": {**c.config, "name": n}, "type": "source",
                                                  "tasks": []}} if "info" in expand else {})}
                                 for n, c in self.connectors.items()}
                return 200, sorted(self.connectors)
            if parts == ["connectors"] and method == "POST":
                if body["name"] in self.connectors:
                    return 409, {"error_code": 409, "message": f"Connector {body['name']} already exists"}
                state = body.get("initial_state", "RUNNING")
                self.connectors[body["name"]] = Connector(dict(body["config"]), state=state,
                                                          task_state="PAUSED" if state == "PAUSED" else "RUNNING",
                                                          polls_until_assigned=self.assignment_polls)
                return 201, {"name": body["name"], "config": body["config"], "tasks": []}
            name = parts[1] if len(parts) > 1 else ""
            connector = self.connectors.get(name)
            rest = parts[2:]
            if method == "PUT" and rest == ["config"]:
                self.put_configs.append(dict(body))
                created = connector is None
                if created:
                    self.connectors[name] = Connector(dict(body), polls_until_assigned=self.assignment_polls)
                else:
                    connector.config = dict(body)
                return (201 if created else 200), {"name": name, "config": body}
            if connector is None:
                return 404, {"error_code": 404, "message": f"Connector {name} not found"}
            if method == "GET" and rest == ["config"]:
                return 200, {**connector.config, "name": name}
            if method == "GET" and rest == ["offsets"]:
                return 200, {"offsets": [] if connector.offset is None else
                             [{"partition": {"server": connector.config.get("topic.prefix", name)},
                               "offset": dict(connector.offset)}]}
            if method == "GET" and rest == ["status"]:
                return 200, connector.status(name)
            if method == "PUT" and rest in (["pause"], ["resume"], ["stop"]):
                connector.state = {"pause": "PAUSED", "resume": "RUNNING", "stop": "STOPPED"}[rest[0]]
                connector.task_state = "PAUSED" if rest == ["pause"] else "RUNNING"
                return 202, None
            if method == "DELETE" and not rest:
                del self.connectors[name]
                return 204, None
            if method == "POST" and rest == ["restart"]:
                connector.state, connector.trace = "RUNNING", None
                if query.get("onlyFailed") == ["true"] and connector.task_state == "FAILED":
                    connector.task_state, connector.failed_task_trace = "RUNNING", None
                return 202, {"name": name}
            if method == "POST" and len(rest) == 3 and rest[0] == "tasks" and rest[2] == "restart":
                connector.task_state, connector.failed_task_trace = "RUNNING", None
                return 204, None
            return 405, {"error_code": 405, "message": "not supported by the fake"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeConnect

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        time.sleep(self.fake.delay)
        status, payload = self.fake.answer(self.command, self.path, body)
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = _serve

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass


class FakeConnectServer:
    """Runs a FakeConnect on a free loopback port for the duration of a ``with`` block."""

    def __init__(self) -> None:
        self.fake = FakeConnect()
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> "FakeConnectServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
