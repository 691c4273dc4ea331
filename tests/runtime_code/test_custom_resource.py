"""Answering CloudFormation: the exact response body, the failure reasons a person reads in the stack events, the
retried PUT, and the PUT itself against a local HTTP server (the pre-signed URL's contract)."""

import http.server
import json
import logging
import threading

import pytest

from tests.runtime_code.lambda_modules import load
from tests.runtime_code.memory_stores import Answer

custom_resource = load("custom_resource")

EVENT = {"RequestType": "Create", "ResponseURL": "https://example.invalid/response", "StackId": "stack-1",
         "RequestId": "request-1", "LogicalResourceId": "Connector", "ResourceProperties": {}}


def answer(event, operation):
    sent = []
    body = custom_resource.respond(event, operation, send=lambda url, data: sent.append((url, data)))
    assert len(sent) == 1 and sent[0][0] == event.get("ResponseURL") and json.loads(sent[0][1]) == body
    return body


def test_success_sends_the_physical_id_and_the_data_and_echoes_the_event_ids():
    body = answer(EVENT, lambda e: custom_resource.Outcome("physical-1", {"Name": "orders"}))
    assert body == {"Status": "SUCCESS", "Reason": "See the function's log group", "PhysicalResourceId": "physical-1",
                    "StackId": "stack-1", "RequestId": "request-1", "LogicalResourceId": "Connector",
                    "NoEcho": False, "Data": {"Name": "orders"}}


def test_an_outcome_without_data_sends_an_empty_data_object():
    assert answer(EVENT, lambda e: custom_resource.Outcome("physical-1"))["Data"] == {}
    assert custom_resource.Outcome("p").data == {} and custom_resource.Outcome("p").physical_resource_id == "p"


def test_failure_keeps_the_resource_physical_id_and_gives_the_reason(caplog):
    def fail(_):
        raise RuntimeError("connector orders-cdc is FAILED")

    with caplog.at_level(logging.ERROR):
        body = answer({**EVENT, "RequestType": "Update", "PhysicalResourceId": "orders-cdc"}, fail)
    assert body == {"Status": "FAILED", "Reason": "connector orders-cdc is FAILED", "PhysicalResourceId": "orders-cdc",
                    "StackId": "stack-1", "RequestId": "request-1", "LogicalResourceId": "Connector",
                    "NoEcho": False, "Data": {}}
    assert "Update Connector failed: connector orders-cdc is FAILED" in caplog.text


def test_a_failed_create_invents_a_physical_id_from_the_request():
    def fail(_):
        raise RuntimeError("no")

    assert answer(EVENT, fail)["PhysicalResourceId"] == "failed-request-1"
    event = {k: v for k, v in EVENT.items() if k != "RequestId"}
    assert answer(event, fail)["PhysicalResourceId"] == "failed-unknown"
    assert answer({**EVENT, "PhysicalResourceId": ""}, fail)["PhysicalResourceId"] == "failed-request-1"


def test_an_exception_without_a_message_is_named_by_its_type():
    def fail(_):
        raise TimeoutError()

    assert answer(EVENT, fail)["Reason"] == "TimeoutError"


def test_a_malformed_event_names_the_missing_key():
    body = answer(EVENT, lambda e: e["ResourceProperties"]["ClusterArn"])
    assert (body["Status"], body["Reason"]) == ("FAILED", "the event has no 'ClusterArn'")


def test_an_event_without_ids_still_gets_a_well_formed_answer():
    event = {"ResponseURL": "https://example.invalid/response"}
    body = answer(event, lambda e: custom_resource.Outcome("p"))
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == ("", "", "")


@pytest.mark.parametrize("length", [2999, 3000])
def test_a_reason_up_to_the_limit_is_sent_whole(length):
    def fail(_):
        raise RuntimeError("x" * length)

    assert answer(EVENT, fail)["Reason"] == "x" * length


def test_a_longer_reason_is_cut_to_the_limit_with_a_pointer_to_the_logs():
    def fail(_):
        raise RuntimeError("x" * 3001)

    reason = answer(EVENT, fail)["Reason"]
    assert reason == "x" * 2980 + " ... (see the logs)"
    assert len(reason) <= custom_resource.MAX_REASON_CHARS == 3000


