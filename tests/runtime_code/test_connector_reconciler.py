"""The connector reconciler against a local server that behaves like the Kafka Connect REST API."""

import copy
import json
import logging
import time

import pytest

from tests.runtime_code.fake_connect import Connector, FakeConnectServer
from tests.runtime_code.lambda_modules import load
from tests.runtime_code.memory_stores import FakeCloudFormation

reconciler = load("connector_reconciler")
connect_rest = load("connect_rest")
custom_resource = load("custom_resource")
declared = load("declared")
deployed_module = load("deployed")

CONFIG = {"connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
          "database.hostname": "accounts-db", "database.password": "${env:DBZ_ACCOUNTS_CDC_PASSWORD}",
          "topic.prefix": "cdc.accounts", "slot.name": "debezium_accounts"}


RESPONSE_URL = ("https://cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com/"
                "arn%3Aaws%3Acloudformation%3Aeu-west-2%3A111111111111%3Astack/Dev-Connect/0a1b2c3d?X-Amz-Signature=x")
#: The stack the tests' reconciler belongs to (its deployed template holds what each event() asks for).
STACK = {"cloudformation": FakeCloudFormation()}


@pytest.fixture(autouse=True)
def deployed(monkeypatch):
    """The reconciler deployed in its stack, whose template declares every resource the test's events ask for, and
    CloudFormation's response URL answered (and recorded in ``deployed.sent``)."""
    cloudformation = FakeCloudFormation()
    STACK["cloudformation"] = cloudformation
    monkeypatch.setenv("STACK_ID", cloudformation.stack_id)
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    monkeypatch.setattr(reconciler, "own_stack", lambda given=None: deployed_module.DeployedStack(
        cloudformation.stack_id, cloudformation))
    cloudformation.sent = []
    monkeypatch.setattr(custom_resource, "_put", lambda url, body: cloudformation.sent.append(json.loads(body)))
    monkeypatch.setattr(reconciler, "_count_refusal", lambda cloudwatch: cloudformation.calls.append("Refused"))
    return cloudformation


@pytest.fixture
def connect(monkeypatch):
    with FakeConnectServer() as server:
        monkeypatch.setenv("CONNECT_URL", server.url)  # the reconciler is deployed for this Connect cluster
        yield server


def client(url, *, budget=10.0, **options):
    return connect_rest.ConnectClient(url, deadline=time.monotonic() + budget, first_backoff=0.01, **options)


def event(request_type, url, *, config=None, state="running", physical=None, resource_type="Custom::KafkaConnector",
          declared=None, logical_id="AccountsCdc", name="accounts-cdc", slot_on_delete="retain"):
    """What CloudFormation sends for a stack whose deployed template declares it: the template of ``STACK`` holds
    the resource (a Delete finds the stack removing resources)."""
    properties = {"ConnectUrl": url, "ConnectorName": name, "Config": config or CONFIG,
                  "DesiredState": state, "SlotOnDelete": slot_on_delete, "TimeoutSeconds": "10", "StableSeconds": "0"}
    if declared is not None:
        properties = {"ConnectUrl": url, "DeclaredConnectors": declared, "TimeoutSeconds": "10"}
    cloudformation = STACK["cloudformation"]
    if request_type == "Delete":
        cloudformation.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
    else:
        cloudformation.status = "UPDATE_IN_PROGRESS"
        properties = copy.deepcopy(cloudformation.declare(logical_id, resource_type, properties))
    result = {"RequestType": request_type, "ResourceType": resource_type, "ResponseURL": RESPONSE_URL,
              "StackId": cloudformation.stack_id, "RequestId": "request", "LogicalResourceId": logical_id,
              "ResourceProperties": properties}
    if physical:
        result["PhysicalResourceId"] = physical
    return result


def run(e, url, **options):
    return reconciler.reconcile(e, client(url, **options), sleep=lambda s: time.sleep(min(s, 0.01)))


def test_create_posts_the_connector_and_waits_until_its_task_runs(connect):
    connect.fake.assignment_polls = 3
    outcome = run(event("Create", connect.url), connect.url)
    assert (outcome.physical_resource_id, outcome.data) == ("accounts-cdc", {"Action": "created", "State": "RUNNING"})
    assert connect.fake.connectors["accounts-cdc"].config == CONFIG
    posts = [r for r in connect.fake.writes() if r[0] == "POST"]
    assert posts == [("POST", "/connectors")]
    assert connect.fake.requests[0] == ("GET", "/health")
    assert sum(1 for r in connect.fake.requests if r[1].endswith("/status")) >= 4  # waited through UNASSIGNED


def test_an_unchanged_connector_is_left_alone(connect):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    outcome = run(event("Update", connect.url, physical="accounts-cdc"), connect.url)
    assert outcome.data["Action"] == "unchanged"
    assert connect.fake.writes() == []


def test_a_changed_config_is_put(connect):
    connect.fake.connectors["accounts-cdc"] = Connector({**CONFIG, "database.hostname": "old-db"})
    outcome = run(event("Update", connect.url, physical="accounts-cdc"), connect.url)
    assert outcome.data["Action"] == "updated"
    assert connect.fake.writes() == [("PUT", "/connectors/accounts-cdc/config")]
    assert connect.fake.connectors["accounts-cdc"].config["database.hostname"] == "accounts-db"


@pytest.mark.parametrize("state,verb,expected", [("paused", "pause", "PAUSED"), ("stopped", "stop", "STOPPED")])
def test_the_desired_state_is_applied_and_waited_for(connect, state, verb, expected):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    outcome = run(event("Update", connect.url, state=state, physical="accounts-cdc"), connect.url)
    assert outcome.data == {"Action": "unchanged", "State": expected}
    assert connect.fake.writes() == [("PUT", f"/connectors/accounts-cdc/{verb}")]
    assert connect.fake.connectors["accounts-cdc"].state == expected


def test_a_paused_connector_is_resumed(connect):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG), state="PAUSED", task_state="PAUSED")
    run(event("Update", connect.url, physical="accounts-cdc"), connect.url)
    assert connect.fake.writes() == [("PUT", "/connectors/accounts-cdc/resume")]
    assert connect.fake.connectors["accounts-cdc"].state == "RUNNING"


def test_a_connector_declared_paused_is_created_paused(connect):
    run(event("Create", connect.url, state="paused"), connect.url)
    assert connect.fake.connectors["accounts-cdc"].state == "PAUSED"
    assert [r for r in connect.fake.writes() if "pause" in r[1]] == []


