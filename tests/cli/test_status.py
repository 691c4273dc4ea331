"""``kafka-platform status``: read-only, from AWS (botocore's Stubber answers), for what the assembly declares."""

from __future__ import annotations

from datetime import datetime, timezone

import boto3
import pytest
from botocore.stub import ANY, Stubber

from kafka_platform.cli import main
from kafka_platform.deployed_scaling import read_services
from kafka_platform.status import CONNECT_COUNTS, read_status, render

NOW = datetime(2026, 12, 31, 9, 5, tzinfo=timezone.utc)
RESOURCE = "service/prod-consumers-cluster/loan-approvals-service"


def _clients(synthesized, *, running=12, desired=12, bounds=(24, 24), delay="OK", in_alarm=()):
    made, stubs = {}, {}

    def client(service, region):
        if (service, region) not in made:
            made[(service, region)] = boto3.client(service, region_name=region, aws_access_key_id="testing",
                                                   aws_secret_access_key="testing")
            stubs[service] = Stubber(made[(service, region)])
        return made[(service, region)]

    for service in ("cloudformation", "application-autoscaling", "ecs", "cloudwatch"):
        client(service, "eu-west-2")
    [service] = [s for s in read_services(synthesized.assembly, "Prod") if s.name == "loan-approvals"]
    stack = next(s for s in synthesized.assembly.stacks("Prod") if s.name == service.stack)
    target = next(i for i, r in stack.resources("AWS::ApplicationAutoScaling::ScalableTarget").items()
                  if r["Metadata"]["KafkaPlatform"]["Service"] == "loan-approvals")
    stubs["cloudformation"].add_response("describe_stack_resources", {"StackResources": [
        {"LogicalResourceId": target, "PhysicalResourceId": f"{RESOURCE}|ecs:service:DesiredCount|ecs",
         "ResourceType": "AWS::ApplicationAutoScaling::ScalableTarget", "ResourceStatus": "UPDATE_COMPLETE",
         "Timestamp": NOW}]}, {"StackName": stack.stack_name})
    stubs["ecs"].add_response("describe_services", {"services": [
        {"serviceName": "loan-approvals-service", "runningCount": running, "desiredCount": desired,
         "pendingCount": desired - running}]}, {"cluster": "prod-consumers-cluster",
                                                 "services": ["loan-approvals-service"]})
    autoscaling = stubs["application-autoscaling"]
    autoscaling.add_response("describe_scalable_targets", {"ScalableTargets": [{
        "ServiceNamespace": "ecs", "ResourceId": RESOURCE, "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": bounds[0], "MaxCapacity": bounds[1], "RoleARN": "arn:aws:iam::333333333333:role/x",
        "CreationTime": NOW}]}, {"ServiceNamespace": "ecs", "ResourceIds": [RESOURCE]})
    autoscaling.add_response("describe_scaling_activities", {"ScalingActivities": [{
        "ActivityId": "a", "ServiceNamespace": "ecs", "ResourceId": RESOURCE,
        "ScalableDimension": "ecs:service:DesiredCount", "Description": "Setting desired count to 12.",
        "Cause": "monitor alarm scale-out", "StartTime": datetime(2026, 12, 31, 8, 51, tzinfo=timezone.utc),
        "StatusCode": "Successful"}]}, {"ServiceNamespace": "ecs", "ResourceId": RESOURCE, "MaxResults": 1})
    autoscaling.add_response("describe_scheduled_actions", {"ScheduledActions": [{
        "ScheduledActionName": "month-end-prewarm", "ScheduledActionARN": "arn:x", "ServiceNamespace": "ecs",
        "Schedule": "cron(50 8 L * ? *)", "Timezone": "Europe/London", "ResourceId": RESOURCE,
        "ScalableTargetAction": {"MinCapacity": 24}, "CreationTime": NOW}]},
        {"ServiceNamespace": "ecs", "ResourceId": RESOURCE})
    cloudwatch = stubs["cloudwatch"]
    cloudwatch.add_response("describe_alarms", {"MetricAlarms": [{
        "AlarmName": "bank-streaming-prod-loan-approvals-delay", "StateValue": delay,
        "StateReason": "Threshold Crossed: 1 datapoint [42.0 (31/12/26 09:04:00)] was not greater than the "
                       "threshold (120.0)."}]}, {"AlarmNames": ["bank-streaming-prod-loan-approvals-delay"]})
    cloudwatch.add_response("describe_alarms", {"MetricAlarms": [
        {"AlarmName": name, "StateValue": "ALARM"} for name in (*in_alarm, "someone-elses-alarm")]},
        {"StateValue": "ALARM", "MaxRecords": 100})
    for stub in stubs.values():
        stub.activate()
    return client, stubs


