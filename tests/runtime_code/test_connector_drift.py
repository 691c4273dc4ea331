"""Drift between Connect and the declarations: found, reported, and put back (or only reported), as Strimzi does."""

import time

import pytest

from tests.runtime_code.fake_connect import Connector, FakeConnectServer
from tests.runtime_code.lambda_modules import load
from tests.runtime_code.memory_stores import MemoryDeclarations as Memory
from tests.runtime_code.memory_stores import MemoryState, RecordingCloudWatch

drift = load("connector_drift")
declared = load("declared")
connect_rest = load("connect_rest")
health = load("connect_health")

SALT_ARN = "arn:aws:secretsmanager:eu-west-2:333333333333:secret:product/salt-AbCdEf"
SALT = "Salt0123456789abcdef"
HASH_KEY = "column.mask.hash.v2.SHA-256.with.salt."


def declaration(name, state="running", **extra):
    return {"config": {"connector.class": "io.debezium.connector.postgresql.PostgresConnector", "topic.prefix": name,
                       "database.password": f"${{env:DBZ_{name.upper().replace('-', '_')}_PASSWORD}}", **extra},
            "state": state, "salt_secret": None}


@pytest.fixture
def connect():
    with FakeConnectServer() as server:
        server.fake.assignment_polls = 0
        yield server


def run(connect, declarations, *, correct=True, prune=True):
    client = connect_rest.ConnectClient(connect.url, deadline=time.monotonic() + 10)
    return drift.reconcile_drift(client, declarations, correct_drift=correct, prune=prune,
                                 read_secret=lambda arn: SALT if arn == SALT_ARN else "")


def live(connect, name):
    return connect.fake.connectors[name]


def test_a_connector_in_its_declared_state_and_config_is_not_drift(connect):
    declarations = Memory(**{"accounts-cdc": declaration("accounts-cdc")})
    connect.fake.connectors["accounts-cdc"] = Connector(dict(declarations.values["accounts-cdc"]["config"]))
    found, corrected = run(connect, declarations)
    assert found == [] and corrected == [] and connect.fake.writes() == []


def test_a_config_changed_through_the_rest_api_is_put_back(connect):
    declarations = Memory(**{"accounts-cdc": declaration("accounts-cdc", **{"snapshot.mode": "initial"})})
    connect.fake.connectors["accounts-cdc"] = Connector({**declarations.values["accounts-cdc"]["config"],
                                                         "snapshot.mode": "never"})
    found, corrected = run(connect, declarations)
    assert [(d.connector, d.kind) for d in found] == [("accounts-cdc", "config")] and corrected == ["accounts-cdc"]
    assert live(connect, "accounts-cdc").config["snapshot.mode"] == "initial"


def test_a_paused_connector_declared_running_is_resumed_and_a_deleted_one_created_again(connect):
    declarations = Memory(**{"accounts-cdc": declaration("accounts-cdc"),
                             "cards-cdc": declaration("cards-cdc", state="paused")})
    connect.fake.connectors["accounts-cdc"] = Connector(dict(declarations.values["accounts-cdc"]["config"]),
                                                        state="PAUSED", task_state="PAUSED")
    found, _ = run(connect, declarations)
    assert {(d.connector, d.kind) for d in found} == {("accounts-cdc", "state"), ("cards-cdc", "absent")}
    assert live(connect, "accounts-cdc").state == "RUNNING"
    assert live(connect, "cards-cdc").state == "PAUSED"  # created again in its declared state
    assert live(connect, "cards-cdc").config == declarations.values["cards-cdc"]["config"]


def test_a_failed_connector_is_not_state_drift(connect):
    declarations = Memory(**{"accounts-cdc": declaration("accounts-cdc")})
    connect.fake.connectors["accounts-cdc"] = Connector(dict(declarations.values["accounts-cdc"]["config"]))
    connect.fake.fail("accounts-cdc", "boom")
    assert run(connect, declarations) == ([], [])


def test_an_undeclared_connector_is_deleted_only_where_the_configuration_prunes(connect):
    connect.fake.connectors["by-hand"] = Connector({"connector.class": "x"})
    found, corrected = run(connect, Memory(), prune=False)
    assert found == [] and "by-hand" in connect.fake.connectors
    found, corrected = run(connect, Memory(), prune=True)
    assert [(d.connector, d.kind) for d in found] == [("by-hand", "undeclared")] and corrected == ["by-hand"]
    assert "by-hand" not in connect.fake.connectors