def test_delete_removes_the_connector_and_accepts_one_already_gone(connect):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    assert run(event("Delete", connect.url, physical="accounts-cdc"), connect.url).data == {"Action": "deleted"}
    assert "accounts-cdc" not in connect.fake.connectors
    assert run(event("Delete", connect.url, physical="accounts-cdc"), connect.url).data == {"Action": "absent"}


def test_a_slot_declared_to_drop_is_dropped_by_the_task_the_deletion_stops(connect):
    """slot_on_delete: drop puts slot.drop.on.stop just before the deletion (never earlier: any restart would drop
    the slot), waits until the task runs with it, then deletes."""
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    deletion = event("Delete", connect.url, physical="accounts-cdc")
    deletion["ResourceProperties"]["SlotOnDelete"] = "drop"
    assert run(deletion, connect.url).data == {"Action": "deleted", "Slot": "dropped"}
    puts = [path for method, path in connect.fake.requests if method == "PUT"]
    assert puts == ["/connectors/accounts-cdc/config"]
    assert connect.fake.requests[-1] == ("DELETE", "/connectors/accounts-cdc")
    assert connect.fake.put_configs == [{**CONFIG, "slot.drop.on.stop": "true"}]


def test_a_slot_that_cannot_be_dropped_is_reported_and_the_connector_still_deleted(connect):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG), state="FAILED", trace="database unreachable")
    deletion = event("Delete", connect.url, physical="accounts-cdc")
    deletion["ResourceProperties"]["SlotOnDelete"] = "drop"
    result = run(deletion, connect.url)
    assert result.data == {"Action": "deleted", "Slot": "retained (the connector could not run to drop it)"}
    assert "accounts-cdc" not in connect.fake.connectors


def test_a_retained_slot_is_left_alone(connect):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    assert run(event("Delete", connect.url, physical="accounts-cdc"), connect.url).data == {"Action": "deleted"}
    assert [method for method, _ in connect.fake.requests if method == "PUT"] == []


def test_deleting_a_connector_whose_create_failed_calls_nothing(connect):
    run(event("Delete", connect.url, physical="failed-request"), connect.url)
    assert connect.fake.requests == []


def test_requests_during_a_rebalance_are_retried_with_doubling_backoff(connect):
    connect.fake.rebalance(4)
    pauses = []
    rest = connect_rest.ConnectClient(connect.url, deadline=time.monotonic() + 10, first_backoff=0.2,
                                      sleep=pauses.append)
    reconciler.reconcile(event("Create", connect.url), rest, sleep=lambda s: None)
    assert pauses[:4] == [0.2, 0.4, 0.8, 1.6]
    assert "accounts-cdc" in connect.fake.connectors


def test_server_errors_are_retried(connect):
    connect.fake.server_error(3)
    assert run(event("Create", connect.url), connect.url).data["Action"] == "created"


def test_retries_stop_after_ten_attempts_with_the_last_answer(connect):
    connect.fake.rebalance(100)
    with pytest.raises(connect_rest.ConnectError) as raised:
        run(event("Create", connect.url), connect.url, sleep=lambda seconds: None)
    assert "did not succeed within the time allowed: HTTP 409" in str(raised.value)
    assert len(connect.fake.requests) == 10


def test_slow_answers_time_out_and_the_whole_operation_stays_within_its_budget(connect):
    connect.fake.slow(1.0)
    started = time.monotonic()
    with pytest.raises(connect_rest.ConnectError) as raised:
        run(event("Create", connect.url), connect.url, budget=2.0, request_timeout=0.3)
    assert time.monotonic() - started < 3.0
    assert "did not succeed within the time allowed" in str(raised.value)


def test_a_failing_connector_fails_the_deployment_with_its_trace_and_no_secret(connect, caplog):
    caplog.set_level(logging.INFO)
    connect.fake.assignment_polls = 0
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    connect.fake.fail("accounts-cdc", "org.postgresql.util.PSQLException: FATAL: password authentication failed "
                                      "for user \"debezium\" (password=hunter2)\n\tat org.postgresql.Driver", task=True)
    with pytest.raises(connect_rest.ConnectError) as raised:
        run(event("Update", connect.url, physical="accounts-cdc"), connect.url)
    message = str(raised.value)
    assert message.startswith("connector accounts-cdc failed: task 0: org.postgresql.util.PSQLException: FATAL: "
                              "password authentication failed")
    assert "hunter2" not in message and "password=****" in message
    assert "hunter2" not in caplog.text


def test_a_connector_that_never_runs_fails_when_the_time_is_up(connect):
    connect.fake.assignment_polls = 10**6
    with pytest.raises(connect_rest.ConnectError) as raised:
        # Long enough for the create and a status poll on a loaded machine; the task never leaves UNASSIGNED.
        run(event("Create", connect.url), connect.url, budget=3.0)
    assert str(raised.value) == ("connector accounts-cdc did not reach RUNNING within the time allowed; last "
                                 "status: connector RUNNING, task 0 UNASSIGNED")


def test_prune_deletes_only_undeclared_connectors(connect):
    for name in ("accounts-cdc", "payments-cdc", "legacy-cdc"):
        connect.fake.connectors[name] = Connector(dict(CONFIG))
    outcome = reconciler.prune(event("Create", connect.url, resource_type="Custom::KafkaConnectorPrune",
                                     declared=["accounts-cdc", "payments-cdc"]), client(connect.url))
    assert outcome.data == {"Deleted": "legacy-cdc"}
    assert sorted(connect.fake.connectors) == ["accounts-cdc", "payments-cdc"]


def test_prune_names_itself_reports_every_deletion_and_deletes_nothing_when_removed(connect, caplog):
    # Found by `make mutate`: the prune resource's id, its report of several deletions, its log, and its Delete.
    for name in ("accounts-cdc", "legacy-cdc", "old-cdc"):
        connect.fake.connectors[name] = Connector(dict(CONFIG))
    prune = event("Create", connect.url, resource_type="Custom::KafkaConnectorPrune", declared=["accounts-cdc"])
    with caplog.at_level(logging.INFO):
        outcome = reconciler.prune(prune, client(connect.url))
    assert (outcome.physical_resource_id, outcome.data) == ("prune-AccountsCdc", {"Deleted": "legacy-cdc,old-cdc"})
    assert "connector old-cdc is not declared: deleted" in [r.getMessage() for r in caplog.records]
    update = event("Update", connect.url, resource_type="Custom::KafkaConnectorPrune", declared=["accounts-cdc"],
                   physical="prune-from-an-earlier-name")
    assert (reconciler.prune(update, client(connect.url)).physical_resource_id,
            reconciler.prune(update, client(connect.url)).data) == ("prune-from-an-earlier-name", {"Deleted": ""})
    connect.fake.connectors["late-cdc"] = Connector(dict(CONFIG))
    delete = event("Delete", connect.url, resource_type="Custom::KafkaConnectorPrune", declared=[],
                   physical="prune-AccountsCdc")
    assert reconciler.prune(delete, client(connect.url)).physical_resource_id == "prune-AccountsCdc"
    assert sorted(connect.fake.connectors) == ["accounts-cdc", "late-cdc"]  # removing the prune deletes nothing


