"""The health monitor: counts failures, publishes them, restarts with a growing backoff, forgets when healthy."""

import json
import logging
import time

import pytest

from tests.runtime_code.fake_connect import Connector, FakeConnectServer
from tests.runtime_code.lambda_modules import load
from tests.runtime_code.memory_stores import FakeCloudFormation, MemoryState, RecordingCloudWatch

health = load("connect_health")
connect_rest = load("connect_rest")
deployed = load("deployed")


@pytest.fixture
def connect():
    with FakeConnectServer() as server:
        server.fake.assignment_polls = 0
        for name in ("accounts-cdc", "payments-cdc", "cards-cdc"):
            server.fake.connectors[name] = Connector({"connector.class": "x"})
        yield server


def check(connect, state, now):
    return health.check(connect_rest.ConnectClient(connect.url, deadline=time.monotonic() + 10), state, now)


def test_failed_connectors_and_tasks_are_counted(connect):
    connect.fake.fail("accounts-cdc", "boom")
    connect.fake.fail("payments-cdc", "boom", task=True)
    report = check(connect, {}, now=1000.0)
    assert report.metrics() == {"Connectors": 3, "FailedConnectors": 1, "FailedTasks": 1, "RestartsRequested": 2,
                                "CredentialsRefused": 0, "StreamsUnwatched": 0, "PruneRefused": 0}  # drift not checked
    assert report.failed_connectors == ["accounts-cdc"] and report.failed_tasks == ["payments-cdc/0"]


def test_a_failed_task_is_restarted_and_a_failed_connector_restarted_with_its_failed_tasks(connect):
    connect.fake.fail("accounts-cdc", "boom")
    connect.fake.fail("payments-cdc", "boom", task=True)
    check(connect, {}, now=1000.0)
    assert ("POST", "/connectors/accounts-cdc/restart?includeTasks=true&onlyFailed=true") in connect.fake.requests
    assert ("POST", "/connectors/payments-cdc/tasks/0/restart") in connect.fake.requests
    assert connect.fake.connectors["payments-cdc"].task_state == "RUNNING"


@pytest.mark.parametrize("restarts,delay_minutes", [(0, 0), (1, 2), (2, 6), (3, 12), (4, 20)])
def test_the_backoff_grows_like_strimzi(restarts, delay_minutes):
    assert health.restart_delay_seconds(restarts) == delay_minutes * 60


def test_restarts_wait_for_the_backoff_and_stop_after_the_maximum(connect):
    state = {}
    restarted_at = []
    now = 0.0
    for _ in range(200):  # a task that fails again and again, checked every minute for 200 minutes
        connect.fake.fail("cards-cdc", "boom", task=True)
        report = check(connect, state, now)
        if "cards-cdc" in report.restarted:
            restarted_at.append(now / 60)
        now += 60
    assert restarted_at == [0, 2, 8, 20, 40, 70, 112]
    assert state["cards-cdc"]["restarts"] == health.MAX_RESTARTS


def test_a_connector_healthy_long_enough_starts_afresh(connect):
    state = {"cards-cdc": {"restarts": 3, "last": 0.0}}
    check(connect, state, now=health.RESET_AFTER_SECONDS - 1)
    assert "cards-cdc" in state
    check(connect, state, now=health.RESET_AFTER_SECONDS)
    assert "cards-cdc" not in state


def test_the_handler_publishes_the_counts_and_keeps_the_history(connect, monkeypatch):
    cloudwatch, stored = RecordingCloudWatch(), {}

    class Store:
        def load(self):
            return dict(stored)

        def save(self, state):
            stored.clear()
            stored.update(state)

    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    monkeypatch.delenv("STACK_ID", raising=False)  # no stack to read: drift is not checked, the rest is published
    connect.fake.fail("accounts-cdc", "boom")
    connect.fake.connectors["payments-cdc"].offset = {"lsn": 700, "ts_usec": 4_990_000_000, "txId": 9}
    result = health.handler({}, None, cloudwatch=cloudwatch, store=Store(), clock=lambda: 5000.0)
    assert result["restarted"] == ["accounts-cdc"]
    [request] = cloudwatch.requests
    assert request["Namespace"] == "KafkaPlatform/Connect"
    cluster = [{"Name": "ConnectCluster", "Value": "bank-cdc-prod"}]
    values = {m["MetricName"]: m["Value"] for m in request["MetricData"] if m["Dimensions"] == cluster}
    assert values == {"Connectors": 3, "FailedConnectors": 1, "FailedTasks": 0, "RestartsRequested": 1,
                      "CredentialsRefused": 0, "StreamsUnwatched": 2, "PruneRefused": 0}
    streams = {(m["MetricName"], m["Dimensions"][1]["Value"]): (m["Value"], m["Unit"]) for m in request["MetricData"]
               if m["Dimensions"] != cluster}
    assert streams == {("StreamLagSeconds", "payments-cdc"): (10.0, "Seconds"),
                       ("SecondsSinceLastEvent", "payments-cdc"): (0.0, "Seconds")}
    assert all(m["Dimensions"][0] == cluster[0] for m in request["MetricData"])
    assert stored == {"accounts-cdc": {"restarts": 1, "last": 5000.0}, "_streams": {"payments-cdc": [700, 5000.0]}}


