"""The REST client authenticates with the platform's credentials from Secrets Manager, and never leaks them."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.runtime_code import memory_stores
from tests.runtime_code.lambda_modules import load

connect_rest = load("connect_rest")
ARN = "arn:aws:secretsmanager:eu-west-2:111122223333:secret:prod-connect-rest-AbCdEf"


def Secrets(value=None, error=None):  # noqa: N802 - the shared fake, with the JSON the REST secret holds
    return memory_stores.Secrets(None if value is None else json.dumps(value), error)


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    monkeypatch.setattr(connect_rest, "_ACCESS", {})
    monkeypatch.setenv("CONNECT_REST_SECRET_ARN", ARN)


def test_credentials_are_read_once_from_the_named_secret_and_again_when_asked():
    secrets = Secrets({"username": "platform-a", "password": "Abc123", "certificates": "PEM"})
    assert connect_rest.rest_access(secrets) == ("platform-a", "Abc123", "PEM")
    assert connect_rest.rest_access(secrets) == ("platform-a", "Abc123", "PEM")
    assert secrets.calls == [ARN]
    assert connect_rest.rest_access(secrets, fresh=True) == ("platform-a", "Abc123", "PEM")
    assert secrets.calls == [ARN, ARN]


def test_no_secret_named_means_no_authentication(monkeypatch):
    monkeypatch.delenv("CONNECT_REST_SECRET_ARN")
    assert connect_rest.rest_access(Secrets(error=AssertionError("must not be called"))) is None


@pytest.mark.parametrize("secrets", [Secrets(error=RuntimeError("AccessDenied password=leaked")),
                                     Secrets({"username": "platform"})])
def test_an_unreadable_secret_is_a_clear_error_without_its_content(secrets):
    with pytest.raises(connect_rest.ConnectError) as raised:
        connect_rest.rest_access(secrets)
    assert ARN in str(raised.value) and "leaked" not in str(raised.value)


class _Server(BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802
        self.seen.append(self.headers.get("Authorization"))
        expected = "Basic " + base64.b64encode(b"platform:right").decode()
        ok = self.headers.get("Authorization") == expected
        body = b'["a"]' if ok else b'{"error_code":401,"message":"User cannot access the resource."}'
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Server.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_requests_carry_basic_credentials(server):
    client = connect_rest.ConnectClient(server, deadline=1e12, credentials=("platform", "right"))
    assert client.connectors() == ["a"]


def test_refused_credentials_fail_at_once_without_retrying(server):
    client = connect_rest.ConnectClient(server, deadline=1e12, credentials=("platform", "wrong"),
                                        sleep=lambda s: pytest.fail("a 401 must not be retried"))
    with pytest.raises(connect_rest.ConnectError) as raised:
        client.connectors()
    assert raised.value.status == 401 and "refused the REST credentials" in str(raised.value)
    assert len(_Server.seen) == 1 and "wrong" not in str(raised.value)
