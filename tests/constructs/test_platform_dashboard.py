"""The environment dashboard: per service, backlog per task against thresholds, tasks, delay and scaling activity."""

import json

import pytest

from tests.conftest import ENVIRONMENT_NAMES
from tests.support import resources


def body(synthesized, environment):
    [dashboard] = resources(synthesized.raw(environment, "Observability"), "AWS::CloudWatch::Dashboard").values()
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    # Tokens (service names, alarm ARNs) appear as references; the literal JSON around them is what we check.
    return "".join(p if isinstance(p, str) else "TOKEN" for p in parts)


def shown(consumer) -> str:
    """A service as a responder reads it: its name, and its group where that differs."""
    if consumer.name == consumer.consumer_group:
        return consumer.name
    return f"{consumer.name} (group {consumer.consumer_group})"


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_each_service_gets_a_row_of_four_widgets(synthesized, environments, environment):
    widgets = json.loads(body(synthesized, environment))["widgets"]
    titles = [w["properties"].get("title", "") for w in widgets]
    for consumer in environments[environment].consumers:
        name = shown(consumer)
        assert sum(t.startswith(f"{name}:") for t in titles) == 4, name
        assert f"{name}: tasks" in titles and f"{name}: delay (seconds)" in titles
        assert f"{name}: scaling and alarms" in titles


def test_a_service_whose_group_differs_is_named_by_both_on_the_dashboard_and_in_its_alarms(synthesized):
    """repayments-processor reads the group repayments-processing: a responder sees both names everywhere (the
    alarms' names keep the group: renaming an alarm replaces it)."""
    titles = [w["properties"].get("title", "") for w in json.loads(body(synthesized, "prod"))["widgets"]]
    assert "repayments-processor (group repayments-processing): tasks" in titles
    alarms = {r["Properties"]["AlarmName"]: r["Properties"]["AlarmDescription"]
              for r in resources(synthesized.raw("prod", "Consumers"), "AWS::CloudWatch::Alarm").values()}
    assert alarms["bank-streaming-prod-repayments-processing-delay"].startswith(
        "repayments-processor (group repayments-processing) is more than 300 seconds behind")


BACKLOG_TITLE = "{}: backlog per task (left) and lag (right), messages"


def test_backlog_per_task_is_drawn_against_the_scale_out_and_scale_in_thresholds_beside_the_lag(synthesized):
    widgets = json.loads(body(synthesized, "staging"))["widgets"]
    backlog = next(w for w in widgets if w["properties"].get("title") == BACKLOG_TITLE.format("loan-approvals"))
    annotations = {a["label"]: a["value"] for a in backlog["properties"]["annotations"]["horizontal"]}
    assert annotations == {"scale out": 800, "scale in": 120}
    metrics = backlog["properties"]["metrics"]
    expressions = [m[0]["expression"] for m in metrics if isinstance(m[0], dict) and "expression" in m[0]]
    assert expressions == ["IF(FILL(tasks, 0) > 0, FILL(lag0, REPEAT) / FILL(tasks, 1), FILL(lag0, REPEAT))"]
    lag = [m for m in metrics if "SumOffsetLag" in m and m[-1].get("yAxis") == "right"]
    assert len(lag) == 1


def test_a_needed_tasks_service_shows_the_tasks_it_needs_beside_those_running_and_its_two_alarms(synthesized):
    widgets = {w["properties"].get("title"): w for w in json.loads(body(synthesized, "prod"))["widgets"]}
    tasks = widgets["loan-approvals: tasks"]["properties"]["metrics"]
    shown = [m[0]["label"] for m in tasks if isinstance(m[0], dict) and "expression" in m[0]
             and m[0].get("visible", True) and m[0].get("yAxis", "left") == "left"]
    assert shown == ["loan-approvals tasks needed (an even spread of 24 partitions)"]
    assert "annotations" not in widgets[BACKLOG_TITLE.format("loan-approvals")]["properties"]
    assert len(widgets["loan-approvals: scaling and alarms"]["properties"]["alarms"]) == 4  # out, in, delay, no lag
    [dashboard] = resources(synthesized.raw("prod", "Observability"), "AWS::CloudWatch::Dashboard").values()
    references = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "loanapprovalsNeededTasksScaleOutAlarm" in references and "loanapprovalsNeededTasksScaleInAlarm" in references


def test_target_tracking_services_show_backlog_per_task_against_the_target(synthesized):
    widgets = json.loads(body(synthesized, "dev"))["widgets"]
    backlog = next(w for w in widgets if w["properties"].get("title") == BACKLOG_TITLE.format("card-fraud-screening"))
    assert backlog["properties"]["annotations"]["horizontal"] == [{"value": 12000, "label": "target", "yAxis": "left",
                                                                   "color": "#d62728"}]


def test_delay_is_drawn_against_the_acceptable_delay_and_tasks_against_their_bounds(synthesized):
    widgets = {w["properties"].get("title"): w for w in json.loads(body(synthesized, "prod"))["widgets"]}
    delay = widgets["repayments-processor (group repayments-processing): delay (seconds)"]["properties"][
        "annotations"]["horizontal"]
    assert delay[0]["value"] == 300
    tasks = widgets["repayments-processor (group repayments-processing): tasks"]["properties"]["annotations"][
        "horizontal"]
    # The bounds, and what each scheduled action sets them to (the month-end floor, and its end).
    assert {a["label"]: a["value"] for a in tasks} == {"max": 48, "min": 4, "min from month-end-prewarm": 48,
                                                       "min from month-end-over": 4}