def test_correct_drift_false_reports_and_leaves_everything_as_it_is(connect):
    declarations = Memory(**{"accounts-cdc": declaration("accounts-cdc"), "cards-cdc": declaration("cards-cdc")})
    connect.fake.connectors["accounts-cdc"] = Connector({"connector.class": "changed"}, state="PAUSED")
    connect.fake.connectors["by-hand"] = Connector({"connector.class": "x"})
    found, corrected = run(connect, declarations, correct=False)
    assert {(d.connector, d.kind) for d in found} == {("accounts-cdc", "config"), ("cards-cdc", "absent"),
                                                       ("by-hand", "undeclared")}
    assert corrected == [] and connect.fake.writes() == []


def test_a_connector_being_deleted_is_left_alone(connect):
    """The reconciler marks a declaration deleting before it deletes the connector: neither restored nor pruned."""
    connect.fake.connectors["accounts-cdc"] = Connector({"connector.class": "x", "slot.drop.on.stop": "true"})
    assert run(connect, Memory(**{"accounts-cdc": {"deleting": True}})) == ([], [])
    assert "accounts-cdc" in connect.fake.connectors


def test_the_salt_is_compared_as_the_secret_holds_it_and_put_back_with_it(connect):
    config = {"connector.class": "x", HASH_KEY + "{salt}": "public.customers.email"}
    declarations = Memory(**{"product-cdc": {"config": config, "state": "running", "salt_secret": SALT_ARN}})
    connect.fake.connectors["product-cdc"] = Connector({"connector.class": "x", HASH_KEY + SALT: "public.customers.email"})
    assert run(connect, declarations) == ([], [])
    connect.fake.connectors["product-cdc"].config = {"connector.class": "x", HASH_KEY + "guessable": "public.customers.email"}
    found, corrected = run(connect, declarations)
    assert [d.kind for d in found] == ["config"]
    assert live(connect, "product-cdc").config == {"connector.class": "x", HASH_KEY + SALT: "public.customers.email"}


def test_a_declaration_reaching_for_another_connectors_credentials_is_never_written(connect):
    """Whoever can write a declaration cannot make the monitor send a config the reconciler would refuse."""
    bad = declaration("accounts-cdc", **{"database.password": "${env:DBZ_PAYMENTS_CDC_PASSWORD}"})
    found, corrected = run(connect, Memory(**{"accounts-cdc": bad}))
    assert [d.kind for d in found] == ["absent"] and corrected == [] and connect.fake.writes() == []


def test_the_handler_counts_drift_and_publishes_it(connect, monkeypatch):
    cloudwatch = RecordingCloudWatch()
    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    monkeypatch.setenv("CORRECT_DRIFT", "false")
    monkeypatch.setenv("PRUNE_UNDECLARED", "true")
    connect.fake.connectors["by-hand"] = Connector({"connector.class": "x"})
    result = health.handler({}, None, cloudwatch=cloudwatch, store=MemoryState(), clock=lambda: 1.0,
                            declarations=Memory(**{"accounts-cdc": declaration("accounts-cdc")}))
    assert result["drifted"] == ["accounts-cdc", "by-hand"] and result["corrected"] == []
    assert {m["MetricName"]: m["Value"] for m in cloudwatch.metric_data}["DriftedConnectors"] == 2
    monkeypatch.setenv("CORRECT_DRIFT", "true")
    result = health.handler({}, None, cloudwatch=cloudwatch, store=MemoryState(), clock=lambda: 1.0,
                            declarations=Memory(**{"accounts-cdc": declaration("accounts-cdc")}))
    assert result["corrected"] == ["accounts-cdc", "by-hand"] and sorted(connect.fake.connectors) == ["accounts-cdc"]


@pytest.mark.parametrize("prune", ["true", "false"])
def test_after_a_deployment_the_monitor_prunes_even_with_correct_drift_false_and_only_prunes(connect, monkeypatch,
                                                                                             prune):
    """The deployment rule's input: every undeclared connector deleted (CORRECT_DRIFT false does not stop the prune
    the configuration asked for), the declared ones left as they are, even drifted, and nothing published."""
    cloudwatch, store = RecordingCloudWatch(), MemoryState()
    store.save = lambda state: pytest.fail("the deployment's run wrote the restart state the schedule keeps")
    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    monkeypatch.setenv("CORRECT_DRIFT", "false")
    monkeypatch.setenv("PRUNE_UNDECLARED", prune)
    connect.fake.connectors["by-hand"] = Connector({"connector.class": "x"})
    connect.fake.connectors["accounts-cdc"] = Connector({"connector.class": "changed"}, state="PAUSED")
    connect.fake.connectors["leaving-cdc"] = Connector({"connector.class": "x"})
    declarations = Memory(**{"accounts-cdc": declaration("accounts-cdc"), "leaving-cdc": {"deleting": True}})
    result = health.handler({"trigger": health.DEPLOYMENT_TRIGGER}, None, cloudwatch=cloudwatch, store=store,
                            clock=lambda: 1.0, declarations=declarations)
    assert result == {"pruned": ["by-hand"] if prune == "true" else []}
    assert sorted(connect.fake.connectors) == (["accounts-cdc", "leaving-cdc"] if prune == "true"
                                               else ["accounts-cdc", "by-hand", "leaving-cdc"])
    assert live(connect, "accounts-cdc").config == {"connector.class": "changed"}
    assert cloudwatch.metric_data == []


