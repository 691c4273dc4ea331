"""Every alarm of every stage, the standbys included, ends with its runbook, which exists and says what to do, and
the dashboard to open, which the stage has."""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch

from kafka_platform.constructs.runbook_links import RunbookLinks
from kafka_platform.domain import runbooks
from tests.conftest import ROOT

RUNBOOKS = ROOT / runbooks.RUNBOOK_DIRECTORY
_LINK = re.compile(r" Runbook: (?P<url>\S+/operations/runbooks/(?P<kind>[a-z-]+)\.md) Dashboard: (?P<dashboard>\S+)$")


def alarms_and_dashboards(synthesized):
    alarms, dashboards = [], defaultdict(set)
    for stack in synthesized.assembly.stacks():
        for logical_id, resource in stack.template["Resources"].items():
            if resource["Type"] == "AWS::CloudWatch::Alarm":
                alarms.append((stack.stage, f"{stack.stack_name}/{logical_id}", resource["Properties"]))
            elif resource["Type"] == "AWS::CloudWatch::Dashboard":
                dashboards[stack.stage].add(resource["Properties"]["DashboardName"])
    return alarms, dashboards


def test_every_alarm_of_every_stage_links_an_existing_runbook_and_a_dashboard_of_its_stage(synthesized):
    alarms, dashboards = alarms_and_dashboards(synthesized)
    assert {"ProdDr", "StagingDr"} <= {stage for stage, _, _ in alarms} and len(alarms) > 200
    kinds = set()
    for stage, where, properties in alarms:
        description = properties["AlarmDescription"]
        match = _LINK.search(description)
        assert match is not None, (where, description)
        assert (RUNBOOKS / f"{match['kind']}.md").is_file(), where
        assert match["url"] == runbooks.runbook_url(match["kind"])
        assert match["dashboard"] in dashboards[stage], (where, match["dashboard"], dashboards[stage])
        assert len(description) <= runbooks.ALARM_DESCRIPTION_MAX and description.count("Runbook: ") == 1, where
        kinds.add(match["kind"])
    assert kinds == {kind for _, kind in runbooks.KINDS}  # every kind is used by some shipped alarm


def test_the_delay_alarm_names_its_runbook_and_the_widgets_to_open(synthesized):
    alarms, _ = alarms_and_dashboards(synthesized)
    [(_, _, delay)] = [a for a in alarms if a[2].get("AlarmName") == "bank-streaming-prod-loan-approvals-delay"]
    assert delay["AlarmDescription"].endswith("/operations/runbooks/consumer-delay.md Dashboard: kafka-platform-prod")
    text = (RUNBOOKS / "consumer-delay.md").read_text()
    assert "kafka-platform-<env>" in text and '"delay (seconds)"' in text and "max_tasks" in text


def test_the_replicators_alarms_name_the_replication_dashboard(synthesized):
    alarms, _ = alarms_and_dashboards(synthesized)
    replicator = [p for stage, _, p in alarms if stage == "ProdDr" and "-to-dr-" in p.get("AlarmName", "")]
    assert len(replicator) == 4
    assert all(p["AlarmDescription"].endswith("Dashboard: prod-dr-replication") for p in replicator)


@pytest.mark.parametrize("path", sorted(RUNBOOKS.glob("*.md")), ids=lambda p: p.stem)
def test_each_runbook_says_what_fired_what_to_check_what_to_do_and_when_to_escalate(path):
    text = path.read_text()
    assert text.startswith("# ")
    for section in ("**What fired, and why it matters.**", "**First checks.**", "**Escalate**"):
        assert section in text, (path.name, section)
    assert "**Safe actions.**" in text or "**Decision tree.**" in text, path.name
    assert len(re.findall(r"^\d\. ", text, re.MULTILINE)) >= 3, path.name  # the first three checks
    for link in re.findall(r"\]\(([^)#]+\.md)\)", text):
        assert (path.parent / link).resolve().is_file(), (path.name, link)


def test_every_kind_has_a_runbook_and_every_runbook_a_kind():
    assert {p.stem for p in RUNBOOKS.glob("*.md")} == {kind for _, kind in runbooks.KINDS}


def test_the_link_follows_the_documentation_url_the_package_declares():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Documentation"]
    assert runbooks.runbook_url("slot-lag") == f"{declared.rstrip('/')}/operations/runbooks/slot-lag.md"


def test_a_long_description_is_shortened_never_the_link():
    text = runbooks.with_runbook("x" * 2000, "broker-disk", "kafka-platform-prod")
    assert len(text) == runbooks.ALARM_DESCRIPTION_MAX and text.endswith("broker-disk.md Dashboard: kafka-platform-prod")
    assert "…" in text


def _app_with_alarm(construct_id: str) -> cdk.App:
    app = cdk.App()
    stack = cdk.Stack(app, "Team")
    cloudwatch.Alarm(stack, construct_id, metric=cloudwatch.Metric(namespace="N", metric_name="M"), threshold=1,
                     evaluation_periods=1, alarm_description="something")
    cdk.Aspects.of(app).add(RunbookLinks(dashboard="team-dashboard"))
    return app


def test_an_alarm_of_no_known_kind_is_an_error_at_synthesis():
    app = _app_with_alarm("MyOwnAlarm")
    assembly = app.synth()
    [message] = [m for m in assembly.get_stack_by_name("Team").messages if m.level.value == "ERROR"]
    assert "Team/MyOwnAlarm/Resource: this alarm has no runbook kind" in message.entry.data


def test_a_team_app_gets_the_links_on_the_platforms_alarm_kinds():
    app = _app_with_alarm("Delay")
    template = app.synth().get_stack_by_name("Team").template
    [alarm] = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert alarm["Properties"]["AlarmDescription"].startswith("something Runbook: ")
    assert alarm["Properties"]["AlarmDescription"].endswith("consumer-delay.md Dashboard: team-dashboard")
