"""Drift between Connect and the deployed template's declarations: found, reported, and put back (or only
reported), as Strimzi does; what the template does not declare is never created again, and pruning fails closed."""

import time

import pytest

from tests.runtime_code.fake_connect import Connector, FakeConnectServer
from tests.runtime_code.lambda_modules import load
from tests.runtime_code.memory_stores import FakeCloudFormation, MemoryState, RecordingCloudWatch

drift = load("connector_drift")
declared = load("declared")
connect_rest = load("connect_rest")
health = load("connect_health")
deployed = load("deployed")
#: Declarations by connector name, as the deployed template gives them to the drift check.
Memory = dict

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


def stack(connect_url, declarations, status="UPDATE_COMPLETE"):
    """The monitor's stack as CloudFormation holds it: its template declares ``declarations`` (name -> config and
    state) on the Connect cluster at ``connect_url``."""
    cloudformation = FakeCloudFormation(status)
    for name, declared_ in declarations.items():
        cloudformation.declare(name.title().replace("-", ""), "Custom::KafkaConnector", {
            "ConnectUrl": connect_url, "ConnectorName": name, "Config": declared_["config"],
            "DesiredState": declared_.get("state", "running"), "SlotOnDelete": "retain"})
    return deployed.DeployedStack(cloudformation.stack_id, cloudformation)


def live(connect, name):
    return connect.fake.connectors[name]


def test_a_connector_in_its_declared_state_and_config_is_not_drift(connect):
    declarations = Memory(**{"accounts-cdc": declaration("accounts-cdc")})
    connect.fake.connectors["accounts-cdc"] = Connector(dict(declarations["accounts-cdc"]["config"]))
    found, corrected = run(connect, declarations)
    assert found == [] and corrected == [] and connect.fake.writes() == []


def test_a_config_changed_through_the_rest_api_is_put_back(connect):
    declarations = Memory(**{"accounts-cdc": declaration("accounts-cdc", **{"snapshot.mode": "initial"})})
    connect.fake.connectors["accounts-cdc"] = Connector({**declarations["accounts-cdc"]["config"],
                                                         "snapshot.mode": "never"})
    found, corrected = run(connect, declarations)
    assert [(d.connector, d.kind) for d in found] == [("accounts-cdc", "config")] and corrected == ["accounts-cdc"]
    assert live(connect, "accounts-cdc").config["snapshot.mode"] == "initial"


def test_a_paused_connector_declared_running_is_resumed_and_a_deleted_one_created_again(connect):
    declarations = Memory(**{"accounts-cdc": declaration("accounts-cdc"),
                             "cards-cdc": declaration("cards-cdc", state="paused")})
    connect.fake.connectors["accounts-cdc"] = Connector(dict(declarations["accounts-cdc"]["config"]),
                                                        state="PAUSED", task_state="PAUSED")
    found, _ = run(connect, declarations)
    assert {(d.connector, d.kind) for d in found} == {("accounts-cdc", "state"), ("cards-cdc", "absent")}
    assert live(connect, "accounts-cdc").state == "RUNNING"
    assert live(connect, "cards-cdc").state == "PAUSED"  # created again in its declared state
    assert live(connect, "cards-cdc").config == declarations["cards-cdc"]["config"]


def test_a_failed_connector_is_not_state_drift(connect):
    declarations = Memory(**{"accounts-cdc": declaration("accounts-cdc")})
    connect.fake.connectors["accounts-cdc"] = Connector(dict(declarations["accounts-cdc"]["config"]))
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
                            stack=stack(connect.url, {"accounts-cdc": declaration("accounts-cdc")}))
    assert result["drifted"] == ["accounts-cdc", "by-hand"] and result["corrected"] == []
    assert {m["MetricName"]: m["Value"] for m in cloudwatch.metric_data}["DriftedConnectors"] == 2
    monkeypatch.setenv("CORRECT_DRIFT", "true")
    result = health.handler({}, None, cloudwatch=cloudwatch, store=MemoryState(), clock=lambda: 1.0,
                            stack=stack(connect.url, {"accounts-cdc": declaration("accounts-cdc")}))
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
    declarations = {"accounts-cdc": declaration("accounts-cdc")}
    result = health.handler({"trigger": health.DEPLOYMENT_TRIGGER}, None, cloudwatch=cloudwatch, store=store,
                            clock=lambda: 1.0, stack=stack(connect.url, declarations))
    assert result == {"pruned": ["by-hand"] if prune == "true" else []}
    assert sorted(connect.fake.connectors) == (["accounts-cdc"] if prune == "true" else ["accounts-cdc", "by-hand"])
    assert live(connect, "accounts-cdc").config == {"connector.class": "changed"}
    assert cloudwatch.metric_data == []


