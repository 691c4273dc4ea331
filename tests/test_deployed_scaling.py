"""Reading the deployed scaling back from the synthesized templates."""

from kafka_platform.deployed_scaling import StepAdjustment, read_services


def test_every_shipped_service_is_found_with_its_capacity(synthesized, environments):
    for environment in environments.values():
        services = {s.name: s for s in read_services(synthesized.assembly, environment.stage_name)}
        assert set(services) == {c.name for c in environment.consumers}


def test_step_policies_are_linked_to_the_alarms_that_drive_them(synthesized):
    services = {s.name: s for s in read_services(synthesized.assembly, "Prod")}
    loans = services["loan-approvals"]
    assert (loans.consumer_group, loans.topics, loans.min_capacity, loans.max_capacity) == (
        "loan-approvals", ("loan-applications",), 2, 24)
    out = loans.scale_out
    assert out.cooldown_seconds == 120 and out.metric_aggregation == "Maximum"
    assert out.steps[0] == StepAdjustment(0, 3600, 1) and out.steps[-1].upper is None
    [alarm] = out.alarms
    assert (alarm.name, alarm.threshold, alarm.treat_missing_data) == ("bank-streaming-prod-loan-approvals-scale-out",
                                                                        1200, "missing")
    assert loans.scale_in.alarms[0].datapoints_to_alarm == 8
    assert loans.target_tracking is None and loans.wake_up is None


def test_target_tracking_and_wake_up_are_read_too(synthesized):
    prod = {s.name: s for s in read_services(synthesized.assembly, "Prod")}
    assert prod["card-fraud-screening"].target_tracking.target_value == 6000
    assert prod["card-fraud-screening"].scale_out is None
    dev = {s.name: s for s in read_services(synthesized.assembly, "Dev")}
    assert dev["credit-assessment"].wake_up.alarms[0].name == "bank-streaming-dev-credit-assessment-wake-up"
    assert dev["credit-assessment"].scale_out.alarms[0].name.endswith("-scale-out")