def test_declarations_round_trip_through_ssm_parameters():
    class Ssm:
        class exceptions:  # noqa: N801 - boto3's shape
            class ParameterNotFound(Exception):
                pass

        def __init__(self):
            self.parameters = {}

        def put_parameter(self, Name, Value, Type, Overwrite, Tier):  # noqa: N803
            assert Type == "String" and Overwrite and Tier == "Intelligent-Tiering"
            self.parameters[Name] = Value

        def delete_parameter(self, Name):  # noqa: N803
            if Name not in self.parameters:
                raise self.exceptions.ParameterNotFound()
            del self.parameters[Name]

        def get_paginator(self, operation):
            assert operation == "get_parameters_by_path"
            parameters = self.parameters

            class Paginator:
                def paginate(self, Path, Recursive):  # noqa: N803
                    names = sorted(n for n in parameters if n.startswith(Path + "/"))
                    for start in range(0, len(names), 10):
                        yield {"Parameters": [{"Name": n, "Value": parameters[n]} for n in names[start:start + 10]]}
            return Paginator()

    ssm = Ssm()
    store = declared.ParameterDeclarations("/kafka-platform/connect/bank-cdc/declared/", ssm)
    for i in range(25):
        store.put(f"c{i:02d}", declaration(f"c{i:02d}"))
    store.delete("c03")
    store.delete("never-there")
    found = store.all()
    assert len(found) == 24 and "c03" not in found and found["c07"] == declaration("c07")
    assert "/kafka-platform/connect/bank-cdc/declared/c07" in ssm.parameters


def test_no_path_no_store(monkeypatch):
    monkeypatch.delenv("DECLARED_PARAMETER_PATH", raising=False)
    assert declared.declarations_from_environment() is None


def test_declarations_that_cannot_be_read_do_not_silence_the_rest(connect, monkeypatch):
    """SSM failing: restarts and stream figures are still published; drift is not (a 0 would claim it was checked)."""
    cloudwatch = RecordingCloudWatch()
    class Broken:
        def all(self):
            raise RuntimeError("AccessDeniedException")

    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    connect.fake.connectors["accounts-cdc"] = Connector({"connector.class": "x"})
    result = health.handler({}, None, cloudwatch=cloudwatch, store=MemoryState(), clock=lambda: 1.0, declarations=Broken())
    names = {m["MetricName"] for m in cloudwatch.metric_data}
    assert "Connectors" in names and "DriftedConnectors" not in names and result["drifted"] is None


def test_each_drift_and_each_failure_is_logged_with_the_connector_and_the_kind(connect, caplog):
    """What an operator reads in the monitor's logs: the connector, the kind, and why nothing was done."""
    caplog.set_level("WARNING")
    connect.fake.connectors["by-hand"] = Connector({"connector.class": "x"})
    run(connect, Memory(**{"accounts-cdc": declaration("accounts-cdc")}), correct=False)
    assert [r.getMessage() for r in caplog.records] == [
        "connector accounts-cdc drifted from its declaration (absent); CORRECT_DRIFT is false: left as it is",
        "connector by-hand drifted from its declaration (undeclared); CORRECT_DRIFT is false: left as it is"]
    caplog.clear()
    run(connect, Memory(**{"accounts-cdc": declaration("accounts-cdc")}), correct=True)
    assert [r.getMessage() for r in caplog.records] == [
        "connector accounts-cdc drifted from its declaration (absent)",
        "connector by-hand drifted from its declaration (undeclared)"]
    caplog.clear()
    connect.fake.connectors["late-cdc"] = Connector({"connector.class": "x"})
    client = connect_rest.ConnectClient(connect.url, deadline=time.monotonic() + 10)
    assert drift.prune_after_deployment(client, Memory(**{"accounts-cdc": declaration("accounts-cdc")})) == [
        "late-cdc"]
    assert [r.getMessage() for r in caplog.records] == [
        "connector late-cdc is not declared: deleted after the deployment"]