def test_a_template_that_cannot_be_read_does_not_silence_the_rest(connect, monkeypatch):
    """CloudFormation failing: restarts and stream figures are still published; drift is not (a 0 would claim it was
    checked)."""
    cloudwatch = RecordingCloudWatch()

    class Broken(FakeCloudFormation):
        def get_template(self, StackName, TemplateStage):  # noqa: N803
            raise RuntimeError("AccessDeniedException")

    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    connect.fake.connectors["accounts-cdc"] = Connector({"connector.class": "x"})
    broken = Broken()
    result = health.handler({}, None, cloudwatch=cloudwatch, store=MemoryState(), clock=lambda: 1.0,
                            stack=deployed.DeployedStack(broken.stack_id, broken))
    names = {m["MetricName"] for m in cloudwatch.metric_data}
    assert "Connectors" in names and "DriftedConnectors" not in names and result["drifted"] is None


@pytest.mark.parametrize("status", ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
                                    "UPDATE_ROLLBACK_IN_PROGRESS", "CREATE_IN_PROGRESS"])
def test_nothing_is_corrected_or_pruned_while_the_stack_is_being_deployed(connect, monkeypatch, status):
    """The reconciler is changing the connectors then: the monitor waits until the stack settles."""
    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    monkeypatch.setenv("PRUNE_UNDECLARED", "true")
    connect.fake.connectors["new-cdc"] = Connector({"connector.class": "x"})
    result = health.handler({}, None, cloudwatch=RecordingCloudWatch(), store=MemoryState(), clock=lambda: 1.0,
                            stack=stack(connect.url, {"accounts-cdc": declaration("accounts-cdc")}, status))
    assert result["drifted"] is None and connect.fake.writes() == []


def test_a_connector_removed_from_the_template_is_never_created_again(connect, monkeypatch):
    """Its declaration leaves with the resource: the monitor sees only what the deployed template declares, so a
    removed connector, once its Delete ran, stays removed, run after run."""
    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    monkeypatch.setenv("PRUNE_UNDECLARED", "true")
    connect.fake.connectors["accounts-cdc"] = Connector(dict(declaration("accounts-cdc")["config"]))
    after_removal = stack(connect.url, {"accounts-cdc": declaration("accounts-cdc")})
    for _ in range(2):
        result = health.handler({}, None, cloudwatch=RecordingCloudWatch(), store=MemoryState(), clock=lambda: 1.0,
                                stack=after_removal)
        assert result["drifted"] == [] and sorted(connect.fake.connectors) == ["accounts-cdc"]


def test_pruning_fails_closed_and_pages(connect, monkeypatch):
    """Never when the template declares nothing while Connect runs connectors, nor when the declarations shrank
    although no deployment changed the stack; PruneRefused pages, and nothing is deleted."""
    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    monkeypatch.setenv("PRUNE_UNDECLARED", "true")
    for name in ("accounts-cdc", "cards-cdc"):
        connect.fake.connectors[name] = Connector(dict(declaration(name)["config"]))
    cloudwatch, state = RecordingCloudWatch(), MemoryState()
    both = stack(connect.url, {"accounts-cdc": declaration("accounts-cdc"), "cards-cdc": declaration("cards-cdc")})
    health.handler({}, None, cloudwatch=cloudwatch, store=state, clock=lambda: 1.0, stack=both)
    one = stack(connect.url, {"accounts-cdc": declaration("accounts-cdc")})  # the same deployment time
    result = health.handler({}, None, cloudwatch=cloudwatch, store=state, clock=lambda: 2.0, stack=one)
    assert result["prune_refused"] == ("the declarations shrank from 2 to 1 although no deployment changed the stack: "
                                       "nothing is pruned")
    assert sorted(connect.fake.connectors) == ["accounts-cdc", "cards-cdc"]
    assert [m["Value"] for m in cloudwatch.metric_data if m["MetricName"] == "PruneRefused"] == [0, 1]
    one.cloudformation.last_updated = "2026-12-02T09:00:00+00:00"  # a deployment removed cards-cdc
    health.handler({}, None, cloudwatch=cloudwatch, store=state, clock=lambda: 3.0,
                   stack=deployed.DeployedStack(one.stack_id, one.cloudformation))  # each run reads afresh
    assert sorted(connect.fake.connectors) == ["accounts-cdc"]
    empty = stack(connect.url, {})
    result = health.handler({}, None, cloudwatch=cloudwatch, store=state, clock=lambda: 4.0, stack=empty)
    assert result["prune_refused"].startswith("the deployed template declares no connector")
    assert sorted(connect.fake.connectors) == ["accounts-cdc"]
    with pytest.raises(declared.PolicyError):
        drift.prune_after_deployment(connect_rest.ConnectClient(connect.url, deadline=time.monotonic() + 10), set())


def test_a_template_whose_declaration_does_not_match_its_digest_is_not_trusted():
    cloudformation = FakeCloudFormation()
    cloudformation.declare("AccountsCdc", "Custom::KafkaConnector", {
        "ConnectUrl": "http://connect", "ConnectorName": "accounts-cdc", "Config": {"a": "1"}})
    cloudformation.template["Resources"]["AccountsCdc"]["Properties"]["Config"]["a"] = "2"
    with pytest.raises(deployed.TemplateError, match="does not match its digest"):
        deployed.DeployedStack(cloudformation.stack_id, cloudformation).connectors("http://connect")


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
    assert drift.prune_after_deployment(client, {"accounts-cdc"}) == [
        "late-cdc"]
    assert [r.getMessage() for r in caplog.records] == [
        "connector late-cdc is not declared: deleted after the deployment"]


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


