"""The scaling design as data: derived thresholds and steps, and every inconsistency refused with its fix."""

import pytest

from kafka_platform.domain import lag_scaling
from kafka_platform.domain.lag_scaling import ScalingStep, design_step_policy, step_policy_problems


def test_thresholds_and_steps_derive_from_throughput_and_delay():
    # 40 messages/s per task, 180 s acceptable delay: scale out at a sixth of the budget of work per task (30 s),
    # scale in at a fortieth (4.5 s); percent steps at 1, 2 and 4 times the threshold.
    policy = design_step_policy(partitions=24, task_throughput=40, max_delay_seconds=180)
    assert (policy.scale_out_backlog_per_task, policy.scale_in_backlog_per_task) == (1200, 180)
    assert policy.scale_out_steps == (
        ScalingStep(1200, 2400, 100), ScalingStep(2400, 4800, 200), ScalingStep(4800, None, 400))
    assert (policy.min_tasks, policy.max_tasks, policy.scale_in_percent) == (1, 24, 20)
    assert (policy.scale_out_cooldown_seconds, policy.scale_in_cooldown_seconds) == (240, 300)


def test_a_short_delay_budget_still_scales_out_above_what_a_rebalance_piles_up():
    # A sixth of 60 s is 10 s of work per task, less than one rebalance pause piles up: the floor is 20 s.
    policy = design_step_policy(partitions=24, task_throughput=40, max_delay_seconds=60)
    assert policy.scale_out_backlog_per_task == 40 * 20
    assert policy.scale_in_backlog_per_task == 60


def test_without_throughput_the_steps_double_from_an_explicit_threshold():
    policy = design_step_policy(partitions=48, scale_out_backlog_per_task=1000)
    assert policy.scale_out_steps == (
        ScalingStep(1000, 2000, 100), ScalingStep(2000, 4000, 200), ScalingStep(4000, None, 400))
    assert policy.scale_in_backlog_per_task == 100


@pytest.mark.parametrize("backlog,change", [(0, -20), (180, -20), (181, 0), (1199, 0), (1200, 100), (2399, 100),
                                            (2400, 200), (4799, 200), (4800, 400), (10**9, 400)])
def test_the_step_a_backlog_selects_follows_inclusive_lower_and_exclusive_upper_bounds(backlog, change):
    assert design_step_policy(partitions=24, task_throughput=40, max_delay_seconds=180).change_for(backlog) == change


def problems(**changes):
    settings = dict(task_throughput=40, max_delay_seconds=180, scale_out_backlog_per_task=None,
                    scale_in_backlog_per_task=None, scale_out_steps=None, scale_in_percent=None,
                    scale_out_cooldown_seconds=240, scale_in_cooldown_seconds=300)
    settings.update(changes)
    return step_policy_problems(**settings)


def test_a_consistent_design_has_no_problem():
    assert problems() == []


@pytest.mark.parametrize("changes,expected", [
    ({"scale_in_backlog_per_task": 5000, "scale_out_backlog_per_task": 1000},
     ("scale_in_backlog_per_task_messages", "5000 is not below scale_out_backlog_per_task_messages 1000; the service "
                                            "would scale in and out on the same backlog: leave a no-change band, for "
                                            "example 100")),
    ({"scale_out_steps": [ScalingStep(1200, 3000, 100), ScalingStep(2500, None, 200)]},
     ("scale_out_steps[0].upper_backlog_per_task", "3000 overlaps the next step, which starts at 2500; make them "
                                                   "meet")),
    ({"scale_out_steps": [ScalingStep(1200, 3000, 100), ScalingStep(4000, None, 200)]},
     ("scale_out_steps[0].upper_backlog_per_task", "3000 leaves a gap before the next step at 4000; backlogs in "
                                                   "between would add nothing: make them meet")),
    ({"scale_out_steps": [ScalingStep(1200, 3000, 400), ScalingStep(3000, None, 200)]},
     ("scale_out_steps[1].change_percent", "200 is smaller than the step below it (400); a larger backlog must never "
                                           "add fewer tasks")),
    ({"scale_out_steps": [ScalingStep(1200, 3000, 100)]},
     ("scale_out_steps[0].upper_backlog_per_task", "3000 caps the last step; leave the last upper bound out so any "
                                                   "backlog above it still scales out")),
    ({"scale_out_steps": [ScalingStep(1000, None, 100)]},
     ("scale_out_steps[0].lower_backlog_per_task", "1000 is not scale_out_backlog_per_task_messages 1200; the first "
                                                   "step starts at the threshold")),
    ({"scale_out_steps": [ScalingStep(1200, None, 0)]},
     ("scale_out_steps[0].change_percent", "0 adds no task; scale-out steps add 1 percent or more (at least one "
                                           "task)")),
    ({"scale_out_steps": [ScalingStep(1200, 1200, 100), ScalingStep(1200, None, 200)]},
     ("scale_out_steps[0].upper_backlog_per_task", "1200 is not above lower_backlog_per_task 1200; a step covers the "
                                                   "backlogs from its lower bound up to its upper bound")),
    ({"scale_out_cooldown_seconds": 30},
     ("scale_out_cooldown_seconds", "30 is shorter than the one-minute lag metric: the next action would act on lag "
                                    "from before the last one; use 60 or more (240 covers a whole reaction)")),
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
     ("scale_out_backlog_per_task_messages", "is missing; set it, or set task_throughput_messages_per_second and "
                                             "max_delay_seconds to derive it")),
    ({"scale_in_percent": 0},
     ("scale_in_percent", "0 is not between 1 and 50; scale in gradually (each removal rebalances the group), 20 is a "
                          "good start")),
    ({"scale_in_percent": 80},
     ("scale_in_percent", "80 is not between 1 and 50; scale in gradually (each removal rebalances the group), 20 is "
                          "a good start")),
])
def test_inconsistent_settings_are_refused_with_the_fix(changes, expected):
    assert problems(**changes) == [expected]


