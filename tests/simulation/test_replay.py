"""The simulator on the synthesized environments: it reads the deployed scaling, replays it, and the shipped prod
policies hold on every shipped profile. The policy regression tests live here (make bench measures on 20 seeds)."""

import json
import shutil

import pytest

from kafka_platform.domain.schedules import ScheduledCapacity
from kafka_platform.simulation import profiles
from kafka_platform.simulation.compare import PLATFORM, compare, run_policy
from kafka_platform.simulation.engine import ConsumerModel
from kafka_platform.simulation.policies import DeployedPolicy, Oracle, ReactiveBound
from kafka_platform.simulation.service import find_services

PROD = "Prod"


def config(environments, environment, name):
    return next(c for c in environments[environment].consumers if c.name == name)


SERVICES = ["loan-approvals", "repayments-processor", "credit-assessment", "card-fraud-screening"]
SEEDS = 3  # make bench runs 20; the suite keeps the regression guard fast


@pytest.fixture(scope="module")
def month_end(synthesized):
    """Every prod service against the month-end profile, with every baseline, on a few seeds: computed once."""
    return {service.name: compare(service, profiles.month_end(service.capacity), seeds=SEEDS, tuning_seeds=1)
            for service in find_services(synthesized.assembly, stage=PROD)}


@pytest.fixture(scope="module")
def every_profile(synthesized):
    """Every prod service on every shipped profile: the platform, the oracle and the reactive bound, two seeds."""
    out = {}
    for service in find_services(synthesized.assembly, stage=PROD):
        for name, make in profiles.SHIPPED.items():
            profile = make(service.capacity)
            deployed = (service.deployed.min_capacity, service.deployed.max_capacity)
            out[service.name, name] = {
                policy().name: [run_policy(policy(), service, profile,
                                           ConsumerModel(service.task_throughput, seed=seed), bounds)
                                for seed in range(2)]
                for policy, bounds in ((lambda: DeployedPolicy(service.deployed), deployed),
                                       (Oracle, (0, service.partitions)), (ReactiveBound, (0, service.partitions)))}
    return out


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
            assert service.mode == consumer.scaling_mode
            assert list(service.deployed.scheduled) == consumer.scheduled_actions


def test_thresholds_come_from_the_alarms_in_the_template(synthesized):
    template = synthesized.assembly.stack("Staging/Consumers").template
    alarms = {r["Properties"]["AlarmName"]: r["Properties"] for r in template["Resources"].values()
              if r["Type"] == "AWS::CloudWatch::Alarm"}
    [loans] = find_services(synthesized.assembly, stage="Staging", name="loan-approvals")
    assert loans.mode == "steps"
    assert loans.scale_out_threshold == alarms["bank-streaming-staging-loan-approvals-scale-out"]["Threshold"]
    assert loans.scale_in_threshold == alarms["bank-streaming-staging-loan-approvals-scale-in"]["Threshold"]
    [tracking] = find_services(synthesized.assembly, stage="Dev", name="card-fraud-screening")
    assert (tracking.mode, tracking.scale_out_threshold, tracking.scale_in_threshold) == ("target_tracking", 12000,
                                                                                         None)


def test_needed_tasks_are_read_from_the_template_and_its_metadata(synthesized):
    [loans] = find_services(synthesized.assembly, stage=PROD, name="loan-approvals")
    needed = loans.deployed.needed_tasks
    assert loans.mode == "needed_tasks" and needed is not None
    assert (needed.partitions, needed.task_throughput, needed.headroom_percent, needed.drain_seconds) == (
        24, 40, 10, 30)
    # The scale-out steps set each count worth running on 24 partitions, from min_tasks 2.
    assert [s.adjustment for s in loans.deployed.scale_out.steps] == [2, 3, 4, 5, 6, 8, 12, 24]
    assert loans.deployed.scale_out.adjustment_type == loans.deployed.scale_in.adjustment_type == "ExactCapacity"
    policy = DeployedPolicy(loans.deployed)
    assert sorted(kind for _, _, kind in policy.alarms) == ["needed-in", "needed-out"]
    # KEDA's lag threshold per replica: what step scaling would derive for the same service.
    assert loans.scale_out_threshold == 800


