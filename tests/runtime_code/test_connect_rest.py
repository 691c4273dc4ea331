"""The Connect REST client's transport, against a local server that answers from a script: which answers are
retried and which are final, the backoff (200 ms doubling, never past the deadline), the request it sends, and the
errors it reports (redacted, naming the request)."""

import json
import logging
import sys
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.runtime_code.lambda_modules import load
from tests.runtime_code.memory_stores import Answer, Secrets

connect_rest = load("connect_rest")
ARN = "arn:aws:secretsmanager:eu-west-2:111122223333:secret:prod-salt-AbCdEf"


class _Scripted(BaseHTTPRequestHandler):
    script: list = []      # (status, body bytes) answered in order; the last one repeats
    seen: list = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.seen.append({"method": self.command, "path": self.path, "body": self.rfile.read(length) or None,
                          "content_type": self.headers.get("Content-Type"), "accept": self.headers.get("Accept"),
                          "authorization": self.headers.get("Authorization")})
        status, body = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815 - the standard library's names

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Scripted.script, _Scripted.seen = [(200, b"{}")], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class Clock:
    """A clock that moves only when the client sleeps."""

    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def client(url, clock=None, **options):
    clock = clock or Clock()
    return connect_rest.ConnectClient(url, deadline=options.pop("deadline", 1000.0), clock=clock, sleep=clock.sleep,
                                      **options)


def script(*answers):
    _Scripted.script = [(status, body if isinstance(body, bytes) else json.dumps(body).encode())
                        for status, body in answers]


def test_the_defaults_are_10_attempts_from_200_ms_and_a_30_s_request_timeout():
    rest = connect_rest.ConnectClient("http://connect:8083/", deadline=5.0)
    assert (rest.max_attempts, rest.first_backoff, rest.request_timeout) == (10, 0.2, 30.0)
    assert rest.base_url == "http://connect:8083"
    assert connect_rest.ConnectClient("http://connect-X//", deadline=5.0).base_url == "http://connect-X"


def test_transient_answers_are_retried_with_a_doubling_backoff(server, caplog):
    clock = Clock()
    script((503, {"message": "starting"}), (409, {"message": "rebalance in progress"}), (500, {"message": "boom"}),
           (200, ["orders"]))
    with caplog.at_level(logging.INFO, logger=connect_rest.LOGGER.name):
        assert client(server, clock).connectors() == ["orders"]
    assert clock.sleeps == [0.2, 0.4, 0.8]
    assert [r.getMessage() for r in caplog.records if r.name == connect_rest.LOGGER.name] == [
        "GET /connectors: HTTP 503: starting (attempt 1 of 10)",
        "GET /connectors: HTTP 409: rebalance in progress (attempt 2 of 10)",
        "GET /connectors: HTTP 500: boom (attempt 3 of 10)"]
    assert [r["path"] for r in _Scripted.seen] == ["/connectors"] * 4


def test_the_default_backoff_starts_at_200_ms(server):
    clock = Clock()
    script((503, {"message": "starting"}), (200, []))
    rest = connect_rest.ConnectClient(server, deadline=100.0, clock=clock, sleep=clock.sleep)
    rest.connectors()
    assert clock.sleeps == [0.2]


def test_after_the_last_attempt_it_fails_without_sleeping_again(server):
    clock = Clock()
    script((503, {"message": "worker starting"}))
    with pytest.raises(connect_rest.ConnectError) as raised:
        client(server, clock, max_attempts=3).connectors()
    assert str(raised.value) == "GET /connectors did not succeed within the time allowed: HTTP 503: worker starting"
    assert clock.sleeps == [0.2, 0.4] and len(_Scripted.seen) == 3
    assert raised.value.status is None


def test_the_backoff_never_sleeps_past_the_deadline(server):
    clock = Clock()
    script((503, {"message": "starting"}))
    with pytest.raises(connect_rest.ConnectError, match="did not succeed within the time allowed"):
        client(server, clock, deadline=1.0).connectors()
    assert clock.sleeps == [0.2, 0.4, 0.4]  # 0.2 + 0.4 = 0.6 spent: the third pause is what remains
    assert clock.now == pytest.approx(1.0) and len(_Scripted.seen) == 3