def test_a_connectors_state_is_summarised_for_the_deployment_log():
    assert reconciler._summary(None) == "Connect does not report the connector yet"
    assert reconciler._summary({"connector": {"state": "RUNNING"}}) == "connector RUNNING, no tasks"
    assert reconciler._summary({"connector": {"state": "RUNNING"}, "tasks": [
        {"id": 0, "state": "RUNNING"}, {"id": 1, "state": "FAILED"}]}) == (
        "connector RUNNING, task 0 RUNNING, task 1 FAILED")
    assert declared.differs({"name": "a", "tasks.max": 1}, {"name": "b", "tasks.max": "1"}) is False
    assert declared.differs({"tasks.max": 1}, {"tasks.max": "2"}) is True


def test_the_handler_answers_cloudformation_success_and_failure(connect, monkeypatch):
    sent = []
    monkeypatch.setattr(custom_resource, "_put", lambda url, body: sent.append(json.loads(body)))
    connect.fake.assignment_polls = 0

    class Context:
        @staticmethod
        def get_remaining_time_in_millis():
            return 60_000

    reconciler.handler(event("Create", connect.url), Context())
    assert (sent[-1]["Status"], sent[-1]["PhysicalResourceId"]) == ("SUCCESS", "accounts-cdc")
    connect.fake.fail("accounts-cdc", "java.lang.IllegalStateException: slot debezium_accounts is active")
    reconciler.handler(event("Update", connect.url, physical="accounts-cdc",
                             config={**CONFIG, "database.hostname": "new-db"}), Context())
    assert sent[-1]["Status"] == "FAILED"
    assert "slot debezium_accounts is active" in sent[-1]["Reason"]


def test_secret_values_are_redacted_from_logged_configs():
    assert connect_rest.redact_config({"database.password": "hunter2", "database.user": "dbz",
                                       "x.password": "${env:X}"}) == {
        "database.password": "****", "database.user": "dbz", "x.password": "${env:X}"}


def test_a_task_that_fails_soon_after_running_fails_the_deployment(connect):
    """Debezium reports RUNNING before taking its slot: success needs the state to hold for StableSeconds."""
    connect.fake.assignment_polls = 0
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    polls = []

    def sleep(seconds):
        polls.append(seconds)
        if len(polls) == 3:
            connect.fake.fail("accounts-cdc", "replication slot \"debezium_accounts\" is active for PID 4242",
                              task=True)
        time.sleep(0.05)

    e = event("Update", connect.url, physical="accounts-cdc")
    e["ResourceProperties"]["StableSeconds"] = "5"
    with pytest.raises(connect_rest.ConnectError, match="is active for PID 4242"):
        reconciler.reconcile(e, client(connect.url), sleep=sleep)


def test_a_stable_connector_succeeds_after_the_window(connect):
    connect.fake.assignment_polls = 0
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    e = event("Update", connect.url, physical="accounts-cdc")
    e["ResourceProperties"]["StableSeconds"] = "0.3"
    started = time.monotonic()
    assert reconciler.reconcile(e, client(connect.url), sleep=lambda s: time.sleep(0.05)).data["State"] == "RUNNING"
    assert time.monotonic() - started >= 0.3


def test_nothing_is_decided_before_the_worker_is_ready(connect):
    """A worker still joining answers 503 on /health (and 404 for connectors it has not read): wait first."""
    connect.fake.starting = 3
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    outcome = run(event("Update", connect.url, physical="accounts-cdc"), connect.url)
    assert outcome.data["Action"] == "unchanged"
    assert [r for r in connect.fake.requests if r[1] == "/health"] == [("GET", "/health")] * 4


def test_a_create_that_finds_the_connector_existing_updates_it(connect, monkeypatch):
    """A view that was behind said absent; Connect says it already exists: the reconciler updates it."""
    connect.fake.connectors["accounts-cdc"] = Connector({**CONFIG, "database.hostname": "old"})
    monkeypatch.setattr(connect_rest.ConnectClient, "connector_config", lambda self, name: None)
    outcome = run(event("Create", connect.url), connect.url)
    assert outcome.data["Action"] == "updated"
    assert connect.fake.connectors["accounts-cdc"].config["database.hostname"] == "accounts-db"


# ---- every path answers CloudFormation; the reconciler as the policy point ----------------------------------------
@pytest.fixture
def sent(monkeypatch):
    responses = []
    monkeypatch.setattr(custom_resource, "_put", lambda url, body: responses.append(json.loads(body)))
    return responses


@pytest.mark.parametrize("broken, reason", [
    (lambda e: e["ResourceProperties"].update(TimeoutSeconds="ten"), "TimeoutSeconds 'ten' is not a number of seconds"),
    (lambda e: e.pop("ResourceType"), "resource type None is not one this function reconciles"),
    (lambda e: e["ResourceProperties"].pop("ConnectorName"), "the event has no 'ConnectorName'"),
    (lambda e: e["ResourceProperties"].update(StableSeconds="-1"), "StableSeconds '-1' is outside 0-900 seconds"),
])
def test_a_malformed_event_is_answered_failed_never_left_waiting(connect, sent, broken, reason):
    malformed = event("Create", connect.url)
    broken(malformed)
    reconciler.handler(malformed, None)
    assert sent[-1]["Status"] == "FAILED" and sent[-1]["Reason"].startswith(reason), sent[-1]["Reason"]


def test_a_failed_response_put_is_retried_and_never_raised(monkeypatch, caplog):
    attempts = []

    def unreachable(url, body):
        attempts.append(url)
        raise OSError("connection reset")

    monkeypatch.setattr(custom_resource, "_put", unreachable)
    monkeypatch.setattr(custom_resource.time, "sleep", lambda seconds: None)
    body = custom_resource.respond(event("Delete", "http://127.0.0.1:1", physical="failed-x"),
                                   lambda e: custom_resource.Outcome("failed-x"))
    assert body["Status"] == "SUCCESS" and len(attempts) == 4
    assert "answering CloudFormation failed (attempt 4 of 4)" in caplog.text