def test_the_month_end_prewarm_is_read_from_the_template(synthesized):
    [loans] = find_services(synthesized.assembly, stage=PROD, name="loan-approvals")
    assert loans.deployed.scheduled == (
        ScheduledCapacity("month-end-prewarm", "cron(50 8 L * ? *)", 24, None, "Europe/London"),
        ScheduledCapacity("month-end-over", "cron(0 11 L * ? *)", 2, None, "Europe/London"))
    [staging] = find_services(synthesized.assembly, stage="Staging", name="loan-approvals")
    assert staging.deployed.scheduled == ()


def test_the_replay_follows_the_template_not_a_second_description(synthesized, tmp_path):
    """Raise the deployed scale-out alarm's threshold in a copy of the assembly: the same service now falls behind."""
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
    # The campaign: no scheduled action fires on its ordinary day, so the scale-out alarm alone adds tasks.
    result = compare(edited, profiles.campaign(edited.capacity), seeds=1, tuning_seeds=1).platform
    assert result.minutes_above_target > 60 and result.actions <= 5


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("profile", list(profiles.SHIPPED))
def test_each_prod_policy_runs_at_most_1_2_times_the_partition_aware_oracle(every_profile, name, profile):
    runs = every_profile[name, profile]
    ratios = [p.task_minutes / o.task_minutes for p, o in zip(runs[PLATFORM], runs["oracle"])]
    assert max(ratios) <= 1.2, f"{name} on {profile}: {ratios}"


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("profile", ["campaign", "daily-cycle"])
def test_on_gradual_load_no_prod_service_is_above_its_target_for_more_than_a_rebalance(every_profile, name, profile):
    """A slow ramp is followed from the rate: at most a scale-out's rebalances (tasks joining one by one, each
    pausing the group) take a big group above its target, for a few minutes (the backlog-only policy: 9-28)."""
    assert all(r.minutes_above_target <= 3 for r in every_profile[name, profile][PLATFORM]), name


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("profile", ["month-end", "noisy-month-end", "consumer-crash"])
def test_on_surges_and_crashes_the_delay_stays_within_minutes_of_what_any_reaction_allows(every_profile, name,
                                                                                           profile):
    """The reactive bound knows the load the moment it changes; its tasks still take 30-120 s to start. Where it is
    above the target, no policy that reacts to the present is below it (bench/table.md: 120 s targets on month-end).
    The platform, which learns the load from metrics 1-2.5 minutes old, stays within 8 minutes of it."""
    runs = every_profile[name, profile]
    for platform, bound in zip(runs[PLATFORM], runs["reactive-bound"]):
        assert platform.minutes_above_target <= bound.minutes_above_target + 8, (name, profile)


@pytest.mark.parametrize("name", SERVICES)
def test_at_month_end_the_prewarm_keeps_every_prod_service_within_its_target(every_profile, name):
    """Every partition read from 08:50 on the last day of the month, before the 09:00 surge: no minute above the
    target (make bench, 20 seeds: 0 at the median everywhere; card fraud screening at most 1 at p90, the pre-warm's own
    45 tasks joining a group of 48 one after another, each arrival pausing it, while the load is low)."""
    assert all(r.minutes_above_target <= 1 for r in every_profile[name, "month-end"][PLATFORM]), name


def test_without_its_schedule_the_same_policy_falls_behind_at_month_end(synthesized):
    """The schedule, not a change in the model, is what meets month-end: the same service without it misses."""
    [loans] = find_services(synthesized.assembly, stage=PROD, name="loan-approvals")
    unscheduled = loans.without_schedule()
    profile = profiles.month_end(loans.capacity)
    bounds = (loans.deployed.min_capacity, loans.deployed.max_capacity)
    for service, expected in ((loans, lambda m: m == 0), (unscheduled, lambda m: m >= 3)):
        result = run_policy(DeployedPolicy(service.deployed), service, profile,
                            ConsumerModel(loans.task_throughput, seed=0), bounds)
        assert expected(result.minutes_above_target), (service.deployed.scheduled, result.minutes_above_target)


@pytest.mark.parametrize("name", SERVICES)
def test_each_prod_policy_is_cheaper_than_the_tuned_single_threshold_and_keda_and_never_later(month_end, name):
    """Cheaper, and never longer above the target: the baselines run the same month-end schedule, and where a
    baseline also reaches 0 minutes no policy can do better on that count."""
    comparison = month_end[name]
    for baseline in ("single-threshold", "keda"):
        assert comparison.task_minutes(PLATFORM).median < comparison.task_minutes(baseline).median, baseline
        assert comparison.minutes_above(PLATFORM).p90 <= comparison.minutes_above(baseline).p90, baseline