def test_a_prune_refused_after_a_deployment_pages(connect, monkeypatch):
    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    monkeypatch.setenv("PRUNE_UNDECLARED", "true")
    connect.fake.connectors["accounts-cdc"] = Connector({"connector.class": "x"})
    cloudwatch = RecordingCloudWatch()
    result = health.handler({"trigger": health.DEPLOYMENT_TRIGGER}, None, cloudwatch=cloudwatch, store=MemoryState(),
                            clock=lambda: 1.0, stack=stack(connect.url, {}))
    assert result["pruned"] == [] and result["prune_refused"].startswith("the deployed template declares no connector")
    assert [(m["MetricName"], m["Value"]) for m in cloudwatch.metric_data] == [("PruneRefused", 1)]
    assert sorted(connect.fake.connectors) == ["accounts-cdc"]


def test_no_store_the_functions_write_holds_a_secret_they_resolve(connect, monkeypatch):
    """Issue 30 item 8 (an independent check stored a product's real salt in the declaration store and no test
    failed): what the functions write or answer, as written, holds no salt and no password. The declaration is the
    deployed template (it carries the placeholder); the monitor's own store is its restart and stream state."""
    import json

    cloudwatch, state = RecordingCloudWatch(), MemoryState()
    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    monkeypatch.setenv("CORRECT_DRIFT", "true")
    monkeypatch.setenv("PRUNE_UNDECLARED", "false")
    monkeypatch.setattr(drift, "secret_string", lambda arn, client=None: SALT if arn == SALT_ARN else "")
    config = {"connector.class": "x", HASH_KEY + "{salt}": "public.customers.email",
              "database.password": "${env:DBZ_PRODUCT_CDC_PASSWORD}"}
    cloudformation = FakeCloudFormation("UPDATE_COMPLETE")
    cloudformation.declare("ProductCdc", "Custom::KafkaConnector", {
        "ConnectUrl": connect.url, "ConnectorName": "product-cdc", "Config": config, "DesiredState": "running",
        "SlotOnDelete": "retain", "HashSaltSecretArn": SALT_ARN})
    monitored = deployed.DeployedStack(cloudformation.stack_id, cloudformation)
    for _ in range(2):  # created again with its salt, then found in its declared config
        result = health.handler({}, None, cloudwatch=cloudwatch, store=state, clock=lambda: 1.0, stack=monitored)
    assert live(connect, "product-cdc").config[HASH_KEY + SALT] == "public.customers.email"
    assert result["drifted"] == []
    for written in (state.state, cloudwatch.requests, result, cloudformation.template):
        text = json.dumps(written, default=str)
        assert SALT not in text
    assert HASH_KEY + "{salt}" in json.dumps(cloudformation.template)


def test_every_synthesized_declaration_carries_placeholders_never_a_secret(synthesized):
    """The declarations the functions act on are the deployed templates': every hashing salt is the placeholder,
    every password a reference to the worker's own environment variable."""
    import json
    import re

    from kafka_platform.domain.data_products import SALT_PLACEHOLDER
    from tests.support import resources

    seen = 0
    for stack in synthesized.assembly.stacks():
        for resource in resources(stack.template, "Custom::KafkaConnector").values():
            config = resource["Properties"]["Config"]
            for key, value in config.items():
                if ".with.salt." in key:
                    assert key.endswith(SALT_PLACEHOLDER), key
                    seen += 1
                if re.search(r"password", key, re.I):
                    assert re.fullmatch(r"\$\{env:DBZ_[A-Z0-9_]+_PASSWORD\}", value), (key, value)
            assert "SecretString" not in json.dumps(resource)
    assert seen >= 1  # the shipped data products hash at least one column


def test_a_connector_whose_status_is_not_written_yet_still_stops_an_empty_prune(connect, monkeypatch):
    """Found on the real tier: a connector created a moment ago has no status yet, so counting statuses saw none
    and an empty template pruned it. The refusal counts Connect's list of names."""
    monkeypatch.setenv("CONNECT_URL", connect.url)
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc-prod")
    monkeypatch.setenv("CORRECT_DRIFT", "true")
    monkeypatch.setenv("PRUNE_UNDECLARED", "true")
    connect.fake.connectors["by-hand"] = Connector({"connector.class": "x"})
    monkeypatch.setattr(connect_rest.ConnectClient, "statuses", lambda self: {})
    result = health.handler({}, None, cloudwatch=RecordingCloudWatch(), store=MemoryState(), clock=lambda: 1.0,
                            stack=stack(connect.url, {}))
    assert result["prune_refused"] == ("the deployed template declares no connector, and Connect runs some: nothing "
                                       "is pruned")
    assert "by-hand" in connect.fake.connectors
