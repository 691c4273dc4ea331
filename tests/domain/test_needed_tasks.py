"""Scaling on the tasks the load needs: even task counts, the signal, and the settings refused."""

import pytest

from kafka_platform.domain.needed_tasks import (MAX_STEP_INTERVALS, NeededTasksPolicy, design_needed_tasks_policy,
                                                even_count, even_counts, even_expression, needed_expression,
                                                needed_tasks_problems, scale_in_expression, scale_out_expression)
from kafka_platform.domain.consumers import consumer_problems
from kafka_platform.simulation.engine import ConsumerModel


def test_the_counts_worth_running_are_those_that_change_the_busiest_consumers_load():
    assert even_counts(24) == (1, 2, 3, 4, 5, 6, 8, 12, 24)
    assert even_counts(48) == (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 48)
    assert even_counts(12, include_zero=True) == (0, 1, 2, 3, 4, 6, 12)


@pytest.mark.parametrize("partitions", [1, 7, 12, 24, 48, 100])
def test_the_even_count_is_the_fewest_tasks_whose_spread_carries_the_need(partitions):
    """Against the simulator's own capacity model, every need from 0 to the partitions in tenths."""
    model = ConsumerModel(1.0)
    for tenths in range(0, partitions * 10 + 1):
        needed = tenths / 10
        count = even_count(needed, partitions)
        assert model.capacity(count, partitions) >= needed - 1e-9
        assert count == 0 or model.capacity(count - 1, partitions) < needed
        assert count in even_counts(partitions, include_zero=True)


def test_the_need_is_the_larger_of_the_rate_with_headroom_and_the_backlog_to_work_off():
    policy = design_needed_tasks_policy(partitions=24, min_tasks=2, max_tasks=None, task_throughput=40,
                                        max_delay_seconds=120)
    assert (policy.drain_seconds, policy.headroom_percent, policy.max_tasks) == (30, 10, 24)
    assert policy.needed(rate=400, lag=0) == pytest.approx(11)  # 440 / 40
    assert policy.needed(rate=400, lag=30 * 800) == pytest.approx(20)  # the backlog wins: 800 / 40
    # A rebalance's backlog (the rate for 30 s) is worked off by the headroom: no more tasks than the rate needs.
    assert policy.desired(rate=400, lag=400 * 30 * 0.5) == policy.desired(rate=400, lag=0) == 12
    assert policy.counts == (2, 3, 4, 5, 6, 8, 12, 24)


def test_counts_stay_within_min_and_max_and_keep_both():
    policy = NeededTasksPolicy(min_tasks=7, max_tasks=20, partitions=24, task_throughput=10, drain_seconds=30)
    assert policy.counts == (7, 8, 12, 20)
    assert NeededTasksPolicy(0, 24, 24, 10, 30).counts[0] == 0


def test_the_signal_as_metric_math():
    policy = NeededTasksPolicy(min_tasks=2, max_tasks=24, partitions=24, task_throughput=40, drain_seconds=30)
    assert needed_expression(policy, ["in0", "in1"], ["lag0"]) == (
        "MAX([SUM([FILL(in0, REPEAT), FILL(in1, REPEAT)]) * 1.1, FILL(lag0, REPEAT) / 30]) / 40")
    assert even_expression("needed", 24) == "IF(needed <= 0, 0, IF(needed >= 24, 24, CEIL(24 / FLOOR(24 / needed))))"
    assert scale_out_expression("even", "desired") == "IF(even > FILL(desired, REPEAT), even, 0)"
    assert scale_in_expression("even", "desired", 24) == "IF(even < FILL(desired, REPEAT), even, 25)"


def problems(**changes):
    settings = {"task_throughput": 40.0, "broker_count": 6, "topics": 1, "partitions": 24, "headroom_percent": None,
                "metrics_per_alarm": 10}
    return dict(needed_tasks_problems(**{**settings, **changes}))