def test_a_throughput_of_zero_is_refused_without_a_derived_threshold():
    assert problems(task_throughput=0) == [
        ("task_throughput_messages_per_second", "0 is not a throughput; give the messages one task processes per "
                                                "second, above 0")]


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
    assert lag_scaling.target_tracking_problems(target_backlog_per_task=None, task_throughput=None,
                                               max_delay_seconds=60) == [
        ("target_backlog_per_task_messages", "is missing; set it, or set task_throughput_messages_per_second and "
                                             "max_delay_seconds to derive it")]


def test_target_tracking_policy_derives_its_target_unless_one_is_given():
    derived = lag_scaling.design_target_tracking_policy(partitions=6, task_throughput=200, max_delay_seconds=120)
    assert derived == lag_scaling.TargetTrackingPolicy(min_tasks=1, max_tasks=6, target_backlog_per_task=12000,
                                                       scale_out_cooldown_seconds=60, scale_in_cooldown_seconds=300)
    given = lag_scaling.design_target_tracking_policy(partitions=6, max_tasks=4, target_backlog_per_task=500,
                                                      scale_out_cooldown_seconds=120, scale_in_cooldown_seconds=600)
    assert (given.max_tasks, given.target_backlog_per_task, given.scale_out_cooldown_seconds,
            given.scale_in_cooldown_seconds) == (4, 500, 120, 600)


# ---- the bounds of every rule, each side (found by make mutate) ---------------------------------------------------
def test_the_smallest_valid_settings_are_accepted():
    assert problems(task_throughput=0.5, max_delay_seconds=180) == []  # below one message a second is a throughput
    assert problems(scale_out_backlog_per_task=1, scale_in_backlog_per_task=0, task_throughput=None,
                    scale_out_steps=[ScalingStep(1, None, 1)]) == []
    assert problems(scale_in_percent=1) == [] and problems(scale_in_percent=50) == []
    assert problems(scale_out_steps=[ScalingStep(1200, 2400, 100), ScalingStep(2400, None, 100)]) == []  # equal is fine
    assert lag_scaling.target_tracking_problems(target_backlog_per_task=1, task_throughput=None,
                                               max_delay_seconds=None) == []


def test_a_scale_in_threshold_equal_to_the_scale_out_one_is_refused():
    assert problems(scale_out_backlog_per_task=1000, scale_in_backlog_per_task=1000)[0][0] == \
        "scale_in_backlog_per_task_messages"
    assert problems(scale_out_backlog_per_task=1000, scale_in_backlog_per_task=999) == []


def test_a_zero_backlog_threshold_and_target_are_refused():
    assert problems(scale_out_backlog_per_task=0, task_throughput=None) == [
        ("scale_out_backlog_per_task_messages", "0 is not a backlog; use 1 message or more")]
    assert lag_scaling.target_tracking_problems(target_backlog_per_task=0, task_throughput=None,
                                               max_delay_seconds=None) == [
        ("target_backlog_per_task_messages", "0 is not a backlog; use 1 or more")]


def test_a_bad_throughput_derives_nothing_else():
    """A throughput of 0 or less is named once; no threshold is derived from it to be refused a second time."""
    assert problems(task_throughput=-5, scale_in_backlog_per_task=10) == [
        ("task_throughput_messages_per_second", "-5 is not a throughput; give the messages one task processes per "
                                                "second, above 0")]


def test_twenty_steps_are_accepted_and_twenty_one_refused():
    def steps(n):
        return [ScalingStep(1200 + i, 1201 + i, 100) for i in range(n - 1)] + [ScalingStep(1200 + n - 1, None, 100)]

    assert problems(scale_out_steps=steps(20)) == []
    assert problems(scale_out_steps=steps(21)) == [("scale_out_steps", "has 21 steps; use 1 to 20 (Application "
                                                                 "Auto Scaling's default quota of step adjustments per "
                                                                 "policy)")]


