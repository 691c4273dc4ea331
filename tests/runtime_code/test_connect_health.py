"""The health monitor: counts failures, publishes them, restarts with a growing backoff, forgets when healthy."""

import time

import pytest

from tests.runtime_code.fake_connect import Connector, FakeConnectServer
from tests.runtime_code.lambda_modules import load

health = load("connect_health")
connect_rest = load("connect_rest")


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
                                "CredentialsRefused": 0}
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
    published, stored = [], {}

    class CloudWatch:
        def put_metric_data(self, **request):
            published.append(request)

    class Store:
        def load(self):
            return dict(stored)

        def save(self, state):
            stored.clear()
            stored.update(state)

    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    connect.fake.fail("accounts-cdc", "boom")
    result = health.handler({}, None, cloudwatch=CloudWatch(), store=Store(), clock=lambda: 5000.0)
    assert result["restarted"] == ["accounts-cdc"]
    [request] = published
    assert request["Namespace"] == "KafkaPlatform/Connect"
    values = {m["MetricName"]: m["Value"] for m in request["MetricData"]}
    assert values == {"Connectors": 3, "FailedConnectors": 1, "FailedTasks": 0, "RestartsRequested": 1,
                      "CredentialsRefused": 0}
    assert request["MetricData"][0]["Dimensions"] == [{"Name": "ConnectCluster", "Value": "bank-cdc-prod"}]
    assert stored == {"accounts-cdc": {"restarts": 1, "last": 5000.0}}


def test_the_parameter_store_round_trips_the_history():
    class Ssm:
        value = "{}"

        def get_parameter(self, Name):  # noqa: N803
            return {"Parameter": {"Value": self.value}}

        def put_parameter(self, Name, Value, Overwrite):  # noqa: N803
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
