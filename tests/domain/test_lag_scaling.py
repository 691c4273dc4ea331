"""The scaling design as data: derived thresholds and steps, and every inconsistency refused with its fix."""

import pytest

from kafka_platform.domain import lag_scaling
from kafka_platform.domain.lag_scaling import ScalingStep, design_step_policy, step_policy_problems


def test_thresholds_and_steps_derive_from_throughput_and_delay():
    # 40 messages/s per task, 120 s acceptable delay: one task drains 1200 messages in a quarter of the budget.
    policy = design_step_policy(partitions=24, task_throughput=40, max_delay_seconds=120)
    assert (policy.scale_out_lag, policy.scale_in_lag) == (1200, 120)
    assert policy.scale_out_steps == (
        ScalingStep(1200, 4800, 1), ScalingStep(4800, 9600, 2), ScalingStep(9600, 19200, 4),
        ScalingStep(19200, 38400, 8), ScalingStep(38400, None, 16))
    assert (policy.min_tasks, policy.max_tasks, policy.scale_in_change) == (1, 24, -1)
    assert (policy.scale_out_cooldown_seconds, policy.scale_in_cooldown_seconds) == (120, 300)


def test_steps_stop_growing_at_the_maximum_tasks():
    policy = design_step_policy(partitions=6, task_throughput=40, max_delay_seconds=120)
    assert policy.scale_out_steps[-1] == ScalingStep(19200, None, 6)
    assert max(step.change for step in policy.scale_out_steps) == 6


def test_without_throughput_steps_double_from_an_explicit_threshold():
    policy = design_step_policy(partitions=48, scale_out_lag=1000)
    assert [s.change for s in policy.scale_out_steps] == [1, 2, 4, 8, 16, 32]
    assert policy.scale_in_lag == 100


@pytest.mark.parametrize("lag,change", [(0, -1), (120, -1), (121, 0), (1199, 0), (1200, 1), (4799, 1), (4800, 2),
                                        (38400, 16), (10**9, 16)])
def test_the_step_a_lag_selects_follows_inclusive_lower_and_exclusive_upper_bounds(lag, change):
    assert design_step_policy(partitions=24, task_throughput=40, max_delay_seconds=120).change_for(lag) == change


def problems(**changes):
    settings = dict(task_throughput=40, max_delay_seconds=120, scale_out_lag=None, scale_in_lag=None,
                    scale_out_steps=None, scale_in_tasks=1, scale_out_cooldown_seconds=120,
                    scale_in_cooldown_seconds=300)
    settings.update(changes)
    return step_policy_problems(**settings)


def test_a_consistent_design_has_no_problem():
    assert problems() == []


@pytest.mark.parametrize("changes,expected", [
    ({"scale_in_lag": 5000, "scale_out_lag": 1000},
     ("scale_in_lag_messages", "5000 is not below scale_out_lag_messages 1000; the service would scale in and out on "
                               "the same lag: leave a no-change band, for example 100")),
    ({"scale_out_steps": [ScalingStep(1200, 3000, 1), ScalingStep(2500, None, 2)]},
     ("scale_out_steps[0].upper_lag", "3000 overlaps the next step, which starts at 2500; make them meet")),
    ({"scale_out_steps": [ScalingStep(1200, 3000, 1), ScalingStep(4000, None, 2)]},
     ("scale_out_steps[0].upper_lag", "3000 leaves a gap before the next step at 4000; lags in between would add "
                                      "nothing: make them meet")),
    ({"scale_out_steps": [ScalingStep(1200, 3000, 4), ScalingStep(3000, None, 2)]},
     ("scale_out_steps[1].change", "2 is smaller than the step below it (4); more lag must never add fewer tasks")),
    ({"scale_out_steps": [ScalingStep(1200, 3000, 1)]},
     ("scale_out_steps[0].upper_lag", "3000 caps the last step; leave the last upper_lag out so any lag above it "
                                      "still scales out")),
    ({"scale_out_steps": [ScalingStep(1000, None, 1)]},
     ("scale_out_steps[0].lower_lag", "1000 is not scale_out_lag_messages 1200; the first step starts at the "
                                      "threshold")),
    ({"scale_out_cooldown_seconds": 30},
     ("scale_out_cooldown_seconds", "30 is shorter than the one-minute lag metric: the next action would act on lag "
                                    "from before the last one; use 60 or more")),
    ({"scale_in_cooldown_seconds": 60},
     ("scale_in_cooldown_seconds", "60 lets the service scale in faster than it settles after a rebalance or scales "
                                   "out, so it would flap; use 300 or more")),
    ({"scale_out_cooldown_seconds": 600, "scale_in_cooldown_seconds": 400},
     ("scale_in_cooldown_seconds", "400 lets the service scale in faster than it settles after a rebalance or "
                                   "scales out, so it would flap; use 600 or more")),
    ({"scale_in_cooldown_seconds": 7200},
     ("scale_in_cooldown_seconds", "7200 would leave the service unable to react for over an hour; use 3600 or "
                                   "less")),
    ({"task_throughput": None},
     ("scale_out_lag_messages", "is missing; set it, or set task_throughput_messages_per_second and "
                                "max_delay_seconds to derive it")),
    ({"scale_in_tasks": 0}, ("scale_in_tasks", "0 removes no task; use 1 or more")),
])
def test_inconsistent_settings_are_refused_with_the_fix(changes, expected):
    assert problems(**changes) == [expected]


@pytest.mark.parametrize("settings,expected", [
    ({"max_tasks": 30}, [("max_tasks", "30 is above the 24 partitions consumed; tasks beyond the partitions get no "
                                       "partition and sit idle: use 24 or fewer")]),
    ({"min_tasks": 10, "max_tasks": 5}, [("min_tasks", "10 is above max_tasks 5; lower min_tasks or raise "
                                                       "max_tasks")]),
    ({"min_tasks": 0}, [("min_tasks", "0 needs wake_up_on_produce: true; with no task the group's offsets expire "
                                      "after 7 days and MSK stops publishing its lag, so lag alone never wakes it")]),
    ({"min_tasks": 0, "wake_up_on_produce": True}, []),
])
def test_capacity_stays_within_the_partitions(settings, expected):
    arguments = {"partitions": 24, "min_tasks": 1, "max_tasks": None, "wake_up_on_produce": False, **settings}
    assert lag_scaling.capacity_problems(**arguments) == expected


def test_backlog_target_follows_the_queue_recipe():
    assert lag_scaling.target_backlog_for(200, 60) == 6000
    assert lag_scaling.backlog_policy_problems(target_backlog_per_task=None, task_throughput=None,
                                               max_delay_seconds=60) == [
        ("target_backlog_per_task_messages", "is missing; set it, or set task_throughput_messages_per_second and "
                                             "max_delay_seconds to derive it")]