def test_another_connect_cluster_is_refused_whatever_the_event_says(connect, sent, monkeypatch):
    reconciler.handler(event("Create", "http://10.0.0.99:8083"), None)
    assert sent[-1]["Status"] == "FAILED"
    assert sent[-1]["Reason"] == (f"ConnectUrl 'http://10.0.0.99:8083' is not this reconciler's Connect cluster "
                                  f"({connect.url})")
    monkeypatch.delenv("CONNECT_URL")
    reconciler.handler(event("Create", connect.url), None)
    assert sent[-1]["Reason"] == "CONNECT_URL is not set: this function reconciles no Connect cluster"
    assert connect.fake.requests == []


@pytest.mark.parametrize("value", ["${env:DBZ_PAYMENTS_CDC_PASSWORD}", "${env:AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}",
                                   "${file:/etc/passwd:root}", "prefix-${env:DBZ_PAYMENTS_CDC_USER}"])
def test_a_config_reading_credentials_not_its_own_is_refused(connect, sent, value):
    reconciler.handler(event("Create", connect.url, config={**CONFIG, "database.password": value}), None)
    assert sent[-1]["Status"] == "FAILED"
    assert "database.password refers to" in sent[-1]["Reason"] and "not connector accounts-cdc's own" in \
        sent[-1]["Reason"]
    assert connect.fake.writes() == []


def test_a_failed_create_removes_the_connector_it_created(connect):
    connect.fake.assignment_polls = 10**6
    with pytest.raises(connect_rest.ConnectError):
        run(event("Create", connect.url), connect.url, budget=1.0)
    assert "accounts-cdc" not in connect.fake.connectors
    assert ("DELETE", "/connectors/accounts-cdc") in connect.fake.writes()


def test_a_failed_update_of_an_existing_connector_leaves_it_in_place(connect):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    connect.fake.assignment_polls = 0
    connect.fake.fail("accounts-cdc", "boom", task=True)
    with pytest.raises(connect_rest.ConnectError):
        run(event("Update", connect.url, physical="accounts-cdc", config={**CONFIG, "x": "1"}), connect.url)
    assert "accounts-cdc" in connect.fake.connectors


def test_the_client_backs_off_from_200_ms_doubling_by_default(connect):
    waits = []
    connect.fake.rebalance(3)
    client_ = connect_rest.ConnectClient(connect.url, deadline=time.monotonic() + 10, sleep=waits.append)
    assert client_.first_backoff == 0.2
    client_.request("GET", "/connectors")
    assert waits == [0.2, 0.4, 0.8]


def test_a_delete_waits_for_a_worker_that_is_still_starting(connect):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    connect.fake.starting = 2  # /health answers 503 twice, as a worker still joining its group does
    run(event("Delete", connect.url, physical="accounts-cdc"), connect.url)
    paths = [path for _, path in connect.fake.requests]
    assert paths.count("/health") == 3 and paths.index("/connectors/accounts-cdc") > paths.index("/health") + 1
    assert "accounts-cdc" not in connect.fake.connectors


# ---- found by `make mutate` ---------------------------------------------------------------------------------------
class LambdaContext:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_a_delete_on_another_connect_cluster_deletes_nothing_and_does_not_block_the_stack(connect, monkeypatch,
                                                                                           caplog):
    sent = []
    monkeypatch.setattr(custom_resource, "_put", lambda url, body: sent.append(json.loads(body)))
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    other = "http://rest.other-cdc.connect.internal:8083"
    with caplog.at_level(logging.WARNING):
        reconciler.handler(event("Delete", other, physical="accounts-cdc"), LambdaContext(60_000))
    assert (sent[-1]["Status"], sent[-1]["PhysicalResourceId"], sent[-1]["Data"]) == (
        "SUCCESS", "accounts-cdc", {"Action": "not-ours"})
    assert connect.fake.writes() == [] and "accounts-cdc" in connect.fake.connectors
    assert f"Delete of accounts-cdc on {other}, which is not this reconciler's Connect cluster" in caplog.text
    # Without a physical id (its create failed), the answer still names one, from the request.
    reconciler.handler(event("Delete", other), LambdaContext(60_000))
    assert sent[-1]["PhysicalResourceId"] == "absent-request"


def test_a_create_on_another_connect_cluster_is_refused(connect, monkeypatch):
    sent = []
    monkeypatch.setattr(custom_resource, "_put", lambda url, body: sent.append(json.loads(body)))
    reconciler.handler(event("Create", "http://rest.other-cdc.connect.internal:8083"), LambdaContext(60_000))
    assert sent[-1]["Status"] == "FAILED" and "is not this reconciler's Connect cluster" in sent[-1]["Reason"]
    assert connect.fake.writes() == []


def test_the_budget_is_what_lambda_has_left_minus_the_answer_and_the_cleanup(connect, monkeypatch):
    budgets = []
    real = connect_rest.ConnectClient

    def recording(url, *, deadline, **options):
        budgets.append(deadline - time.monotonic())
        return real(url, deadline=deadline, **options)

    monkeypatch.setattr(connect_rest, "ConnectClient", recording)
    monkeypatch.setattr(custom_resource, "_put", lambda url, body: None)
    connect.fake.assignment_polls = 0
    reconciler.handler(event("Create", connect.url), LambdaContext(60_000))  # 10 s declared: the declared budget
    reconciler.handler(event("Update", connect.url, physical="accounts-cdc"), LambdaContext(
        int((reconciler.RESPONSE_MARGIN_SECONDS + reconciler.CLEANUP_SECONDS + 4) * 1000)))
    assert 9 < budgets[0] <= 10 and 3 < budgets[1] <= 4


def test_a_delete_through_the_handler_on_its_own_cluster_deletes_the_connector(connect, monkeypatch):
    sent = []
    monkeypatch.setattr(custom_resource, "_put", lambda url, body: sent.append(json.loads(body)))
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    reconciler.handler(event("Delete", connect.url, physical="accounts-cdc"), LambdaContext(60_000))
    assert sent[-1]["Status"] == "SUCCESS" and "accounts-cdc" not in connect.fake.connectors


def test_an_event_without_its_request_id_or_timeout_still_gets_an_answer(connect, monkeypatch):
    sent, budgets = [], []
    monkeypatch.setattr(custom_resource, "_put", lambda url, body: sent.append(json.loads(body)))
    delete = event("Delete", "http://rest.other-cdc.connect.internal:8083")
    del delete["RequestId"]
    reconciler.handler(delete, LambdaContext(60_000))
    assert sent[-1]["PhysicalResourceId"] == "absent-unknown"
    real = connect_rest.ConnectClient
    monkeypatch.setattr(connect_rest, "ConnectClient", lambda url, *, deadline, **options: (
        budgets.append(deadline - time.monotonic()) or real(url, deadline=deadline, **options)))
    connect.fake.assignment_polls = 0
    create = event("Create", connect.url)
    del create["ResourceProperties"]["TimeoutSeconds"]
    reconciler.handler(create, None)
    assert sent[-1]["Status"] == "SUCCESS"
    assert reconciler.DEFAULT_TIMEOUT_SECONDS - 1 < budgets[0] <= reconciler.DEFAULT_TIMEOUT_SECONDS


