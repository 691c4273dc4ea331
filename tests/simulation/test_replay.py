"""The simulator on the synthesized environments: it reads the deployed scaling, replays it, and the shipped prod
policies hold on month-end. The policy regression test lives here."""

import json
import shutil

import pytest

from kafka_platform.simulation import profiles
from kafka_platform.simulation.compare import PLATFORM, compare
from kafka_platform.simulation.service import find_services

PROD = "Prod"


def config(environments, environment, name):
    return next(c for c in environments[environment].consumers if c.name == name)


@pytest.fixture(scope="module")
def month_end(synthesized):
    """Every prod service against the month-end profile, with every baseline: computed once."""
    return {service.name: compare(service, profiles.month_end(service.capacity))
            for service in find_services(synthesized.assembly, stage=PROD)}


def test_every_shipped_service_is_read_with_what_the_simulator_needs(synthesized, environments):
    for name, environment in environments.items():
        found = {s.name: s for s in find_services(synthesized.assembly, stage=environment.stage_name)}
        assert set(found) == {c.name for c in environment.consumers}
        for consumer in environment.consumers:
            service = found[consumer.name]
            assert service.partitions == sum(environment.topic(t).partitions for t in consumer.topics)
            assert service.delay_target_seconds == consumer.max_delay_seconds
            assert service.task_throughput == consumer.task_throughput_messages_per_second
            assert (service.deployed.min_capacity, service.deployed.max_capacity) == (
                consumer.min_tasks, consumer.max_tasks or service.partitions)


def test_thresholds_come_from_the_alarms_in_the_template(synthesized):
    template = synthesized.assembly.stack("Prod/Consumers").template
    alarms = {r["Properties"]["AlarmName"]: r["Properties"] for r in template["Resources"].values()
              if r["Type"] == "AWS::CloudWatch::Alarm"}
    [loans] = find_services(synthesized.assembly, stage=PROD, name="loan-approvals")
    assert loans.scale_out_threshold == alarms["bank-streaming-prod-loan-approvals-scale-out"]["Threshold"] == 800
    assert loans.scale_in_threshold == alarms["bank-streaming-prod-loan-approvals-scale-in"]["Threshold"] == 120
    [tracking] = find_services(synthesized.assembly, stage="Dev", name="card-fraud-screening")
    assert (tracking.mode, tracking.scale_out_threshold, tracking.scale_in_threshold) == ("target_tracking", 12000,
                                                                                         None)


def test_the_replay_follows_the_template_not_a_second_description(synthesized, tmp_path):
    """Raise the deployed scale-out threshold in a copy of the assembly: the same service now falls behind."""
    copy = tmp_path / "cdk.out"
    shutil.copytree(synthesized.assembly.directory, copy)
    from kafka_platform.assembly import CloudAssembly

    stack = CloudAssembly(copy).stack("Prod/Consumers")
    template = stack.template
    for resource in template["Resources"].values():
        if resource["Properties"].get("AlarmName") == "bank-streaming-prod-loan-approvals-scale-out":
            resource["Properties"]["Threshold"] = 10**9
    stack.template_path.write_text(json.dumps(template))
    [edited] = find_services(CloudAssembly(copy), stage=PROD, name="loan-approvals")
    result = compare(edited, profiles.month_end(edited.capacity)).platform
    assert result.minutes_above_target > 60 and result.actions <= 5


@pytest.mark.parametrize("name", ["loan-approvals", "repayments-processor", "credit-assessment",
                                  "card-fraud-screening"])
def test_each_prod_policy_keeps_the_delay_under_target_through_month_end_with_few_tasks(month_end, name):
    comparison = month_end[name]
    platform, oracle = comparison.platform, comparison.runs["oracle"]
    assert oracle.minutes_above_target == 0, "the partitions do not allow the target: raise them first"
    assert platform.minutes_above_target == 0, (
        f"{name} breaches its {comparison.service.delay_target_seconds:g} s target for "
        f"{platform.minutes_above_target} minutes (worst {platform.worst_delay:.0f} s)")
    assert comparison.relative_task_minutes(PLATFORM) <= 1.3


@pytest.mark.parametrize("name", ["loan-approvals", "repayments-processor", "credit-assessment",
                                  "card-fraud-screening"])
def test_each_prod_policy_beats_the_single_threshold_baseline_on_both_counts(month_end, name):
    platform, single = month_end[name].platform, month_end[name].runs["single-threshold"]
    assert platform.task_minutes < single.task_minutes
    assert platform.minutes_above_target < single.minutes_above_target