def test_an_open_step_before_the_last_is_refused_and_one_percent_adds_a_task():
    assert problems(scale_out_steps=[ScalingStep(1200, None, 100), ScalingStep(2400, None, 200)]) == [
        ("scale_out_steps[0].upper_backlog_per_task", "is open-ended but another step follows; only the last step has "
                                                      "no upper bound")]
    assert problems(scale_out_steps=[ScalingStep(1200, None, 1)]) == []


def test_each_step_is_compared_with_the_one_after_it():
    steps = [ScalingStep(1200, 2400, 100), ScalingStep(2400, 4800, 300), ScalingStep(4800, None, 200)]
    assert problems(scale_out_steps=steps) == [
        ("scale_out_steps[2].change_percent", "200 is smaller than the step below it (300); a larger backlog must "
                                              "never add fewer tasks")]


def test_derivation_needs_both_throughput_and_delay():
    policy = design_step_policy(partitions=24, task_throughput=40, scale_out_backlog_per_task=1001)
    assert policy.scale_in_backlog_per_task == 100  # a tenth of the explicit threshold, rounded down
    policy = design_step_policy(partitions=24, max_delay_seconds=180, scale_out_backlog_per_task=1001)
    assert policy.scale_in_backlog_per_task == 100 and isinstance(policy.scale_in_backlog_per_task, int)


def test_explicit_settings_win_over_derived_ones():
    steps = [ScalingStep(500, None, 300)]
    policy = design_step_policy(partitions=24, task_throughput=40, max_delay_seconds=180,
                                scale_out_backlog_per_task=500, scale_in_backlog_per_task=7, scale_out_steps=steps,
                                scale_in_percent=35, scale_out_cooldown_seconds=120, scale_in_cooldown_seconds=900,
                                min_tasks=2, max_tasks=12)
    assert (policy.scale_out_backlog_per_task, policy.scale_in_backlog_per_task) == (500, 7)
    assert policy.scale_out_steps == (ScalingStep(500, None, 300),) and policy.scale_in_percent == 35
    assert (policy.min_tasks, policy.max_tasks) == (2, 12)
    assert (policy.scale_out_cooldown_seconds, policy.scale_in_cooldown_seconds) == (120, 900)


def test_derived_thresholds_have_their_floors():
    assert lag_scaling.scale_out_backlog_for(0.01, 60) == 1      # never below one message
    assert lag_scaling.scale_in_backlog_for(0.01, 60) == 0       # scale-in may wait for an empty backlog
    assert lag_scaling.target_backlog_for(0.01, 60) == 1
    assert lag_scaling.scale_out_backlog_for(1, 600) == 100 and lag_scaling.scale_in_backlog_for(1, 600) == 15


def test_the_backlog_expression_sums_several_topics():
    assert lag_scaling.backlog_per_task_expression(["a"], "t") == \
        "IF(FILL(t, 0) > 0, FILL(a, REPEAT) / FILL(t, 1), FILL(a, REPEAT))"
    assert lag_scaling.backlog_per_task_expression(["a", "b"], "t") == (
        "IF(FILL(t, 0) > 0, SUM([FILL(a, REPEAT), FILL(b, REPEAT)]) / FILL(t, 1), "
        "SUM([FILL(a, REPEAT), FILL(b, REPEAT)]))")
    assert lag_scaling.backlog_per_task_expression(["a", "b"], "t", repeat_lag=False) == \
        "IF(FILL(t, 0) > 0, SUM([a, b]) / FILL(t, 1), SUM([a, b]))"


def test_capacity_bounds_each_side():
    def capacity(**settings):
        return lag_scaling.capacity_problems(**{"partitions": 24, "min_tasks": 1, "max_tasks": None,
                                                "wake_up_on_produce": False, **settings})

    assert capacity(max_tasks=24) == [] and capacity(max_tasks=1) == [] and capacity(min_tasks=24) == []
    assert capacity(min_tasks=5, max_tasks=5) == []
    assert capacity(max_tasks=0, min_tasks=0, wake_up_on_produce=True) == [
        ("max_tasks", "0 would never run a task; use 1 or more")]
    assert capacity(min_tasks=-1) == [("min_tasks", "-1 is below zero; use 0 (with wake_up_on_produce) or more")]
    assert capacity(min_tasks=25) == [("min_tasks", "25 is above max_tasks 24; lower min_tasks or raise max_tasks")]


def test_an_hour_is_the_longest_cooldown_for_either_direction():
    assert lag_scaling.cooldown_problems(3600, 3600) == []
    assert lag_scaling.cooldown_problems(3601, 3601) == [
        ("scale_out_cooldown_seconds", "3601 would leave the service unable to react for over an hour; use 3600 or "
                                       "less"),
        ("scale_in_cooldown_seconds", "3601 would leave the service unable to react for over an hour; use 3600 or "
                                      "less")]
