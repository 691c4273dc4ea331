"""Reading the deployed scaling back from the synthesized templates."""

from kafka_platform.deployed_scaling import StepAdjustment, read_services


def test_every_shipped_service_is_found_with_its_capacity(synthesized, environments):
    for environment in environments.values():
        services = {s.name: s for s in read_services(synthesized.assembly, environment.stage_name)}
        assert set(services) == {c.name for c in environment.consumers}


def test_step_policies_are_linked_to_the_alarms_that_drive_them(synthesized):
    services = {s.name: s for s in read_services(synthesized.assembly, "Staging")}
    loans = services["loan-approvals"]
    assert (loans.consumer_group, loans.topics, loans.min_capacity, loans.max_capacity) == (
        "loan-approvals", ("loan-applications",), 1, 24)
    out = loans.scale_out
    assert out.cooldown_seconds == 240 and out.metric_aggregation == "Maximum"
    assert (out.adjustment_type, out.min_adjustment_magnitude) == ("PercentChangeInCapacity", 1)
    assert out.steps == (StepAdjustment(0, 800, 100), StepAdjustment(800, 2400, 200), StepAdjustment(2400, None, 400))
    [alarm] = out.alarms
    assert (alarm.name, alarm.threshold, alarm.treat_missing_data) == (
        "bank-streaming-staging-loan-approvals-scale-out", 800, "missing")
    assert {m["Id"] for m in alarm.metrics} == {"lag0", "tasks", "expr_1"}
    assert loans.scale_in.alarms[0].datapoints_to_alarm == 8
    assert loans.target_tracking is None and loans.wake_up is None and loans.needed_tasks is None


def test_needed_tasks_policies_are_read_with_their_settings(synthesized):
    loans = {s.name: s for s in read_services(synthesized.assembly, "Prod")}["loan-approvals"]
    assert (loans.needed_tasks.drain_seconds, loans.needed_tasks.headroom_percent) == (30, 10)
    assert loans.scale_out.adjustment_type == loans.scale_in.adjustment_type == "ExactCapacity"
    assert (loans.scale_out.cooldown_seconds, loans.scale_in.cooldown_seconds) == (60, 300)
    assert loans.scale_out.alarms[0].name == "bank-streaming-prod-loan-approvals-scale-out"
    assert loans.scale_in.alarms[0].name == "bank-streaming-prod-loan-approvals-scale-in"


def test_target_tracking_and_wake_up_are_read_too(synthesized):
    dev = {s.name: s for s in read_services(synthesized.assembly, "Dev")}
    tracking = dev["card-fraud-screening"].target_tracking
    assert (tracking.target_value, tracking.scale_out_cooldown_seconds, tracking.scale_in_cooldown_seconds) == (
        12000, 60, 300)
    assert [m["Id"] for m in tracking.metrics] == ["lag0", "tasks", "backlog_per_task"]
    assert dev["card-fraud-screening"].scale_out is None and dev["card-fraud-screening"].step_policies == []
    assert dev["credit-assessment"].wake_up.alarms[0].name == "bank-streaming-dev-credit-assessment-wake-up"
    assert dev["credit-assessment"].scale_out.alarms[0].name.endswith("-scale-out")


def test_an_assembly_from_an_older_release_is_refused_with_the_fix(synthesized, tmp_path):
    import json
    import shutil

    import pytest

    from kafka_platform.assembly import CloudAssembly
    from kafka_platform.errors import ConfigurationError

    copy = tmp_path / "cdk.out"
    shutil.copytree(synthesized.assembly.directory, copy)
    stack = CloudAssembly(copy).stack("Dev/Consumers")
    template = stack.template
    [target_id] = [k for k, r in template["Resources"].items()
                   if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
                   and r["Metadata"]["KafkaPlatform"]["Service"] == "loan-approvals"]
    for key in ("Service", "Partitions", "MaxDelaySeconds"):
        del template["Resources"][target_id]["Metadata"]["KafkaPlatform"][key]
    stack.template_path.write_text(json.dumps(template))
    with pytest.raises(ConfigurationError) as raised:
        read_services(CloudAssembly(copy), "Dev")
    assert str(raised.value) == (f"{stack.template_path}: {target_id}.Metadata.KafkaPlatform: lacks Service, "
                                 "Partitions, MaxDelaySeconds: synthesized by an older kafka-platform; synthesize "
                                 "again (make synth)")