def test_a_declaration_being_deleted_with_its_config_still_there_is_neither_put_back_nor_pruned(connect):
    """The reconciler marks the declaration it is deleting (its config kept): the connector, drifted or not, and
    every declaration after it in order, are judged as usual."""
    connect.fake.connectors["accounts-cdc"] = Connector({"connector.class": "changed"}, state="PAUSED")
    connect.fake.connectors["zz-cdc"] = Connector({"connector.class": "changed"})
    declarations = Memory(**{"accounts-cdc": {**declaration("accounts-cdc"), "deleting": True},
                             "zz-cdc": declaration("zz-cdc")})
    found, corrected = run(connect, declarations)
    assert [(d.connector, d.kind) for d in found] == [("zz-cdc", "config")] and corrected == ["zz-cdc"]
    assert live(connect, "accounts-cdc").config == {"connector.class": "changed"}


def test_a_declaration_without_a_state_means_running_and_later_connectors_are_still_judged(connect):
    bare = {"config": declaration("accounts-cdc")["config"], "salt_secret": None}
    connect.fake.connectors["accounts-cdc"] = Connector(dict(bare["config"]), state="PAUSED")
    running_bare = {"config": declaration("aa-cdc")["config"], "salt_secret": None}  # RUNNING: no drift
    declarations = Memory(**{"aa-cdc": running_bare, "accounts-cdc": bare, "zz-cdc": declaration("zz-cdc")})
    connect.fake.connectors["aa-cdc"] = Connector(dict(declaration("aa-cdc")["config"]))
    found, corrected = run(connect, declarations)
    assert [(d.connector, d.kind) for d in found] == [("accounts-cdc", "state"), ("zz-cdc", "absent")]
    assert live(connect, "accounts-cdc").state == "RUNNING" and live(connect, "zz-cdc").state == "RUNNING"


def test_a_running_connector_declared_paused_is_paused_again(connect):
    connect.fake.connectors["accounts-cdc"] = Connector(dict(declaration("accounts-cdc")["config"]))
    found, corrected = run(connect, Memory(**{"accounts-cdc": declaration("accounts-cdc", state="paused")}))
    assert [(d.connector, d.kind) for d in found] == [("accounts-cdc", "state")] and corrected == ["accounts-cdc"]
    assert live(connect, "accounts-cdc").state == "PAUSED"


def test_an_unusable_declaration_and_a_failed_correction_are_logged_and_the_rest_still_judged(connect, caplog):
    caplog.set_level("ERROR")
    bad = declaration("accounts-cdc", **{"database.password": "${env:DBZ_PAYMENTS_CDC_PASSWORD}"})
    connect.fake.connectors["accounts-cdc"] = Connector({"connector.class": "x"})
    connect.fake.connectors["by-hand"] = Connector({"connector.class": "x"})
    found, corrected = run(connect, Memory(**{"accounts-cdc": bad, "zz-cdc": bad | {"config": {
        **bad["config"], "topic.prefix": "zz-cdc"}}}))
    messages = [r.getMessage() for r in caplog.records]
    own = "(${env:DBZ_%s_USER} or ${env:DBZ_%s_PASSWORD})"
    assert messages[0] == ("the declaration of accounts-cdc cannot be used: database.password refers to "
                           "${env:DBZ_PAYMENTS_CDC_PASSWORD}, which is not connector accounts-cdc's own "
                           + own % ("ACCOUNTS_CDC", "ACCOUNTS_CDC"))
    assert ("connector zz-cdc could not be put back (absent): database.password refers to "
            "${env:DBZ_PAYMENTS_CDC_PASSWORD}, which is not connector zz-cdc's own "
            + own % ("ZZ_CDC", "ZZ_CDC")) in messages
    assert [(d.connector, d.kind) for d in found] == [("zz-cdc", "absent"), ("by-hand", "undeclared")]
    assert corrected == ["by-hand"]


def test_a_connector_found_absent_does_not_end_the_search(connect):
    connect.fake.connectors["zz-cdc"] = Connector({"connector.class": "changed"})
    found, _ = run(connect, Memory(**{"aa-cdc": declaration("aa-cdc"), "zz-cdc": declaration("zz-cdc")}))
    assert [(d.connector, d.kind) for d in found] == [("aa-cdc", "absent"), ("zz-cdc", "config")]