def test_no_pause_is_taken_once_the_deadline_is_reached(server):
    clock = Clock()
    script((503, {"message": "starting"}))
    with pytest.raises(connect_rest.ConnectError):
        client(server, clock, deadline=0.6).connectors()
    assert clock.sleeps == [0.2, 0.4] and len(_Scripted.seen) == 2  # nothing remains: no third request


def test_a_passed_deadline_makes_no_request():
    rest = client("http://127.0.0.1:1", deadline=0.0)
    with pytest.raises(connect_rest.ConnectError, match="GET /connectors did not succeed .*: no attempt made"):
        rest.connectors()


def test_a_refused_connection_is_retried_then_named(server):
    clock = Clock()
    rest = client("http://127.0.0.1:1", clock, max_attempts=2)
    with pytest.raises(connect_rest.ConnectError, match=r"did not succeed within the time allowed: URLError: ") as raised:
        rest.connectors()
    assert clock.sleeps == [0.2]
    assert "Connection refused" in str(raised.value) and "<urlopen error" not in str(raised.value)  # the reason


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_final_and_say_what_to_check(server, status):
    clock = Clock()
    script((status, {"message": "denied"}))
    with pytest.raises(connect_rest.ConnectError) as raised:
        client(server, clock).connectors()
    assert str(raised.value) == (f"GET /connectors: HTTP {status}: Connect refused the REST credentials (check the "
                                 "secret CONNECT_REST_SECRET_ARN names and the workers' copy of it)")
    assert raised.value.status == status and clock.sleeps == []


def test_a_404_is_none_where_allowed_and_final_otherwise(server):
    script((404, {"message": "Connector orders not found"}))
    rest = client(server)
    assert rest.status("orders") is None and rest.connector_config("orders") is None
    assert rest.offsets("orders") is None and rest.delete("orders") is False
    with pytest.raises(connect_rest.ConnectError) as raised:
        rest.set_state("orders", "paused")
    assert str(raised.value) == "PUT /connectors/orders/pause: HTTP 404: Connector orders not found"
    assert raised.value.status == 404


def test_health_retries_a_404_while_the_worker_registers_its_resources(server):
    clock = Clock()
    script((404, b""), (503, {"message": "not ready"}), (200, {"status": "healthy"}))
    client(server, clock).wait_until_ready()
    assert clock.sleeps == [0.2, 0.4] and [r["path"] for r in _Scripted.seen] == ["/health"] * 3


def test_health_reports_the_last_reason_when_the_worker_never_starts(server):
    script((404, b"not json"))
    with pytest.raises(connect_rest.ConnectError) as raised:
        client(server, max_attempts=2).wait_until_ready()
    assert str(raised.value) == "GET /health did not succeed within the time allowed: HTTP 404 (still starting): Not Found"


def test_a_409_for_an_existing_connector_is_final(server):
    clock = Clock()
    script((409, {"error_code": 409, "message": "Connector orders already exists"}))
    with pytest.raises(connect_rest.ConnectError) as raised:
        client(server, clock).create("orders", {"connector.class": "x"})
    assert str(raised.value) == "POST /connectors: HTTP 409: Connector orders already exists"
    assert raised.value.status == 409 and clock.sleeps == []


def test_a_client_error_is_final_and_redacted(server):
    clock = Clock()
    script((400, {"message": "Invalid value hunter2 for configuration database.password: bad"}))
    with pytest.raises(connect_rest.ConnectError) as raised:
        client(server, clock).put_config("orders", {"database.password": "hunter2"})
    assert "hunter2" not in str(raised.value) and raised.value.status == 400
    assert str(raised.value).startswith("PUT /connectors/orders/config: HTTP 400: Invalid value ****")
    assert clock.sleeps == []


@pytest.mark.parametrize("body, message", [
    (b'{"error_code": 500}', "{'error_code': 500}"),   # no message member: the whole payload
    (b"", "{}"),                                       # an empty body
    (b"<html>oops</html>", "Bad Request"),            # not JSON: the HTTP reason
])
def test_an_error_without_a_message_is_described_by_what_there_is(server, body, message):
    script((400, body))
    with pytest.raises(connect_rest.ConnectError) as raised:
        client(server).connectors()
    assert str(raised.value) == f"GET /connectors: HTTP 400: {message}"