def test_the_parameter_store_round_trips_the_history():
    class Ssm:
        value = "{}"

        def get_parameter(self, Name):  # noqa: N803
            return {"Parameter": {"Value": self.value}}

        def put_parameter(self, Name, Value, Overwrite, Tier):  # noqa: N803
            assert Overwrite and Tier == "Intelligent-Tiering"  # 80 streams' positions pass the standard 4 KB
            self.value = Value

    store = health.ParameterStore("/kafka-platform/connect/restarts", Ssm())
    store.save({"x": {"restarts": 1, "last": 2.0}})
    assert store.load() == {"x": {"restarts": 1, "last": 2.0}}


def test_a_connector_whose_database_refuses_its_credentials_is_not_restarted(connect):
    """Restarting would only send the database more failed logins: it is counted, alarmed on, and left alone."""
    connect.fake.fail("accounts-cdc", "org.postgresql.util.PSQLException: FATAL: password authentication failed for "
                                      "user \"debezium\"", task=True)
    state = {}
    report = check(connect, state, now=1000.0)
    assert report.credentials_refused == ["accounts-cdc"] and report.restarted == []
    assert report.metrics()["CredentialsRefused"] == 1 and state == {}
    assert not any("restart" in path for _, path in connect.fake.requests)


def test_a_restart_that_fails_still_counts_and_the_history_is_kept(connect, monkeypatch):
    connect.fake.fail("cards-cdc", "boom", task=True)

    def refuse(*args, **kwargs):
        raise connect_rest.ConnectError("POST /connectors/cards-cdc/tasks/0/restart: 500", 500)

    client = connect_rest.ConnectClient(connect.url, deadline=time.monotonic() + 10)
    monkeypatch.setattr(client, "restart_task", refuse)
    state = {}
    report = health.check(client, state, now=1000.0)
    assert report.restarted == [] and report.waiting == ["cards-cdc"]
    assert state["cards-cdc"] == {"restarts": 1, "last": 1000.0}  # the next try waits for its backoff


