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


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_each_service_gets_a_row_of_four_widgets(synthesized, environments, environment):
    widgets = json.loads(body(synthesized, environment))["widgets"]
    titles = [w["properties"].get("title", "") for w in widgets]
    for consumer in environments[environment].consumers:
        group = consumer.consumer_group
        assert sum(t.startswith(f"{group}:") for t in titles) == 4, group
        assert f"{group}: tasks" in titles and f"{group}: delay (seconds)" in titles
        assert f"{group}: scaling and alarms" in titles


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
             and m[0].get("visible", True)]
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
    delay = widgets["repayments-processing: delay (seconds)"]["properties"]["annotations"]["horizontal"]
    assert delay[0]["value"] == 300
    tasks = widgets["repayments-processing: tasks"]["properties"]["annotations"]["horizontal"]
    assert {a["label"]: a["value"] for a in tasks} == {"max": 48, "min": 4}


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