def test_a_non_string_reason_is_reported_as_no_message():
    import io

    error = connect_rest.urllib.error.HTTPError("http://x", 400, None, {}, io.BytesIO(b"not json"))
    assert connect_rest._error_message(error) == "no message"


def test_requests_send_json_with_json_headers_and_quote_names(server):
    script((201, {"name": "a/b"}))
    rest = client(server, credentials=("platform", "Secret1"))
    assert rest.create("a/b", {"k": "v"}, state="paused") == {"name": "a/b"}
    rest.put_config("a/b", {"k": "v"})
    rest.restart_connector("a/b")
    rest.restart_task("a/b", 2)
    rest.set_state("a/b", "running")
    rest.set_state("a/b", "stopped")
    first = _Scripted.seen[0]
    assert (first["method"], first["path"]) == ("POST", "/connectors")
    assert json.loads(first["body"]) == {"name": "a/b", "config": {"k": "v"}, "initial_state": "PAUSED"}
    assert (first["content_type"], first["accept"]) == ("application/json", "application/json")
    assert first["authorization"] == "Basic cGxhdGZvcm06U2VjcmV0MQ=="
    assert [(r["method"], r["path"]) for r in _Scripted.seen[1:]] == [
        ("PUT", "/connectors/a%2Fb/config"),
        ("POST", "/connectors/a%2Fb/restart?includeTasks=true&onlyFailed=true"),
        ("POST", "/connectors/a%2Fb/tasks/2/restart"),
        ("PUT", "/connectors/a%2Fb/resume"),
        ("PUT", "/connectors/a%2Fb/stop")]
    assert json.loads(_Scripted.seen[1]["body"]) == {"k": "v"}


def test_without_credentials_no_authorization_header_is_sent(server):
    client(server).connectors()
    assert _Scripted.seen[0]["authorization"] is None and _Scripted.seen[0]["body"] is None


def test_empty_answers_read_as_empty_collections(server):
    script((200, b""))
    rest = client(server)
    assert rest.statuses() == {} and rest.described() == {} and rest.connectors() == []
    assert [r["path"] for r in _Scripted.seen] == ["/connectors?expand=status",
                                                  "/connectors?expand=status&expand=info", "/connectors"]


def test_a_204_reads_as_an_empty_object_and_a_delete_as_done(server):
    script((204, b""))
    assert client(server).delete("orders") is True
    assert _Scripted.seen[0]["method"] == "DELETE"


def test_offsets_are_listed_and_an_answer_without_offsets_is_empty(server):
    script((200, {"offsets": [{"partition": {"server": "orders"}, "offset": {"lsn": 7}}]}), (200, {}))
    rest = client(server)
    assert rest.offsets("orders") == [{"partition": {"server": "orders"}, "offset": {"lsn": 7}}]
    assert rest.offsets("orders") == []


def test_status_and_config_read_the_connector_by_its_quoted_name(server):
    script((200, {"name": "a b", "connector": {"state": "RUNNING"}}))
    rest = client(server)
    assert rest.status("a b")["connector"]["state"] == "RUNNING"
    assert rest.connector_config("a b") == {"name": "a b", "connector": {"state": "RUNNING"}}
    assert [r["path"] for r in _Scripted.seen] == ["/connectors/a%20b/status", "/connectors/a%20b/config"]


def test_secret_string_returns_the_value_of_the_named_secret():
    secrets = Secrets("s4lt")
    assert connect_rest.secret_string(ARN, secrets) == "s4lt" and secrets.calls == [ARN]