# ---- the reconciler's rules, each alone (a scripted client, a clock that moves only when it sleeps) --------------
class Scripted:
    """A ConnectClient stand-in: ``statuses`` are answered in order (the last repeats); writes are recorded."""

    def __init__(self, statuses=(), config=None, budget=100.0, fail_put=None, fail_delete=None):
        self.statuses, self.config, self.now, self.deadline = list(statuses), config, 0.0, budget
        self.calls, self.fail_put, self.fail_delete = [], fail_put, fail_delete

    def clock(self):
        return self.now

    def remaining(self):
        return self.deadline - self.now

    def sleep(self, seconds):
        self.now += seconds

    def status(self, name):
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def wait_until_ready(self):
        self.calls.append(("ready",))

    def create(self, name, config, state):
        self.calls.append(("create", name, state))

    def set_state(self, name, state):
        self.calls.append(("set_state", name, state))

    def connector_config(self, name):
        return self.config

    def put_config(self, name, config):
        self.calls.append(("put_config", name, config))
        if self.fail_put:
            raise self.fail_put

    def delete(self, name):
        self.calls.append(("delete", name, self.deadline))
        if self.fail_delete:
            raise self.fail_delete
        return True


def status(connector, *tasks, trace=None):
    result = {"connector": {"state": connector}, "tasks": [{"id": i, "state": s} for i, s in enumerate(tasks)]}
    if trace:
        result["connector"]["trace"] = trace
    return result


def wait(rest, state="running", stable=15):
    return reconciler.wait_for_state(rest, "orders-cdc", state, sleep=rest.sleep, stable_seconds=stable)


def test_a_connector_must_hold_its_state_for_the_whole_stability_window():
    rest = Scripted([status("RUNNING", "RUNNING")])
    wait(rest, stable=15)
    assert rest.now == 16.0  # polled every 2 s: RUNNING first seen at 0, held 15 s by the poll at 16
    assert reconciler.POLL_SECONDS == 2.0 and reconciler.DEFAULT_STABLE_SECONDS == 15


def test_a_task_that_leaves_the_state_restarts_the_window():
    rest = Scripted([status("RUNNING", "RUNNING"), status("RUNNING", "RUNNING"), status("RUNNING", "UNASSIGNED"),
                     status("RUNNING", "RUNNING")])
    wait(rest, stable=4)
    assert rest.now == 6.0 + 4.0


def test_a_connector_without_tasks_has_not_reached_running():
    rest = Scripted([status("RUNNING")], budget=10.0)
    with pytest.raises(connect_rest.ConnectError) as raised:
        wait(rest, stable=0)
    assert str(raised.value) == ("connector orders-cdc did not reach RUNNING within the time allowed; last status: "
                                 "connector RUNNING, no tasks")


def test_a_stopped_connector_needs_no_tasks_and_its_failures_do_not_matter():
    rest = Scripted([status("STOPPED")])
    assert wait(rest, "stopped", stable=0) == status("STOPPED")
    rest = Scripted([{"connector": {"state": "FAILED", "trace": "boom"}, "tasks": []}, status("STOPPED")])
    wait(rest, "stopped", stable=0)
    assert rest.calls == []  # FAILED is not a state one asks to leave


def test_the_state_is_asked_for_once_and_only_from_a_settled_state():
    rest = Scripted([status("UNASSIGNED"), status("RUNNING", "RUNNING"), status("RUNNING", "RUNNING"),
                     status("PAUSED", "PAUSED")])
    wait(rest, "paused", stable=0)
    assert rest.calls == [("set_state", "orders-cdc", "paused")]


def test_nothing_reported_yet_is_waited_for_then_named():
    rest = Scripted([None], budget=5.0)
    with pytest.raises(connect_rest.ConnectError, match="last status: Connect does not report the connector yet"):
        wait(rest)
    assert rest.now == 5.0  # the last sleep is cut to what remains