def test_the_history_is_saved_even_when_the_check_fails_midway(connect, monkeypatch):
    saved = []

    class Store:
        def load(self):
            return {"cards-cdc": {"restarts": 2, "last": 10.0}}

        def save(self, state):
            saved.append(dict(state))

    monkeypatch.setenv("CONNECT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("CONNECT_CLUSTER", "c")
    monkeypatch.setattr(health, "CHECK_BUDGET_SECONDS", 0.5)
    with pytest.raises(connect_rest.ConnectError):
        health.handler({}, None, cloudwatch=object(), store=Store(), clock=lambda: 5000.0)
    assert saved == [{"cards-cdc": {"restarts": 2, "last": 10.0}}]


def watch(connect, state, now):
    client = connect_rest.ConnectClient(connect.url, deadline=time.monotonic() + 10)
    report = health.Report()
    health.watch_streams(client, sorted(connect.fake.connectors), state, now, report)
    return report


def test_a_stream_that_stops_moving_is_seen_while_connect_says_running(connect):
    """The position moves with every heartbeat; when it stops, SecondsSinceLastEvent grows by the monitor's own clock
    and StreamLagSeconds by the database's commit time, though the connector and its task stay RUNNING."""
    stream = connect.fake.connectors["accounts-cdc"]
    state = {}
    for minute, lsn in enumerate([100, 200, 300]):  # a heartbeat committed a second before each check
        now = 10_000.0 + 60 * minute
        stream.offset = {"lsn": lsn, "ts_usec": int((now - 1) * 1_000_000)}
        report = watch(connect, state, now)
        assert report.streams["accounts-cdc"] == {"StreamLagSeconds": 1.0, "SecondsSinceLastEvent": 0.0}
    for minute in (3, 4, 5):  # the slot stops: the offset stays at lsn 300
        report = watch(connect, state, 10_000.0 + 60 * minute)
        assert report.streams["accounts-cdc"] == {"StreamLagSeconds": 60.0 * (minute - 2) + 1,
                                                  "SecondsSinceLastEvent": 60.0 * (minute - 2)}
    assert stream.state == "RUNNING" and stream.task_state == "RUNNING"
    assert report.unwatched == ["cards-cdc", "payments-cdc"]  # no offset committed yet


def test_a_stream_falling_behind_still_moves(connect):
    """Lag and silence differ: a stream working through a backlog moves (SecondsSinceLastEvent 0) while it runs
    minutes behind its database."""
    stream = connect.fake.connectors["payments-cdc"]
    state = {}
    for minute in range(3):
        now = 20_000.0 + 60 * minute
        stream.offset = {"lsn": 1000 + minute, "ts_usec": int((now - 600 - 30 * minute) * 1_000_000)}
        report = watch(connect, state, now)
    assert report.streams["payments-cdc"] == {"StreamLagSeconds": 660.0, "SecondsSinceLastEvent": 0.0}


def test_a_connector_that_is_gone_is_forgotten_and_an_unreadable_offset_is_unwatched(connect):
    state = {"_streams": {"old-cdc": [5, 1.0], "cards-cdc": [7, 1.0]}}
    connect.fake.connectors["cards-cdc"].offset = {"lsn": 7, "ts_usec": 0}
    connect.fake.connectors["accounts-cdc"].offset = {"lsn": "not a number", "ts_usec": 1}
    report = watch(connect, state, 61.0)
    assert state["_streams"] == {"cards-cdc": [7, 1.0]}
    assert report.streams["cards-cdc"]["SecondsSinceLastEvent"] == 60.0
    assert report.unwatched == ["accounts-cdc", "payments-cdc"]


def test_the_stream_position_is_debeziums_lsn_and_commit_time():
    assert health.stream_position([{"partition": {"server": "cdc.accounts"},
                                    "offset": {"lsn": 92038000, "ts_usec": 1795997778941842, "txId": 772}}]) == \
        (92038000, 1795997778.941842)
    assert health.stream_position([]) is None and health.stream_position(None) is None
    assert health.stream_position([{"partition": {}, "offset": {"lsn": 1}}]) is None


def test_metrics_are_published_in_requests_of_at_most_1000():
    cloudwatch = RecordingCloudWatch()

    report = health.Report(streams={f"s{i:03d}": {"StreamLagSeconds": 1.0, "SecondsSinceLastEvent": 0.0}
                                    for i in range(600)})
    health.publish(cloudwatch, "c", report)
    assert [len(r["MetricData"]) for r in cloudwatch.requests] == [1000, 207]  # 7 counts + 2 x 600 streams


@pytest.mark.parametrize("trace", [
    'FATAL: password authentication failed for user "debezium"',
    'FATAL: no pg_hba.conf entry for host "10.0.1.5", user "debezium"',
    "FATAL: Ident Authentication Failed For User debezium",          # any case
    "SQLState 28000: Invalid Authorization Specification",
])
@pytest.mark.parametrize("where", ["connector", "task"])
def test_each_refused_login_is_recognised_in_the_connector_or_a_task(trace, where):
    status = {"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "RUNNING"}]}
    (status["connector"] if where == "connector" else status["tasks"][0])["trace"] = trace
    assert health.credentials_refused(status)


def test_other_failures_are_not_refused_logins():
    assert not health.credentials_refused({"connector": {"state": "FAILED", "trace": "Connection refused"},
                                           "tasks": [{"id": 0, "state": "FAILED", "trace": "timeout"}]})
    assert not health.credentials_refused({"connector": {"state": "FAILED"}})  # no trace, no tasks


def test_a_connector_at_the_maximum_waits_and_is_not_restarted(connect):
    connect.fake.fail("cards-cdc", "boom", task=True)
    state = {"cards-cdc": {"restarts": health.MAX_RESTARTS, "last": 0.0}}
    report = check(connect, state, now=1e9)
    assert report.waiting == ["cards-cdc"] and report.restarted == []
    assert state["cards-cdc"] == {"restarts": health.MAX_RESTARTS, "last": 0.0}
    assert health.MAX_RESTARTS == 7 and health.RESET_AFTER_SECONDS == 600


def test_a_restart_is_due_exactly_when_its_backoff_ends(connect):
    connect.fake.fail("cards-cdc", "boom", task=True)
    state = {"cards-cdc": {"restarts": 1, "last": 0.0}}
    assert check(connect, state, now=119.0).waiting == ["cards-cdc"]
    assert check(connect, state, now=120.0).restarted == ["cards-cdc"]
    assert state["cards-cdc"] == {"restarts": 2, "last": 120.0}


def test_every_failed_task_of_a_running_connector_is_restarted(connect, monkeypatch):
    client = connect_rest.ConnectClient(connect.url, deadline=time.monotonic() + 10)
    monkeypatch.setattr(client, "statuses", lambda: {"orders-cdc": {"status": {
        "connector": {"state": "RUNNING"},
        "tasks": [{"id": 0, "state": "FAILED"}, {"id": 1, "state": "RUNNING"}, {"id": 2, "state": "FAILED"}]}}})
    restarted = []
    monkeypatch.setattr(client, "restart_task", lambda name, task: restarted.append((name, task)))
    report = health.check(client, {}, now=0.0)
    assert restarted == [("orders-cdc", 0), ("orders-cdc", 2)]
    assert report.failed_tasks == ["orders-cdc/0", "orders-cdc/2"] and report.restarted == ["orders-cdc"]


def test_the_parameter_store_writes_compact_sorted_json_to_its_parameter():
    calls = []

    class Ssm:
        def get_parameter(self, Name):  # noqa: N803
            calls.append(("get", Name))
            return {"Parameter": {"Value": ""}}

        def put_parameter(self, **request):
            calls.append(("put", request))

    store = health.ParameterStore("/p/restarts", Ssm())
    assert store.name == "/p/restarts"
    assert store.load() == {}  # an empty parameter reads as no history
    store.save({"b": {"restarts": 1, "last": 2.0}, "a": [1, 2]})
    assert calls == [("get", "/p/restarts"),
                     ("put", {"Name": "/p/restarts", "Value": '{"a":[1,2],"b":{"last":2.0,"restarts":1}}',
                              "Overwrite": True, "Tier": "Intelligent-Tiering"})]


def test_published_metrics_are_counts_under_the_cluster_dimension():
    cloudwatch = RecordingCloudWatch()

    report = health.Report(connectors=2, failed_connectors=["a"], drifted=[])
    health.publish(cloudwatch, "bank-cdc", report)
    [request] = cloudwatch.requests
    assert request["Namespace"] == "KafkaPlatform/Connect"
    assert request["MetricData"][0] == {"MetricName": "Connectors", "Dimensions": [
        {"Name": "ConnectCluster", "Value": "bank-cdc"}], "Value": 2, "Unit": "Count"}
    assert {m["MetricName"]: m["Value"] for m in request["MetricData"]} == {
        "Connectors": 2, "FailedConnectors": 1, "FailedTasks": 0, "RestartsRequested": 0, "CredentialsRefused": 0,
        "StreamsUnwatched": 0, "PruneRefused": 0, "DriftedConnectors": 0}


def test_exactly_1000_metrics_go_in_one_request():
    cloudwatch = RecordingCloudWatch()

    # 8 counts (drift checked) + 2 per stream: 496 streams make 1000 metrics.
    report = health.Report(drifted=[], streams={f"s{i:03d}": {"StreamLagSeconds": 1.0, "SecondsSinceLastEvent": 0.0}
                                                for i in range(496)})
    health.publish(cloudwatch, "c", report)
    assert [len(r["MetricData"]) for r in cloudwatch.requests] == [1000]


@pytest.fixture
def scheduled(connect, monkeypatch):
    """The handler's environment, with the drift check recorded instead of run."""
    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc")
    monkeypatch.delenv("CORRECT_DRIFT", raising=False)
    monkeypatch.delenv("PRUNE_UNDECLARED", raising=False)
    calls = {"drift": [], "prune": []}

    def drift(client, declarations, *, correct_drift, prune):
        calls["drift"].append({"correct_drift": correct_drift, "prune": prune})
        return [], []

    monkeypatch.setattr(health, "reconcile_drift", drift)
    monkeypatch.setattr(health, "prune_after_deployment",
                        lambda client, declarations: calls["prune"].append(declarations) or ["stale-cdc"])
    return calls


def settled(*names):
    """The monitor's stack, settled, its template declaring ``names`` on the test's Connect cluster."""
    import os

    cloudformation = FakeCloudFormation("UPDATE_COMPLETE")
    for name in names:
        cloudformation.declare(name.title().replace("-", ""), "Custom::KafkaConnector", {
            "ConnectUrl": os.environ["CONNECT_URL"], "ConnectorName": name, "Config": {"connector.class": "x"}})
    return deployed.DeployedStack(cloudformation.stack_id, cloudformation)


def run_handler(event, **options):
    options.setdefault("stack", settled())
    return health.handler(event, None, cloudwatch=RecordingCloudWatch(), store=MemoryState(), clock=lambda: 1.0,
                          **options)


def test_drift_is_corrected_and_nothing_pruned_by_default(scheduled):
    result = run_handler({})
    assert scheduled["drift"] == [{"correct_drift": True, "prune": False}]
    assert result["drifted"] == [] and result["metrics"]["DriftedConnectors"] == 0
    assert set(result) == {"metrics", "restarted", "waiting", "drifted", "corrected", "streams", "prune_refused"}


@pytest.mark.parametrize("correct, prune, expected", [
    ("false", "true", {"correct_drift": False, "prune": True}),
    ("true", "false", {"correct_drift": True, "prune": False}),
    ("FALSE", "TRUE", {"correct_drift": False, "prune": False}),  # only "true" turns a switch on
])
def test_the_drift_switches_come_from_the_environment(scheduled, monkeypatch, correct, prune, expected):
    monkeypatch.setenv("CORRECT_DRIFT", correct)
    monkeypatch.setenv("PRUNE_UNDECLARED", prune)
    run_handler({}, stack=settled("accounts-cdc", "payments-cdc", "cards-cdc"))
    assert scheduled["drift"] == [expected]


def test_without_its_stack_drift_is_not_checked(scheduled, monkeypatch):
    monkeypatch.delenv("STACK_ID", raising=False)  # own_stack() knows no stack
    result = run_handler([], stack=None)  # a non-mapping event is a scheduled run
    assert scheduled["drift"] == [] and result["drifted"] is None
    assert "DriftedConnectors" not in result["metrics"]


def test_a_deployment_prunes_only_when_pruning_is_on(scheduled, monkeypatch):
    assert run_handler({"trigger": "deployment"}) == {"pruned": []}
    monkeypatch.setenv("PRUNE_UNDECLARED", "true")
    assert run_handler({"trigger": "deployment"}, stack=settled("a-cdc")) == {"pruned": ["stale-cdc"]}
    assert scheduled["prune"] == [{"a-cdc"}] and scheduled["drift"] == []
    assert run_handler({"trigger": "schedule"})["drifted"] == []  # any other trigger: a check


def test_without_injected_clients_the_handler_makes_boto3_s(scheduled, monkeypatch):
    import sys
    import types


    made, parameters = [], {"/kp/restarts": "{}"}

    class Ssm:
        def get_parameter(self, Name):  # noqa: N803
            return {"Parameter": {"Value": parameters[Name]}}

        def put_parameter(self, Name, Value, **_):  # noqa: N803
            parameters[Name] = Value

    cloudwatch = RecordingCloudWatch()
    clients = {"cloudwatch": cloudwatch, "ssm": Ssm(), "cloudformation": FakeCloudFormation()}
    monkeypatch.setitem(sys.modules, "boto3", types.SimpleNamespace(
        client=lambda name: made.append(name) or clients[name]))
    monkeypatch.setenv("RESTART_STATE_PARAMETER", "/kp/restarts")
    monkeypatch.setenv("STACK_ID", FakeCloudFormation.STACK_ID)
    health.handler({}, None, clock=lambda: 1.0)
    assert sorted(made) == ["cloudformation", "cloudwatch", "ssm"]
    assert {m["MetricName"] for m in cloudwatch.metric_data} >= {"Connectors", "FailedConnectors"}
    assert json.loads(parameters["/kp/restarts"]) == {"_streams": {}, "_declared": [0, "2026-12-01T09:00:00+00:00"]}


class _Offsets:
    """A client whose offsets are scripted per connector (an exception is raised)."""

    def __init__(self, offsets):
        self.answers = offsets

    def offsets(self, name):
        answer = self.answers[name]
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_unreadable_offsets_are_logged_exactly_and_the_stream_unwatched(caplog):
    client = _Offsets({"a-cdc": connect_rest.ConnectError("HTTP 500")})
    report = health.Report()
    with caplog.at_level(logging.ERROR):
        health.watch_streams(client, ["a-cdc"], {}, 100.0, report)
    assert [r.getMessage() for r in caplog.records] == ["the offsets of a-cdc could not be read: HTTP 500"]
    assert report.unwatched == ["a-cdc"] and report.streams == {}


def test_stream_figures_are_kept_to_a_tenth_of_a_second():
    client = _Offsets({"a-cdc": [{"offset": {"lsn": 5, "ts_usec": 99_560_000}}]})
    report = health.Report()
    state = {"_streams": {"a-cdc": [5, 87.66]}}
    health.watch_streams(client, ["a-cdc"], state, 100.0, report)
    assert report.streams["a-cdc"] == {"StreamLagSeconds": 0.4, "SecondsSinceLastEvent": 12.3}
    ahead = _Offsets({"a-cdc": [{"offset": {"lsn": 6, "ts_usec": 100_700_000}}]})  # the database's clock is ahead
    health.watch_streams(ahead, ["a-cdc"], state, 100.0, report)
    assert report.streams["a-cdc"] == {"StreamLagSeconds": 0.0, "SecondsSinceLastEvent": 0.0}


def test_each_stream_is_published_under_its_connector():
    cloudwatch = RecordingCloudWatch()

    health.publish(cloudwatch, "bank-cdc", health.Report(streams={"a-cdc": {"StreamLagSeconds": 1.5}}))
    [stream] = [m for m in cloudwatch.requests[0]["MetricData"] if m["MetricName"] == "StreamLagSeconds"]
    assert stream == {"MetricName": "StreamLagSeconds", "Value": 1.5, "Unit": "Seconds", "Dimensions": [
        {"Name": "ConnectCluster", "Value": "bank-cdc"}, {"Name": "Connector", "Value": "a-cdc"}]}


def test_the_handler_reads_its_stack_and_credentials_from_its_environment(scheduled, monkeypatch):
    store, made = settled("accounts-cdc"), []
    seen = {}
    monkeypatch.setattr(health, "own_stack", lambda: store)
    monkeypatch.setattr(connect_rest, "rest_access", lambda fresh=False: connect_rest.RestAccess("platform", "pw"))
    real = connect_rest.ConnectClient
    monkeypatch.setattr(connect_rest, "ConnectClient",
                        lambda url, **options: made.append(options) or real(url, **options))

    def drift(client, declarations, *, correct_drift, prune):
        seen["declarations"] = declarations
        return [], []

    monkeypatch.setattr(health, "reconcile_drift", drift)
    run_handler({}, stack=None)
    assert list(seen["declarations"]) == ["accounts-cdc"] and made[0]["credentials"] == ("platform", "pw")


def test_failed_tasks_of_every_connector_are_counted_and_a_status_without_tasks_is_read(connect, monkeypatch):
    client = connect_rest.ConnectClient(connect.url, deadline=time.monotonic() + 10)
    monkeypatch.setattr(client, "statuses", lambda: {
        "a-cdc": {"status": {"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "FAILED"}]}},
        "b-cdc": {"status": {"connector": {"state": "RUNNING"}, "tasks": [{"id": 1, "state": "FAILED"}]}},
        "c-cdc": {"status": {"connector": {"state": "STOPPED"}}}})
    monkeypatch.setattr(client, "restart_task", lambda name, task: None)
    report = health.check(client, {}, now=0.0)
    assert report.failed_tasks == ["a-cdc/0", "b-cdc/1"] and report.connectors == 3


def test_a_healthy_connector_is_forgotten_ten_minutes_after_its_last_restart(connect):
    state = {"cards-cdc": {"restarts": 3, "last": 5000.0}}
    check(connect, state, now=5000.0 + health.RESET_AFTER_SECONDS - 1)
    assert "cards-cdc" in state
    check(connect, state, now=5000.0 + health.RESET_AFTER_SECONDS)
    assert "cards-cdc" not in state


def test_unreadable_declarations_are_logged_with_the_error_type(scheduled, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("AccessDeniedException")

    monkeypatch.setattr(health, "reconcile_drift", broken)
    with caplog.at_level(logging.ERROR):
        result = run_handler({})
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        "drift could not be checked (nothing is published for it): RuntimeError: AccessDeniedException"]
    assert result["drifted"] is None


def test_an_unreachable_cluster_is_logged_by_name(monkeypatch, caplog):

    monkeypatch.setenv("CONNECT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc")
    monkeypatch.setattr(health, "CHECK_BUDGET_SECONDS", 0.3)
    with caplog.at_level(logging.ERROR), pytest.raises(connect_rest.ConnectError) as raised:
        health.handler({}, None, cloudwatch=object(), store=MemoryState(), clock=lambda: 1.0)
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR][-1] == (
        f"Connect cluster bank-cdc could not be checked: {raised.value}")


def test_a_store_is_made_when_only_cloudwatch_is_given(scheduled, monkeypatch):
    import sys
    import types


    made = []

    class Ssm:
        def get_parameter(self, Name):  # noqa: N803
            return {"Parameter": {"Value": "{}"}}

        def put_parameter(self, **_):
            made.append("saved")

    monkeypatch.setitem(sys.modules, "boto3", types.SimpleNamespace(client=lambda name: made.append(name) or (
        Ssm() if name == "ssm" else RecordingCloudWatch())))
    monkeypatch.setenv("RESTART_STATE_PARAMETER", "/kp/restarts")
    cloudwatch = RecordingCloudWatch()
    health.handler({}, None, cloudwatch=cloudwatch, clock=lambda: 1.0)
    assert "ssm" in made and "saved" in made and cloudwatch.metric_data  # its own CloudWatch client is kept


def scripted_statuses(client, monkeypatch, statuses, fail_restart=()):
    monkeypatch.setattr(client, "statuses", lambda: {name: {"status": status} for name, status in statuses.items()})
    restarted = []

    def restart(name, task=None):
        if name in fail_restart:
            raise connect_rest.ConnectError("HTTP 500")
        restarted.append(name)

    monkeypatch.setattr(client, "restart_task", restart)
    monkeypatch.setattr(client, "restart_connector", restart)
    return restarted


FAILED = {"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "FAILED"}]}
REFUSED = {"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "FAILED",
                                                         "trace": "FATAL: password authentication failed"}]}
HEALTHY = {"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "RUNNING"}]}


@pytest.mark.parametrize("first", ["healthy", "refused", "failing-restart", "waiting"])
def test_each_connector_is_judged_whatever_came_before_it(connect, monkeypatch, first, caplog):
    client = connect_rest.ConnectClient(connect.url, deadline=time.monotonic() + 10)
    before = {"healthy": HEALTHY, "refused": REFUSED, "failing-restart": FAILED, "waiting": FAILED}[first]
    restarted = scripted_statuses(client, monkeypatch, {"a-cdc": before, "b-cdc": FAILED}, fail_restart=("a-cdc",))
    state = {"a-cdc": {"restarts": 1, "last": 0.0}} if first == "waiting" else {}  # a-cdc in its 2-minute backoff
    with caplog.at_level(logging.INFO):
        report = health.check(client, state, now=0.0)
    assert restarted == ["b-cdc"] and report.restarted == ["b-cdc"]
    messages = [r.getMessage() for r in caplog.records]
    assert "restarted b-cdc (restart 1)" in messages
    if first == "failing-restart":
        assert "restarting a-cdc failed (restart 1, counted): HTTP 500" in messages


def test_offsets_are_read_eight_at_a_time():
    """Connect reads each from its offsets topic: eight readers at once, not one per connector, nor one per core."""
    import threading

    lock, running, peak = threading.Lock(), [0], [0]

    class Slow:
        def offsets(self, name):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.1)
            with lock:
                running[0] -= 1
            return None

    health.watch_streams(Slow(), [f"c{i:02d}" for i in range(24)], {}, 0.0, health.Report())
    assert peak[0] == health.OFFSET_READERS == 8


def test_a_cloudwatch_client_is_made_when_only_the_store_is_given(scheduled, monkeypatch):
    import sys
    import types


    cloudwatch, made = RecordingCloudWatch(), []
    monkeypatch.setitem(sys.modules, "boto3", types.SimpleNamespace(client=lambda name: made.append(name) or cloudwatch))
    monkeypatch.delenv("RESTART_STATE_PARAMETER", raising=False)  # the given store is used: no parameter is named
    health.handler({}, None, store=MemoryState(), clock=lambda: 1.0)
    assert made == ["cloudwatch"] and cloudwatch.metric_data


# ---- a secret's new current version: exactly its connectors restart ---------------------------------------------
SECRET = "arn:aws:secretsmanager:eu-west-2:111111111111:secret:payments-db-AbCdEf"
OTHER = "arn:aws:secretsmanager:eu-west-2:111111111111:secret:accounts-db-AbCdEf"


def _stack_with_sources(connect):
    """The deployed template as the construct writes it: each connector's config names its variables, and the task
    definition names each variable's secret and field."""
    cloudformation = FakeCloudFormation()
    environment = []
    for name, secret in (("accounts-cdc", OTHER), ("payments-cdc", SECRET), ("cards-cdc", SECRET)):
        prefix = "DBZ_" + name.upper().replace("-", "_")
        cloudformation.declare(name, "Custom::KafkaConnector", {
            "ConnectUrl": connect.url, "ConnectorName": name,
            "Config": {"database.user": f"${{env:{prefix}_USER}}", "database.password": f"${{env:{prefix}_PASSWORD}}"}})
        environment += [{"Name": f"{prefix}_USER_FROM_SECRET", "Value": f"{secret}#username"},
                        {"Name": f"{prefix}_PASSWORD_FROM_SECRET", "Value": f"{secret}#password"}]
    cloudformation.template["Resources"]["TaskDefinition"] = {"Type": "AWS::ECS::TaskDefinition", "Properties": {
        "ContainerDefinitions": [{"Environment": [{"Name": "CONNECT_HEAP", "Value": "1g"}, *environment]}]}}
    return deployed.DeployedStack(cloudformation.stack_id, cloudformation)


def _label_event(secret, label="AWSCURRENT"):
    return {"version": "0", "detail-type": "Secret Label Updated", "source": "aws.secretsmanager",
            "resources": [secret], "detail": {"name": "payments-db", "labelUpdated": label, "versionId": "v2"}}


def test_the_stack_says_which_secret_each_credential_comes_from(connect):
    stack = _stack_with_sources(connect)
    assert stack.credential_sources()["DBZ_PAYMENTS_CDC_PASSWORD"] == SECRET
    assert "CONNECT_HEAP" not in stack.credential_sources()
    assert deployed.SOURCE_SUFFIX == __import__("kafka_platform.domain.connect_worker",
                                                fromlist=["x"]).CREDENTIAL_SOURCE_SUFFIX


def test_a_new_current_version_restarts_exactly_the_connectors_that_read_the_secret(connect, monkeypatch):
    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-dev")
    cloudwatch = RecordingCloudWatch()
    answer = health.handler(_label_event(SECRET), None, cloudwatch=cloudwatch, stack=_stack_with_sources(connect))
    assert answer == {"restarted_for_credentials": ["cards-cdc", "payments-cdc"]}
    restarts = [path for method, path in connect.fake.writes() if method == "POST"]
    assert sorted(restarts) == ["/connectors/cards-cdc/restart?includeTasks=true&onlyFailed=false",
                                "/connectors/payments-cdc/restart?includeTasks=true&onlyFailed=false"]
    assert ("CredentialRestarts", 2) in [(m["MetricName"], m["Value"]) for r in cloudwatch.requests
                                         for m in r["MetricData"]]


@pytest.mark.parametrize("event", [_label_event(SECRET, "AWSPENDING"), _label_event(SECRET, "AWSPREVIOUS"),
                                   {"detail-type": "Secret Label Updated", "resources": [],
                                    "detail": {"labelUpdated": "AWSCURRENT"}},
                                   _label_event("arn:aws:secretsmanager:eu-west-2:111111111111:secret:other-AbCdEf")])
def test_other_labels_and_other_secrets_restart_nothing(connect, monkeypatch, event):
    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-dev")
    answer = health.handler(event, None, cloudwatch=RecordingCloudWatch(), stack=_stack_with_sources(connect))
    assert answer == {"restarted_for_credentials": []}
    assert connect.fake.writes() == []
