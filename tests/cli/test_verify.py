"""``kafka-platform verify``: the deployed state of an environment, read-only, against botocore's Stubber (every
call answered as AWS would, with the parameters the command must send)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from kafka_platform import cli
from kafka_platform.verify import verify

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)


class Aws:
    """A stubbed client per (service, region), answering in the order verify calls them."""

    def __init__(self) -> None:
        self.clients: dict[tuple[str, str], tuple[Any, Stubber]] = {}

    def __call__(self, service: str, region: str) -> Any:
        return self.stub(service, region)[0]

    def stub(self, service: str, region: str) -> tuple[Any, Stubber]:
        if (service, region) not in self.clients:
            client = boto3.client(service, region_name=region, aws_access_key_id="stub",
                                  aws_secret_access_key="stub")
            stubber = Stubber(client)
            stubber.activate()
            self.clients[(service, region)] = (client, stubber)
        return self.clients[(service, region)]

    def answer(self, service: str, region: str, method: str, response: dict[str, Any],
               expected: dict[str, Any] | None = None) -> None:
        self.stub(service, region)[1].add_response(method, response, expected)

    def done(self) -> None:
        for _, stubber in self.clients.values():
            stubber.assert_no_pending_responses()


def physical(logical_id: str, resource_type: str, region: str) -> str:
    if resource_type == "AWS::MSK::Cluster":
        return f"arn:aws:kafka:{region}:111111111111:cluster/bank/{logical_id.lower()}-uuid-2"
    if resource_type == "AWS::ECS::Service":
        return f"arn:aws:ecs:{region}:111111111111:service/Dev-cluster/{logical_id}"
    return f"Dev-{logical_id}"


def answer_environment(aws: Aws, stacks, *, stack_status=None, cluster_state="ACTIVE", function_state="Active",
                       running=None, alarm_state="OK", connectors=None) -> None:
    """What AWS answers for every call verify makes on ``stacks``, in order; keyword arguments change one answer."""
    for stack in stacks:
        region = stack.region
        status = (stack_status or {}).get(stack.stack_name, "UPDATE_COMPLETE")
        aws.answer("cloudformation", region, "describe_stacks", {"Stacks": [
            {"StackName": stack.stack_name, "StackStatus": status, "CreationTime": NOW}]},
            {"StackName": stack.stack_name})
        if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            continue
        resources = stack.resources()
        # In pages of 100, as ListStackResources answers.
        summaries = [{"LogicalResourceId": k, "PhysicalResourceId": physical(k, r["Type"], region),
                      "ResourceType": r["Type"], "LastUpdatedTimestamp": NOW, "ResourceStatus": "UPDATE_COMPLETE"}
                     for k, r in resources.items()]
        for start in range(0, len(summaries), 100):
            more = start + 100 < len(summaries)
            aws.answer("cloudformation", region, "list_stack_resources", {
                "StackResourceSummaries": summaries[start:start + 100], **({"NextToken": f"t{start}"} if more else {})},
                {"StackName": stack.stack_name, **({"NextToken": f"t{start - 100}"} if start else {})})
        of = lambda kind: [(k, r) for k, r in resources.items() if r["Type"] == kind]  # noqa: E731
        for k, _ in of("AWS::MSK::Cluster"):
            arn = physical(k, "AWS::MSK::Cluster", region)
            aws.answer("kafka", region, "describe_cluster_v2", {"ClusterInfo": {
                "ClusterName": "bank-streaming-dev", "State": cluster_state, "ClusterArn": arn}}, {"ClusterArn": arn})
        for k, _ in of("AWS::Lambda::Function"):
            aws.answer("lambda", region, "get_function_configuration", {
                "FunctionName": f"Dev-{k}", "State": function_state, "LastUpdateStatus": "Successful"},
                {"FunctionName": f"Dev-{k}"})
        services = [physical(k, "AWS::ECS::Service", region) for k, _ in of("AWS::ECS::Service")]
        if services:
            aws.answer("ecs", region, "describe_services", {"services": [
                {"serviceName": arn.rsplit("/", 1)[1], "desiredCount": 2,
                 "runningCount": (running or {}).get(arn.rsplit("/", 1)[1], 2),
                 "deployments": [{"status": "PRIMARY", "rolloutState": "COMPLETED"}]} for arn in services]},
                {"cluster": "Dev-cluster", "services": services})
        alarms = [r["Properties"]["AlarmName"] for _, r in of("AWS::CloudWatch::Alarm")]
        if alarms:
            aws.answer("cloudwatch", region, "describe_alarms", {"MetricAlarms": [
                {"AlarmName": name, "StateValue": alarm_state if name == alarms[0] else "OK"} for name in alarms]},
                {"AlarmNames": alarms})
        declared = len(of("Custom::KafkaConnector"))
        for _, function in of("AWS::Lambda::Function"):
            cluster = function["Properties"].get("Environment", {}).get("Variables", {}).get("CONNECT_CLUSTER")
            if cluster:
                values = connectors or {"connectors": declared, "failedconnectors": 0, "failedtasks": 0}
                aws.answer("cloudwatch", region, "get_metric_data", {"MetricDataResults": [
                    {"Id": i, "Values": [] if v is None else [float(v)], "Timestamps": [] if v is None else [NOW]}
                    for i, v in values.items()]}, {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY,
                                                   "ScanBy": "TimestampDescending"})


@pytest.fixture
def dev(synthesized):
    return synthesized.assembly.stacks("Dev")


def test_a_ready_environment_passes_every_check(dev):
    aws = Aws()
    answer_environment(aws, dev)
    results = verify(dev, aws, now=lambda: NOW)
    aws.done()
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    names = [r.name for r in results]
    assert [n for n in names if n.startswith("stack ")] == [f"stack {s.stack_name}" for s in dev]
    assert "cluster bank-streaming-dev" in names
    # bootstrap brokers, reconciler, monitor, REST access initializer and rotator, CDK's two
    assert sum(n.startswith("function ") for n in names) == 7
    services = [k for s in dev for k, r in s.resources().items() if r["Type"] == "AWS::ECS::Service"]
    assert len(services) == 5 and [n for n in names if n.startswith("service ")] == [f"service {k}" for k in services]
    assert "connectors of Connect bank-cdc-dev" in names


@pytest.mark.parametrize("change, expected", [
    ({"stack_status": {"Dev-Connect": "UPDATE_ROLLBACK_COMPLETE"}}, ("stack Dev-Connect", "UPDATE_ROLLBACK_COMPLETE")),
    ({"cluster_state": "UPDATING"}, ("cluster bank-streaming-dev", "UPDATING")),
    ({"function_state": "Pending"}, None),
    ({"alarm_state": "ALARM"}, None),
    ({"connectors": {"connectors": 6, "failedconnectors": 1, "failedtasks": 0}}, None),
    ({"connectors": {"connectors": None, "failedconnectors": None, "failedtasks": None}},
     ("connectors of Connect bank-cdc-dev", "the health monitor published nothing in 10 minutes")),
])
def test_what_is_not_ready_is_named(dev, change, expected):
    aws = Aws()
    answer_environment(aws, dev, **change)
    failing = [r for r in verify(dev, aws, now=lambda: NOW) if not r.ok]
    aws.done()
    assert failing
    if expected is not None:
        assert (failing[0].name, failing[0].detail) == expected


def test_a_service_short_of_tasks_is_not_steady(dev):
    aws = Aws()
    service = next(k for s in dev for k, r in s.resources().items() if r["Type"] == "AWS::ECS::Service")
    answer_environment(aws, dev, running={service: 1})
    [failing] = [r for r in verify(dev, aws, now=lambda: NOW) if not r.ok]
    assert failing.detail == "1 of 2 tasks running, deployment COMPLETED"


def test_the_command_exits_3_and_names_what_is_not_ready(synthesized, monkeypatch, capsys):
    aws = Aws()
    answer_environment(aws, synthesized.assembly.stacks("Dev"), alarm_state="ALARM")
    monkeypatch.setattr(cli, "read_aws", lambda command, read: read(aws))
    assert cli.main(["verify", "dev", "--assembly", str(synthesized.assembly.directory)]) == 3
    out = capsys.readouterr().out
    assert "in ALARM" in out and out.rstrip().endswith("checks")


def test_without_credentials_the_command_says_so_in_one_line(synthesized, monkeypatch, capsys):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["verify", "dev", "--assembly", str(synthesized.assembly.directory)]) == 1
    err = capsys.readouterr().err
    assert err == ("kafka-platform verify: found no AWS credentials; sign in first (aws sso login, or set "
                   "AWS_PROFILE) with a role that may make its read-only calls\n")


def test_dr_execute_without_credentials_says_so_in_one_line(synthesized, monkeypatch, capsys):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["dr", "prod", "--execute", "--assembly", str(synthesized.assembly.directory)]) == 1
    assert capsys.readouterr().err.startswith("kafka-platform dr --execute: found no AWS credentials")


def test_access_denied_is_one_line_naming_the_call(synthesized, monkeypatch, capsys):
    """The planted endpoint (tests/conftest.py) answers nothing: the unreachable network is one line too."""
    assert cli.main(["verify", "dev", "--assembly", str(synthesized.assembly.directory)]) == 1
    assert capsys.readouterr().err.startswith("kafka-platform verify: could not reach AWS (")