@pytest.mark.parametrize("failed, message", [
    ({"connector": {"state": "FAILED"}, "tasks": []}, "connector orders-cdc failed: connector FAILED"),
    (status("RUNNING", "RUNNING", "FAILED"), "connector orders-cdc failed: task 1: FAILED"),
    ({"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "FAILED", "trace": "  PSQLException\n at x\n"}]},
     "connector orders-cdc failed: task 0: PSQLException\n at x"),
])
def test_a_failure_is_reported_with_its_trace_or_its_state(failed, message):
    with pytest.raises(connect_rest.ConnectError) as raised:
        wait(Scripted([failed]))
    assert str(raised.value) == message


def test_only_the_first_12_lines_of_a_trace_are_reported():
    trace = "\n".join(f"line {i}" for i in range(30))
    assert reconciler._first_lines(trace) == "\n".join(f"line {i}" for i in range(12))
    assert reconciler._first_lines("a\nb\nc", lines=2) == "a\nb"


@pytest.mark.parametrize("value, message", [
    ("ten", "TimeoutSeconds 'ten' is not a number of seconds"),
    (None, "TimeoutSeconds None is not a number of seconds"),
    ("0.5", "TimeoutSeconds '0.5' is outside 1-900 seconds"),
    ("901", "TimeoutSeconds '901' is outside 1-900 seconds"),
])
def test_a_timeout_outside_1_to_900_seconds_is_refused(value, message):
    with pytest.raises(reconciler.PolicyError) as raised:
        reconciler._seconds(value, "TimeoutSeconds")
    assert str(raised.value) == message


def test_the_bounds_of_a_number_of_seconds_are_allowed():
    assert reconciler._seconds("1", "TimeoutSeconds") == 1.0 and reconciler._seconds(900, "TimeoutSeconds") == 900.0
    assert reconciler._seconds("0", "StableSeconds", least=0) == 0.0
    with pytest.raises(reconciler.PolicyError, match="StableSeconds '-1' is outside 0-900 seconds"):
        reconciler._seconds("-1", "StableSeconds", least=0)


def test_the_connect_url_must_be_set_and_be_the_reconcilers_own(monkeypatch):
    monkeypatch.delenv("CONNECT_URL", raising=False)
    with pytest.raises(reconciler.PolicyError) as raised:
        reconciler.own_connect_url("http://a:8083")
    assert str(raised.value) == "CONNECT_URL is not set: this function reconciles no Connect cluster"
    monkeypatch.setenv("CONNECT_URL", "http://a:8083")
    assert reconciler.own_connect_url("http://a:8083") == "http://a:8083"
    with pytest.raises(reconciler.PolicyError) as raised:
        reconciler.own_connect_url("http://b:8083")
    assert str(raised.value) == "ConnectUrl 'http://b:8083' is not this reconciler's Connect cluster (http://a:8083)"


def test_an_unknown_resource_type_is_refused(connect, sent):
    reconciler.handler(event("Create", connect.url, resource_type="Custom::Other"), None)
    assert sent[-1]["Reason"] == ("resource type 'Custom::Other' is not one this function reconciles "
                                  "(Custom::KafkaConnector, Custom::KafkaConnectorPrune)")


def test_a_slot_drop_sets_the_property_without_the_name_and_waits_for_the_restart():
    rest = Scripted([status("RUNNING", "RUNNING")], config={"name": "orders-cdc", "tasks.max": 1})
    assert reconciler._prepare_slot_drop(rest, "orders-cdc", rest.sleep, 0) == "dropped"
    assert rest.calls == [("put_config", "orders-cdc", {"tasks.max": "1", "slot.drop.on.stop": "true"})]


def test_a_slot_drop_waits_with_the_reconcilers_sleep():
    rest = Scripted([status("RUNNING", "UNASSIGNED"), status("RUNNING", "RUNNING")], config={})
    assert reconciler._prepare_slot_drop(rest, "orders-cdc", rest.sleep, 0) == "dropped"
    assert rest.now == reconciler.POLL_SECONDS  # one poll's wait, on the clock it was given


def test_a_slot_already_set_to_drop_is_not_written_again():
    rest = Scripted([status("RUNNING", "RUNNING")], config={"slot.drop.on.stop": "true"})
    assert reconciler._prepare_slot_drop(rest, "orders-cdc", rest.sleep, 0) == "dropped"
    assert rest.calls == []


def test_a_slot_of_a_connector_that_is_gone_is_absent():
    assert reconciler._prepare_slot_drop(Scripted([None], config=None), "orders-cdc", time.sleep, 0) == "absent"


def test_a_slot_that_cannot_be_prepared_is_retained_and_logged(caplog):
    rest = Scripted([status("RUNNING", "RUNNING")], config={}, fail_put=connect_rest.ConnectError("HTTP 500"))
    with caplog.at_level(logging.ERROR):
        assert reconciler._prepare_slot_drop(rest, "orders-cdc", rest.sleep, 0) == (
            "retained (the connector could not run to drop it)")
    assert [r.getMessage() for r in caplog.records] == [
        "connector orders-cdc: its replication slot could not be prepared for dropping and stays: HTTP 500"]


def test_a_quiet_delete_gets_at_least_the_cleanup_time_and_never_raises(caplog):
    rest = Scripted(budget=0.0)
    rest.now = 50.0
    reconciler._delete_quietly(rest, "orders-cdc")
    assert rest.calls == [("delete", "orders-cdc", 50.0 + reconciler.CLEANUP_SECONDS)]
    rest = Scripted(budget=500.0, fail_delete=RuntimeError("HTTP 500"))
    with caplog.at_level(logging.INFO):
        reconciler._delete_quietly(rest, "orders-cdc")
    assert rest.calls == [("delete", "orders-cdc", 500.0)]  # a later deadline is kept
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        "connector orders-cdc was created by a failed request and could not be deleted: HTTP 500"]
    assert reconciler.CLEANUP_SECONDS == 15 and reconciler.RESPONSE_MARGIN_SECONDS == 20


def test_a_quiet_delete_that_works_says_why_it_deleted(caplog):
    with caplog.at_level(logging.INFO):
        reconciler._delete_quietly(Scripted(), "orders-cdc")
    assert [r.getMessage() for r in caplog.records] == ["connector orders-cdc deleted: the request that created it failed"]


def test_the_handler_prunes_for_a_prune_resource(connect, sent):
    connect.fake.connectors["stale-cdc"] = Connector(dict(CONFIG))
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    event("Create", connect.url)  # the template declares accounts-cdc
    reconciler.handler(event("Create", connect.url, resource_type="Custom::KafkaConnectorPrune",
                             declared=["accounts-cdc"], logical_id="Prune"), None)
    assert (sent[-1]["Status"], sent[-1]["Data"]) == ("SUCCESS", {"Deleted": "stale-cdc"})
    assert sorted(connect.fake.connectors) == ["accounts-cdc"]


def test_the_handler_authenticates_with_the_rest_credentials(connect, sent, monkeypatch):
    made = []
    real = connect_rest.ConnectClient
    monkeypatch.setattr(connect_rest, "rest_access", lambda fresh=False: connect_rest.RestAccess("platform", "pw"))
    monkeypatch.setattr(connect_rest, "ConnectClient", lambda url, **options: made.append(options) or real(url, **options))
    connect.fake.assignment_polls = 0
    reconciler.handler(event("Create", connect.url), None)
    assert made[0]["credentials"] == ("platform", "pw") and sent[-1]["Status"] == "SUCCESS"


def test_the_budget_is_measured_in_seconds_of_what_lambda_has_left(connect, sent, monkeypatch):
    budgets = []
    real = connect_rest.ConnectClient
    monkeypatch.setattr(connect_rest, "ConnectClient", lambda url, *, deadline, **options: (
        budgets.append(deadline - time.monotonic()) or real(url, deadline=deadline, **options)))
    connect.fake.assignment_polls = 0
    long = event("Create", connect.url)
    long["ResourceProperties"]["TimeoutSeconds"] = "900"
    reconciler.handler(long, LambdaContext(600_000))
    assert 564.9 < budgets[0] <= 565.0  # 600 s left, less 20 to answer and 15 to clean up


def test_a_delete_elsewhere_logs_exactly_what_it_skipped(connect, sent, caplog):
    other = "http://rest.other-cdc.connect.internal:8083"
    with caplog.at_level(logging.WARNING):
        reconciler.handler(event("Delete", other, physical="accounts-cdc"), LambdaContext(60_000))
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"Delete of accounts-cdc on {other}, which is not this reconciler's Connect cluster: nothing to do"]


def test_no_time_left_means_no_status_was_read():
    rest = Scripted([status("RUNNING", "RUNNING")], budget=0.0)
    with pytest.raises(connect_rest.ConnectError) as raised:
        wait(rest)
    assert str(raised.value) == ("connector orders-cdc did not reach RUNNING within the time allowed; last status: "
                                 "Connect does not report the connector yet")