def test_scaling_activity_shows_the_scaling_and_business_alarms(synthesized):
    widgets = {w["properties"].get("title"): w for w in json.loads(body(synthesized, "prod"))["widgets"]}
    assert len(widgets["loan-approvals: scaling and alarms"]["properties"]["alarms"]) == 4
    assert len(widgets["card-fraud-screening: scaling and alarms"]["properties"]["alarms"]) == 4
    dev = {w["properties"].get("title"): w for w in json.loads(body(synthesized, "dev"))["widgets"]}
    assert len(dev["card-fraud-screening: scaling and alarms"]["properties"]["alarms"]) == 2


def test_the_wal_each_database_holds_back_is_drawn_against_the_alarm(synthesized, environments):
    widgets = json.loads(body(synthesized, "prod"))["widgets"]
    [slots] = [w for w in widgets if w["properties"].get("title", "").endswith("WAL held back by replication slots")]
    drawn = {m[3] for m in slots["properties"]["metrics"]}
    assert drawn == {c.spec().watched_rds_instance for c in environments["prod"].connect.connectors}
    assert slots["properties"]["annotations"]["horizontal"][0]["value"] == 10 * 2**30
    # Drawn from metrics, so no alarm of the Connect stack becomes an output per database.
    outputs = synthesized.raw("prod", "Connect").get("Outputs", {})
    assert not [name for name in outputs if "SlotLag" in name]


def _widgets(synthesized, environment):
    return {w["properties"].get("title"): w for w in json.loads(body(synthesized, environment))["widgets"]}


@pytest.mark.parametrize("environment, service, mode", [("staging", "loan-approvals", "steps"),
                                                        ("dev", "card-fraud-screening", "target tracking"),
                                                        ("prod", "loan-approvals", "needed tasks")])
def test_every_scaling_mode_shows_what_answers_the_page(synthesized, environment, service, mode):
    """The header says how the mode reads; the worst partition beside the lag; incoming rate beside the tasks
    (running, desired, pending); CPU and memory beside the delay."""
    widgets = json.loads(body(synthesized, environment))["widgets"]
    header = widgets[0]["properties"]["markdown"]
    assert f"**{mode}**" in header and "runbook" in header
    by_title = _widgets(synthesized, environment)
    lag = json.dumps(by_title[BACKLOG_TITLE.format(service)]["properties"]["metrics"])
    assert "MaxOffsetLag" in lag and "worst partition" in lag
    tasks = json.dumps(by_title[f"{service}: tasks"]["properties"]["metrics"])
    assert all(m in tasks for m in ("RunningTaskCount", "DesiredTaskCount", "PendingTaskCount"))
    assert "MessagesInPerSec" in tasks and "incoming (messages/s)" in tasks
    delay = json.dumps(by_title[f"{service}: delay (seconds)"]["properties"]["metrics"])
    assert "CPUUtilization" in delay and "MemoryUtilization" in delay


def test_only_the_modes_drawn_are_explained(synthesized, environments):
    header = json.loads(body(synthesized, "dev"))["widgets"][0]["properties"]["markdown"]
    modes = {c.scaling_mode for c in environments["dev"].consumers}
    assert "needed_tasks" not in modes and "**needed tasks**" not in header  # dev has none: it is not explained
    assert all(f"**{m.replace('_', ' ')}**" in header for m in modes)


@pytest.mark.parametrize("environment, brokers", [("prod", 6), ("staging", 3)])
def test_the_brokers_row_shows_every_cluster_alarm_without_a_cross_stack_reference(synthesized, environment, brokers):
    widgets = _widgets(synthesized, environment)
    cluster = f"bank-streaming-{environment}"
    alarms = widgets[f"Brokers of {cluster}: alarms"]["properties"]["alarms"]
    assert len(alarms) == brokers * 4 + 2  # cpu, disk, heap, under-min-ISR per broker; offline, controller
    assert all(f":alarm:{cluster}-" in a for a in alarms)  # by name: nothing exported from the Kafka stack
    graph = json.dumps(widgets[f"Brokers of {cluster}: data disk used % (left), CPU user % (right)"])
    assert "KafkaDataLogsDiskUsed" in graph and "CpuUser" in graph


def test_the_last_row_links_every_services_and_connects_logs(synthesized, environments):
    """By the prefix CloudFormation gives each generated name (<stack>-<logical id>-): no reference, no output."""
    text = body(synthesized, "prod")
    assert "### Logs" in text
    log_groups = {}
    for stack in ("Consumers", "Connect"):
        for logical_id, resource in resources(synthesized.raw("prod", stack), "AWS::Logs::LogGroup").items():
            log_groups[resource["Metadata"]["aws:cdk:path"]] = f"Prod-{stack}-{logical_id}"
    for consumer in environments["prod"].consumers:
        prefix = next(v for k, v in log_groups.items() if k.endswith(f"/{consumer.name}/Logs/Resource"))
        assert f"[{shown(consumer)}](" in text and f"logGroupNameFilter$3D{prefix})" in text
    prefix = next(v for k, v in log_groups.items() if k.endswith("/Connect/Connect/Logs/Resource"))
    assert f"[Kafka Connect bank-cdc-prod](" in text and f"$3D{prefix})" in text
    consumers = synthesized.raw("prod", "Consumers")
    assert not [k for k in consumers.get("Outputs", {}) if "Logs" in k]  # no output for a link