def test_one_service_against_its_bounds_with_its_delay_and_scaling(synthesized):
    client, stubs = _clients(synthesized, bounds=(24, 24))
    status = read_status(synthesized.assembly, "Prod", client, service="loan-approvals", now=NOW)
    text = render(status)
    assert text.startswith("Prod (eu-west-2):\n  loan-approvals (group loan-approvals): 12 running, 12 desired, 0 "
                           "pending; bounds in force 24-24 (template 2-24, a scheduled action or a hand has changed "
                           "them)")
    assert "    delay (target 120 s): OK (Threshold Crossed: 1 datapoint [42.0" in text
    assert "    last scaling: 2026-12-31 08:51 Successful: Setting desired count to 12." in text
    assert "    scheduled: month-end-prewarm cron(50 8 L * ? *) Europe/London: min 24" in text
    assert text.endswith("alarms in ALARM: none") and not status.needs_attention
    for stub in stubs.values():
        stub.assert_no_pending_responses()


def test_alarms_in_alarm_and_tasks_short_of_desired_need_attention(synthesized):
    client, _ = _clients(synthesized, running=9, desired=12, bounds=(2, 24), delay="ALARM",
                         in_alarm=("bank-streaming-prod-loan-approvals-delay",))
    status = read_status(synthesized.assembly, "Prod", client, service="loan-approvals", now=NOW)
    text = render(status)
    assert "9 running, 12 desired, 3 pending; bounds in force 2-24 (template 2-24)" in text
    assert text.endswith("alarms in ALARM: bank-streaming-prod-loan-approvals-delay")  # not another's alarm
    assert status.needs_attention


def test_the_connect_clusters_health_is_its_monitors_last_counts(synthesized):
    client = boto3.client("cloudwatch", region_name="eu-west-2", aws_access_key_id="t", aws_secret_access_key="t")
    stub = Stubber(client)
    stub.add_response("get_metric_data", {"MetricDataResults": [
        {"Id": f"m{n}", "Label": m, "Timestamps": [NOW], "Values": [v], "StatusCode": "Complete"}
        for n, (m, v) in enumerate(zip(CONNECT_COUNTS, (17, 1, 0, 0, 0)))]},
        {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": "TimestampDescending"})
    stub.activate()
    from kafka_platform.status import _connect_counts

    assert _connect_counts(client, "bank-cdc-prod", NOW) == {"Connectors": 17, "FailedConnectors": 1,
                                                             "FailedTasks": 0, "CredentialsRefused": 0,
                                                             "DriftedConnectors": 0}


def test_without_credentials_one_line_and_no_traceback(synthesized, capsys, monkeypatch):
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    assert main(["status", "prod", "loan-approvals", "--assembly", str(synthesized.assembly.directory)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("kafka-platform status: found no AWS credentials; sign in first (aws sso login, or set "
                           "AWS_PROFILE) with a role that may make its read-only calls")


@pytest.mark.parametrize("arguments, message", [
    (["status", "prdo"], "has no stage 'prdo'; did you mean Prod?"),
    (["status", "prod", "nosuch"], "stage Prod has no consumer service 'nosuch'; kafka-platform summary lists them"),
])
def test_a_wrong_name_is_one_clear_line(synthesized, capsys, arguments, message):
    assert main([*arguments, "--assembly", str(synthesized.assembly.directory)]) == 1
    assert message in capsys.readouterr().err