def test_a_status_without_tasks_is_read_as_none():
    rest = Scripted([{"connector": {"state": "STOPPED"}}])
    assert wait(rest, "stopped", stable=0) == {"connector": {"state": "STOPPED"}}
    rest = Scripted([{"connector": {"state": "RUNNING"}}], budget=3.0)
    with pytest.raises(connect_rest.ConnectError, match="last status: connector RUNNING, no tasks"):
        wait(rest, stable=0)


def test_a_stopped_connector_is_asked_to_resume():
    rest = Scripted([status("STOPPED"), status("RUNNING", "RUNNING")])
    wait(rest, stable=0)
    assert rest.calls == [("set_state", "orders-cdc", "running")]


def test_the_last_wait_is_cut_to_the_time_that_remains():
    rest = Scripted([None], budget=4.5)
    with pytest.raises(connect_rest.ConnectError):
        wait(rest)
    assert rest.now == 4.5


def delete_event(**properties):
    return {"RequestType": "Delete", "PhysicalResourceId": "orders-cdc", "ResourceProperties": properties}


def test_a_delete_that_drops_the_slot_waits_the_default_stability_window(caplog):
    rest = Scripted([status("RUNNING", "RUNNING")], config={"slot.drop.on.stop": "true"})
    with caplog.at_level(logging.INFO):
        outcome = reconciler.reconcile(delete_event(SlotOnDelete="drop"), rest, sleep=rest.sleep)
    assert outcome.data == {"Action": "deleted", "Slot": "dropped"} and outcome.physical_resource_id == "orders-cdc"
    assert rest.now == 16.0  # RUNNING held for the default 15 s, polled every 2 s
    assert "connector orders-cdc deleted" in [r.getMessage() for r in caplog.records]


def test_a_delete_with_a_bad_stability_window_is_refused():
    rest = Scripted([status("RUNNING", "RUNNING")], config={})
    with pytest.raises(reconciler.PolicyError) as raised:
        reconciler.reconcile(delete_event(SlotOnDelete="drop", StableSeconds="soon"), rest, sleep=rest.sleep)
    assert str(raised.value) == "StableSeconds 'soon' is not a number of seconds"


def test_a_delete_of_a_connector_already_gone_says_so(caplog):
    class Gone(Scripted):
        def delete(self, name):
            return False

    with caplog.at_level(logging.INFO):
        outcome = reconciler.reconcile(delete_event(), Gone())
    assert outcome.data == {"Action": "absent"}
    assert "connector orders-cdc was already gone" in [r.getMessage() for r in caplog.records]


def test_a_delete_after_a_failed_create_keeps_its_id_and_calls_nothing():
    rest = Scripted()
    outcome = reconciler.reconcile({**delete_event(), "PhysicalResourceId": "failed-request-7"}, rest)
    assert outcome.physical_resource_id == "failed-request-7" and rest.calls == []


def test_a_create_without_a_state_or_window_runs_the_connector_and_waits_15_seconds(caplog):
    rest = Scripted([status("RUNNING", "RUNNING")], config=None)
    create = {"RequestType": "Create", "ResourceProperties": {"ConnectorName": "orders-cdc", "Config": {
        "a": "1", "database.password": "${env:DBZ_ORDERS_CDC_PASSWORD}"}}}
    with caplog.at_level(logging.INFO):
        outcome = reconciler.reconcile(create, rest, sleep=rest.sleep)
    assert "connector orders-cdc created: {'a': '1', 'database.password': '${env:DBZ_ORDERS_CDC_PASSWORD}'}" in [
        r.getMessage() for r in caplog.records]
    assert outcome.data == {"Action": "created", "State": "RUNNING"}
    assert rest.calls == [("ready",), ("create", "orders-cdc", "running")] and rest.now == 16.0


def test_a_deadline_passing_during_the_status_read_reports_the_last_status():
    """The loop saw time left, but the deadline passed before the status request's own check (it then refuses to
    start): the answer is the last status read, not the request's "no attempt made"."""
    class DeadlineOnRead(Scripted):
        def status(self, name):
            if self.now >= 2.0:
                self.now = self.deadline  # the deadline passes as the read starts
                raise connect_rest.ConnectError(f"GET /connectors/{name}/status did not succeed within the time "
                                                "allowed: no attempt made")
            return super().status(name)

    rest = DeadlineOnRead([status("RUNNING", "UNASSIGNED")], budget=5.0)
    with pytest.raises(connect_rest.ConnectError) as raised:
        wait(rest, stable=0)
    assert str(raised.value) == ("connector orders-cdc did not reach RUNNING within the time allowed; last status: "
                                 "connector RUNNING, task 0 UNASSIGNED")


@pytest.mark.parametrize("budget", [5.0, 0.5])  # time left, and less than a second of it
def test_a_status_read_that_fails_with_time_left_is_reported_as_it_is(budget):
    class Broken(Scripted):
        def status(self, name):
            raise connect_rest.ConnectError("GET /connectors/orders-cdc/status: HTTP 400: bad")

    with pytest.raises(connect_rest.ConnectError, match="HTTP 400: bad"):
        wait(Broken(budget=budget), stable=0)


# ---- only CloudFormation drives it, with what its stack's deployed template declares ----------------------------
def test_a_request_for_another_stack_is_refused_counted_and_changes_nothing(connect, deployed):
    forged = event("Create", connect.url)
    forged["StackId"] = "arn:aws:cloudformation:eu-west-2:111111111111:stack/Other/9"
    reconciler.handler(forged, None)
    assert deployed.sent[-1]["Status"] == "FAILED"
    assert deployed.sent[-1]["Reason"].startswith("StackId 'arn:aws:cloudformation:eu-west-2:111111111111:stack/Other/9'"
                                                  " is not this reconciler's stack")
    assert connect.fake.requests == [] and deployed.calls == ["Refused"]


@pytest.mark.parametrize("url", ["https://example.invalid/x", "http://cloudformation-custom-resource-response-euwest2"
                                 ".s3.eu-west-2.amazonaws.com/x",
                                 "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
                                 "https://cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com.evil"
                                 ".example/x"])
def test_a_response_url_off_cloudformations_bucket_in_this_region_is_refused(connect, deployed, url):
    forged = event("Create", connect.url)
    forged["ResponseURL"] = url
    reconciler.handler(forged, None)
    assert deployed.sent[-1]["Reason"] == ("ResponseURL is not CloudFormation's custom-resource response bucket in "
                                           "eu-west-2")
    assert connect.fake.requests == []