def test_a_failed_put_is_retried_after_1_2_and_4_seconds(caplog):
    attempts, sleeps = [], []

    def flaky(url, body):
        attempts.append((url, body))
        if len(attempts) < 4:
            raise OSError("connection reset")

    with caplog.at_level(logging.ERROR):
        custom_resource._send(flaky, "https://example.invalid/r", b"{}", sleep=sleeps.append)
    assert attempts == [("https://example.invalid/r", b"{}")] * 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert [r.getMessage() for r in caplog.records] == [
        f"answering CloudFormation failed (attempt {n} of 4): connection reset" for n in (1, 2, 3)]


def test_a_put_that_never_succeeds_is_logged_not_raised(caplog):
    sleeps = []

    def down(url, body):
        raise OSError("unreachable")

    with caplog.at_level(logging.ERROR):
        custom_resource._send(down, "https://example.invalid/r", b"{}", sleep=sleeps.append)
    assert sleeps == [1.0, 2.0, 4.0]
    assert "attempt 4 of 4" in caplog.text


def test_a_put_that_succeeds_is_not_repeated():
    attempts, sleeps = [], []
    custom_resource._send(lambda url, body: attempts.append(url), "https://x.invalid", b"{}", sleep=sleeps.append)
    assert attempts == ["https://x.invalid"] and sleeps == []


def test_respond_waits_between_attempts_with_the_real_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(custom_resource.time, "sleep", slept.append)
    calls = []

    def down(url, body):
        calls.append(url)
        raise OSError("down")

    custom_resource.respond(EVENT, lambda e: custom_resource.Outcome("p"), send=down)
    assert len(calls) == 4 and slept == [1.0, 2.0, 4.0]


def test_an_event_without_a_response_url_is_logged_and_nothing_is_sent(caplog):
    sent = []
    with caplog.at_level(logging.ERROR):
        body = custom_resource.respond({"RequestType": "Create"}, lambda e: custom_resource.Outcome("p"),
                                       send=lambda url, data: sent.append(url))
    assert sent == [] and body["Status"] == "SUCCESS"
    assert [r.getMessage() for r in caplog.records] == [
        "the event has no ResponseURL: nothing can answer CloudFormation"]


class _Recorder(http.server.BaseHTTPRequestHandler):
    received: list = []
    timeout = 1  # a request whose body is shorter than its Content-Length fails in a second, not in urlopen's 30

    def do_PUT(self):  # noqa: N802 - the standard library's name
        length = int(self.headers["Content-Length"])
        self.received.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                              "length": length, "body": self.rfile.read(length)})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_default_sender_puts_the_body_with_an_empty_content_type(monkeypatch):
    """The pre-signed S3 URL is signed without a content type: any other value makes S3 refuse the answer."""
    monkeypatch.setattr(custom_resource.time, "sleep", lambda seconds: None)  # a failed PUT is not retried slowly
    _Recorder.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        event = {**EVENT, "ResponseURL": f"http://127.0.0.1:{server.server_port}/signed?x=1"}
        body = custom_resource.respond(event, lambda e: custom_resource.Outcome("p"))
    finally:
        server.shutdown()
        server.server_close()
    [received] = _Recorder.received
    assert received["path"] == "/signed?x=1"
    assert received["content_type"] == ""
    assert received["length"] == len(received["body"]) and json.loads(received["body"]) == body


def test_the_put_gives_up_after_30_seconds(monkeypatch):
    """A PUT that hangs must not outlive the function: urlopen's own timeout, 30 s."""
    seen = []

    monkeypatch.setattr(custom_resource.urllib.request, "urlopen",
                        lambda request, timeout=None: seen.append((request.get_method(), timeout)) or Answer())
    custom_resource._put("https://example.invalid/signed", b"{}")
    assert seen == [("PUT", 30)]


def test_a_failure_is_logged_as_one_line_naming_the_request(caplog):
    def fail(_):
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR):
        answer({**EVENT, "RequestType": "Delete"}, fail)
    assert [r.getMessage() for r in caplog.records] == ["Delete Connector failed: boom"]