def test_secret_string_failures_name_the_secret_and_the_error_type_only():
    with pytest.raises(connect_rest.ConnectError) as raised:
        connect_rest.secret_string(ARN, Secrets(error=RuntimeError("AccessDenied s4lt")))
    assert str(raised.value) == f"cannot read the secret {ARN}: RuntimeError"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_without_a_client_boto3_s_secrets_manager_client_is_made(monkeypatch):
    made = []
    monkeypatch.setitem(sys.modules, "boto3", types.SimpleNamespace(
        client=lambda name: made.append(name) or Secrets(json.dumps({"username": "u", "password": "p"}))))
    monkeypatch.setattr(connect_rest, "_ACCESS", {})
    monkeypatch.setenv("CONNECT_REST_SECRET_ARN", ARN)
    assert connect_rest.secret_string(ARN) == '{"username": "u", "password": "p"}'
    assert connect_rest.rest_access() == ("u", "p", None)
    assert made == ["secretsmanager", "secretsmanager"]


def test_unreadable_rest_credentials_name_the_secret_and_the_error_type(monkeypatch):
    monkeypatch.setattr(connect_rest, "_ACCESS", {})
    monkeypatch.setenv("CONNECT_REST_SECRET_ARN", ARN)
    with pytest.raises(connect_rest.ConnectError) as raised:
        connect_rest.rest_access(Secrets(json.dumps({"username": "u"})))
    assert str(raised.value) == f"cannot read the Connect REST credentials from {ARN}: KeyError"
    assert raised.value.__cause__ is None
    assert connect_rest._ACCESS == {}


def test_every_read_names_its_method_and_path_when_it_fails(server):
    script((400, {"message": "bad"}))
    rest = client(server)
    for call, text in ((rest.described, "GET /connectors?expand=status&expand=info"),
                       (lambda: rest.offsets("a"), "GET /connectors/a/offsets"),
                       (rest.statuses, "GET /connectors?expand=status"),
                       (lambda: rest.status("a"), "GET /connectors/a/status"),
                       (lambda: rest.connector_config("a"), "GET /connectors/a/config"),
                       (rest.connectors, "GET /connectors"),
                       (lambda: rest.delete("a"), "DELETE /connectors/a")):
        with pytest.raises(connect_rest.ConnectError) as raised:
            call()
        assert str(raised.value) == f"{text}: HTTP 400: bad"


def test_writes_name_their_method_and_path_when_they_fail(server):
    script((400, {"message": "bad"}))
    rest = client(server)
    for call, text in ((lambda: rest.create("a", {}), "POST /connectors"),
                       (lambda: rest.put_config("a", {}), "PUT /connectors/a/config"),
                       (lambda: rest.restart_task("a", 0), "POST /connectors/a/tasks/0/restart")):
        with pytest.raises(connect_rest.ConnectError) as raised:
            call()
        assert str(raised.value) == f"{text}: HTTP 400: bad"


def test_a_connector_is_created_running_unless_told_otherwise(server):
    script((201, {"name": "a"}))
    client(server).create("a", {"k": "v"})
    assert json.loads(_Scripted.seen[0]["body"])["initial_state"] == "RUNNING"


@pytest.mark.parametrize("remaining, expected", [(100.0, 30.0), (5.0, 5.0), (0.05, 0.1)])
def test_each_request_waits_at_most_what_remains_and_never_less_than_100_ms(monkeypatch, remaining, expected):
    seen = []

    monkeypatch.setattr(connect_rest.urllib.request, "urlopen",
                        lambda request, timeout=None, context=None: seen.append(timeout) or Answer(b"[]"))
    rest = connect_rest.ConnectClient("http://connect:8083", deadline=remaining, clock=lambda: 0.0)
    assert rest.connectors() == [] and seen == [pytest.approx(expected)]


def test_a_timeout_is_retried_and_named_by_its_own_words(monkeypatch):
    def hang(request, timeout=None, context=None):
        raise TimeoutError("timed out")

    monkeypatch.setattr(connect_rest.urllib.request, "urlopen", hang)
    clock = Clock()
    rest = connect_rest.ConnectClient("http://connect:8083", deadline=100.0, clock=clock, sleep=clock.sleep,
                                      max_attempts=2)
    with pytest.raises(connect_rest.ConnectError) as raised:
        rest.connectors()
    assert str(raised.value) == "GET /connectors did not succeed within the time allowed: TimeoutError: timed out"
    assert clock.sleeps == [0.2]