@pytest.mark.parametrize("url", [RESPONSE_URL, "https://cloudformation-custom-resource-response-euwest2.s3.amazonaws"
                                               ".com/arn%3Aaws", "https://cloudformation-custom-resource-response-"
                                               "euwest2.s3-eu-west-2.amazonaws.com/arn"])
def test_cloudformations_response_urls_are_accepted(url, monkeypatch):
    monkeypatch.setenv("STACK_ID", "stack")
    reconciler.check_origin({"StackId": "stack", "ResponseURL": url})


def test_a_config_the_template_does_not_declare_is_refused_before_connect_is_touched(connect, deployed):
    """An invoker who strips a data product's masks (or points a connector at another host) cannot make the template
    say so: the request differs from the deployed declaration."""
    tampered = event("Create", connect.url)
    tampered["ResourceProperties"]["Config"] = {**CONFIG, "database.hostname": "attacker.example"}
    reconciler.handler(tampered, None)
    assert deployed.sent[-1]["Reason"] == ("AccountsCdc: the request is not what the deployed template declares for it "
                                           "(its digest differs)")
    assert connect.fake.requests == [] and deployed.calls[-1] == "Refused"
    undeclared = event("Create", connect.url)
    undeclared["LogicalResourceId"] = "NotInTheTemplate"
    reconciler.handler(undeclared, None)
    assert deployed.sent[-1]["Reason"] == "the deployed template declares no Custom::KafkaConnector NotInTheTemplate"


def test_a_delete_outside_a_cloudformation_removal_is_refused(connect, deployed):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    delete = event("Delete", connect.url, physical="accounts-cdc", slot_on_delete="drop")
    deployed.status = "UPDATE_COMPLETE"
    reconciler.handler(delete, None)
    assert deployed.sent[-1]["Status"] == "FAILED"
    assert deployed.sent[-1]["Reason"] == ("a Delete of AccountsCdc while the stack is UPDATE_COMPLETE: CloudFormation "
                                           "deletes resources only while it removes or rolls them back")
    assert "accounts-cdc" in connect.fake.connectors and connect.fake.requests == []


@pytest.mark.parametrize("status", ["UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS",
                                    "ROLLBACK_IN_PROGRESS"])
def test_a_delete_while_cloudformation_removes_resources_deletes_the_connector(connect, deployed, status):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    delete = event("Delete", connect.url, physical="accounts-cdc")
    deployed.status = status
    reconciler.handler(delete, None)
    assert deployed.sent[-1]["Status"] == "SUCCESS" and "accounts-cdc" not in connect.fake.connectors


def test_deleting_the_stack_keeps_the_connector_its_offsets_and_its_slot(connect, deployed):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    delete = event("Delete", connect.url, physical="accounts-cdc", slot_on_delete="drop")
    deployed.status = "DELETE_IN_PROGRESS"
    reconciler.handler(delete, None)
    assert (deployed.sent[-1]["Status"], deployed.sent[-1]["Data"]) == ("SUCCESS", {"Action": "kept with the stack"})
    assert connect.fake.requests == [] and connect.fake.connectors["accounts-cdc"].config == CONFIG


def test_a_renamed_connector_takes_its_slot_over_from_its_old_name(connect, deployed):
    """The old name still runs on the slot (CloudFormation deletes it only after creating the new one): it is
    deleted first, its slot kept for the new name, so exactly one connector holds the slot."""
    connect.fake.assignment_polls = 0
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    connect.fake.connectors["payments-cdc"] = Connector({**CONFIG, "slot.name": "debezium_payments"})
    renamed = event("Create", connect.url, name="accounts-capture", logical_id="AccountsCapture",
                    config={**CONFIG, "database.password": "${env:DBZ_ACCOUNTS_CAPTURE_PASSWORD}"})
    reconciler.handler(renamed, None)
    assert (deployed.sent[-1]["Status"], deployed.sent[-1]["Data"]) == (
        "SUCCESS", {"Action": "created", "State": "RUNNING", "Replaced": "accounts-cdc"})
    assert sorted(connect.fake.connectors) == ["accounts-capture", "payments-cdc"]
    writes = connect.fake.writes()
    assert writes.index(("DELETE", "/connectors/accounts-cdc")) < writes.index(("POST", "/connectors"))
    # The old resource's Delete, in CloudFormation's cleanup, finds it gone and drops no slot.
    reconciler.handler(event("Delete", connect.url, physical="accounts-cdc", slot_on_delete="drop"), None)
    assert deployed.sent[-1]["Data"] == {"Action": "absent", "Slot": "absent"}


def test_a_connector_the_template_still_declares_is_never_taken_over(connect, deployed):
    connect.fake.assignment_polls = 0
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    event("Create", connect.url)  # accounts-cdc stays declared
    twin = event("Create", connect.url, name="accounts-twin", logical_id="AccountsTwin",
                 config={**CONFIG, "database.password": "${env:DBZ_ACCOUNTS_TWIN_PASSWORD}"})
    reconciler.handler(twin, None)
    assert "accounts-cdc" in connect.fake.connectors and "Replaced" not in deployed.sent[-1].get("Data", {})


def test_a_prune_that_would_empty_the_cluster_is_refused(connect, deployed):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(CONFIG))
    prune = event("Create", connect.url, resource_type="Custom::KafkaConnectorPrune", declared=[], logical_id="Prune")
    reconciler.handler(prune, None)
    assert deployed.sent[-1]["Reason"].startswith("the deployed template declares no connector on this Connect cluster")
    assert "accounts-cdc" in connect.fake.connectors


def test_a_prune_list_other_than_the_templates_is_refused(connect, deployed):
    event("Create", connect.url)
    prune = event("Create", connect.url, resource_type="Custom::KafkaConnectorPrune", declared=["accounts-cdc"],
                  logical_id="Prune")
    prune["ResourceProperties"]["DeclaredConnectors"] = ["accounts-cdc", "smuggled-cdc"]
    reconciler.handler(prune, None)
    assert deployed.sent[-1]["Reason"] == "Prune: DeclaredConnectors differ from the deployed template's"


def test_a_refusal_is_published_for_its_connect_cluster(monkeypatch):
    published = []

    class CloudWatch:
        def put_metric_data(self, **request):
            published.append(request)

    monkeypatch.undo()  # the real _count_refusal
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-dev")
    reconciler._count_refusal(CloudWatch())
    assert published == [{"Namespace": "KafkaPlatform/Connect", "MetricData": [{
        "MetricName": "RefusedRequests", "Value": 1, "Unit": "Count",
        "Dimensions": [{"Name": "ConnectCluster", "Value": "bank-cdc-dev"}]}]}]