def test_settings_that_cannot_work_are_refused_with_the_fix():
    assert problems() == {}
    assert problems(task_throughput=None) == {"task_throughput_messages_per_second": (
        "is missing; scaling_mode needed_tasks sizes the fleet by the incoming rate divided by it")}
    assert problems(broker_count=None) == {"scaling_mode": (
        "needed_tasks needs the cluster's broker count (give broker_count to from_cluster_attributes): the rate sums "
        "each broker's MessagesInPerSec")}
    assert problems(topics=2) == {"scaling_mode": (
        "needed_tasks would need 15 metrics in one alarm (each broker's rate and each topic's lag, per topic, and the "
        "running tasks), above CloudWatch's 10; consume fewer topics or use scaling_mode steps")}
    assert problems(broker_count=3, topics=2) == {}  # 3 x 2 + 2 + 1 = 9
    assert problems(broker_count=3, topics=2, metrics_per_alarm=9) == {}  # exactly at the limit
    assert problems(broker_count=3, topics=2, metrics_per_alarm=8)["scaling_mode"].startswith("needed_tasks would need 9")
    many = next(p for p in range(1, 3000) if len(even_counts(p)) + 1 > MAX_STEP_INTERVALS)
    assert problems(partitions=many - 1) == {}
    assert problems(partitions=many) == {"scaling_mode": (
        f"needed_tasks needs a step per task count worth running on {many} partitions ({len(even_counts(many))}), "
        "above Application Auto Scaling's default quota of 20 step adjustments per policy; use scaling_mode steps")}
    assert many == 101  # 96 partitions (19 counts) still scale on needed tasks
    assert problems(headroom_percent=101) == {"headroom_percent": (
        "101 is not between 0 and 100; capacity kept above the incoming rate, 10 is a good start")}
    assert problems(headroom_percent=-1)["headroom_percent"].startswith("-1 is not between 0 and 100")
    assert problems(headroom_percent=0) == problems(headroom_percent=100) == {}


def test_design_defaults_and_explicit_settings():
    default = design_needed_tasks_policy(partitions=48, min_tasks=3, max_tasks=None, task_throughput=200,
                                         max_delay_seconds=120)
    assert (default.max_tasks, default.headroom_percent, default.drain_seconds) == (48, 10, 30)
    assert (default.scale_out_cooldown_seconds, default.scale_in_cooldown_seconds) == (60, 300)
    explicit = design_needed_tasks_policy(partitions=48, min_tasks=3, max_tasks=24, task_throughput=200,
                                          max_delay_seconds=300, headroom_percent=0, scale_out_cooldown_seconds=120,
                                          scale_in_cooldown_seconds=600)
    assert (explicit.max_tasks, explicit.headroom_percent, explicit.drain_seconds) == (24, 0, 75)
    assert (explicit.scale_out_cooldown_seconds, explicit.scale_in_cooldown_seconds) == (120, 600)
    assert (explicit.min_tasks, explicit.partitions, explicit.task_throughput) == (3, 48, 200)
    # Whole seconds, written into the alarms' metric math: a quarter of 122 s is 30.
    odd = design_needed_tasks_policy(partitions=24, min_tasks=1, max_tasks=None, task_throughput=10,
                                     max_delay_seconds=122)
    assert odd.drain_seconds == 30 and isinstance(odd.drain_seconds, int)


def test_needed_tasks_cooldowns_are_held_to_the_same_floors_as_steps():
    found = dict(consumer_problems(
        consumer_group="g", topic_names=["t"], partitions=24, environment={}, min_tasks=1, max_tasks=None,
        wake_up_on_produce=False, scaling_mode="needed_tasks", task_throughput=40.0, max_delay_seconds=120,
        scale_out_backlog_per_task=None, scale_in_backlog_per_task=None, scale_out_steps=None,
        scale_in_percent=None, scale_out_cooldown_seconds=30, scale_in_cooldown_seconds=60,
        target_backlog_per_task=None, broker_count=3))
    assert found["scale_out_cooldown_seconds"].startswith("30 is shorter than the one-minute lag metric")
    assert found["scale_in_cooldown_seconds"].startswith("60 lets the service scale in faster than it settles")


def test_the_drain_time_is_at_least_one_second():
    tiny = design_needed_tasks_policy(partitions=6, min_tasks=1, max_tasks=None, task_throughput=10,
                                      max_delay_seconds=7)
    assert tiny.drain_seconds == 1
    assert design_needed_tasks_policy(partitions=6, min_tasks=1, max_tasks=None, task_throughput=10,
                                      max_delay_seconds=8).drain_seconds == 2
