"""The world the policies act on, hand-computed: task start-up, partitions, rebalances without datapoints, the
publish delay, alarms that act every minute, delay, crashes, and the replayed target tracking."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from kafka_platform.deployed_scaling import (DeployedAlarm, DeployedService, DeployedStepPolicy,
                                             DeployedTargetTracking, StepAdjustment)
from kafka_platform.domain.schedules import ScheduledCapacity
from kafka_platform.errors import ConfigurationError
from kafka_platform.simulation.engine import ConsumerModel, simulate
from kafka_platform.simulation.policies import DeployedPolicy, Oracle, StaticCapacity
from kafka_platform.simulation.profiles import LoadProfile

LAG = ({"Id": "m0", "MetricStat": {"Metric": {"MetricName": "SumOffsetLag"}}},)
BACKLOG = ({"Id": "expr_1", "Expression": "IF(FILL(tasks, 0) > 0, lag0 / FILL(tasks, 1), lag0)"},
           {"Id": "lag0", "MetricStat": {"Metric": {"MetricName": "SumOffsetLag"}}},
           {"Id": "tasks", "MetricStat": {"Metric": {"MetricName": "RunningTaskCount"}}})


def flat(rate, minutes=10, **extra):
    return LoadProfile("flat", tuple([rate] * minutes), **extra)


@dataclass
class Script:
    """Sets the desired count at given minutes; starts with ``start`` tasks."""

    start: int
    at: dict = field(default_factory=dict)
    name: str = "script"
    ideal: bool = False
    tick_seconds: int = 60

    def initial_tasks(self, world):
        return self.start

    def every_minute(self, world):
        if world.minute in self.at:
            world.target.set_desired(self.at[world.minute])

    def every_tick(self, world):
        pass


def run(policy, profile, *, throughput=10.0, partitions=12, min_tasks=0, max_tasks=12, **model):
    return simulate(policy, profile, ConsumerModel.lockstep(throughput, **model), partitions=partitions,
                    min_tasks=min_tasks, max_tasks=max_tasks, delay_target=120)


def one_alarm_service(*, threshold=1, comparison="GreaterThanOrEqualToThreshold", steps=(StepAdjustment(0, None, 1),),
                      adjustment_type="ChangeInCapacity", cooldown=60, metrics=LAG, periods=(1, 1),
                      missing="missing", min_capacity=1, max_capacity=12):
    alarm = DeployedAlarm("test-scale-out", threshold, comparison, periods[0], periods[1], missing, 60, metrics)
    policy = DeployedStepPolicy(adjustment_type, cooldown, "Maximum", tuple(steps), None, (alarm,))
    return DeployedService("Test", "Test/Consumers", "svc", "group", ("topic",), min_capacity, max_capacity,
                           partitions=12, max_delay_seconds=120, task_throughput=10.0, step_policies=[policy])


def test_a_new_task_consumes_only_after_its_start_up_and_then_pauses_the_group_for_a_rebalance():
    # 10 messages/s, one task of 10/s keeps up. A second task asked for at minute 1 is ready at 60 + 55 = 115 s;
    # its arrival rebalances the group until 130 s, so the minute-2 sample (120 s) is missing.
    result = run(Script(start=1, at={1: 2}), flat(10), startup_seconds=55, rebalance_seconds=15)
    minutes = result.minutes
    assert [r.tasks for r in minutes[:3]] == [1, 2, 2]  # billed from when ECS starts it
    assert [r.running for r in minutes[:3]] == [1, 1, 2]  # running (and counted by the alarms) once started
    assert minutes[1].datapoint == 0 and minutes[2].datapoint is None and minutes[3].datapoint is not None
    # During the 15 s pause 150 messages pile up; two tasks (20/s) then drain them at 10/s: gone by 145 s.
    assert minutes[2].lag == pytest.approx(50)
    assert minutes[3].lag == 0


def test_tasks_beyond_the_partitions_consume_nothing():
    result = run(StaticCapacity("five", 5), flat(100, minutes=3), partitions=2, rebalance_seconds=0)
    # Two partitions: only two of the five tasks read, 20 of the 100 messages/s.
    assert result.minutes[1].lag == pytest.approx(80 * 60)
    assert result.minutes[2].consumers == 2


def test_alarms_see_a_sample_only_after_the_publish_delay():
    # Nothing consumes (min 0 tasks would wake nothing here: start at 1 task of 1 message/s, 100 arrive).
    for delay, first_action_minute in ((60, 2), (120, 3)):
        policy = DeployedPolicy(one_alarm_service(), start=1)
        result = run(policy, flat(100, minutes=5), throughput=1, min_tasks=1, publish_delay_seconds=delay,
                     rebalance_seconds=0)
        desired = [r.desired for r in result.minutes]
        # Lag is 0 at minute 0 and positive from minute 1; minute 1's sample is seen at minute 1 + delay.
        assert desired.index(2) == first_action_minute, (delay, desired)


def test_an_alarm_in_alarm_acts_again_every_minute_once_the_cooldown_is_over():
    result = run(DeployedPolicy(one_alarm_service(cooldown=60), start=1), flat(1000, minutes=8), throughput=1,
                 min_tasks=1, rebalance_seconds=0)
    assert [r.desired for r in result.minutes] == [1, 1, 2, 3, 4, 5, 6, 7]
    slower = run(DeployedPolicy(one_alarm_service(cooldown=180), start=1), flat(1000, minutes=8), throughput=1,
                 min_tasks=1, rebalance_seconds=0)
    assert [r.desired for r in slower.minutes] == [1, 1, 2, 2, 2, 3, 3, 3]


def test_a_missing_datapoint_pauses_a_scale_out_that_treats_missing_data_as_missing():
    # Every added task starts in 10 s and rebalances for 55 s: the next sample always falls in a rebalance.
    result = run(DeployedPolicy(one_alarm_service(cooldown=60), start=1), flat(1000, minutes=8), throughput=1,
                 min_tasks=1, startup_seconds=10, rebalance_seconds=55)
    datapoints = [r.datapoint for r in result.minutes]
    # Asked for at 120 s, the second task joins at 130 s: rebalancing until 185 s, so no sample at 180 s; the third
    # (asked at 180 s on minute 2's sample) joins at 190 s: no sample at 240 s either.
    assert [d is None for d in datapoints[:6]] == [False, False, False, True, True, False]
    # Minutes 4 and 5 see those gaps (a minute late) and do nothing; minute 6 sees minute 5 and acts again.
    assert [r.desired for r in result.minutes] == [1, 1, 2, 3, 3, 3, 4, 5]


def test_step_scaling_on_the_backlog_per_task_divides_by_the_running_tasks():
    # 4 tasks, threshold 100 messages per task, +100 %: the first sample above 400 messages doubles the tasks.
    service = one_alarm_service(threshold=100, metrics=BACKLOG, adjustment_type="PercentChangeInCapacity",
                                steps=(StepAdjustment(0, None, 100),), cooldown=240, max_capacity=12)
    result = run(DeployedPolicy(service, start=4), flat(45, minutes=6), throughput=10, min_tasks=4, rebalance_seconds=0)
    # 4 tasks drain 40 of the 45 messages/s: lag grows 300 a minute, 75 per task; 150 per task at minute 2.
    assert [r.lag for r in result.minutes[:4]] == pytest.approx([0, 300, 600, 900])
    assert [r.desired for r in result.minutes[:5]] == [4, 4, 4, 8, 8]


def test_delay_is_the_age_of_the_oldest_message_waiting():
    idle = run(StaticCapacity("none", 0), flat(5, minutes=4), min_tasks=0)
    assert [r.delay for r in idle.minutes] == pytest.approx([60, 120, 180, 240])
    keeping_up = run(StaticCapacity("one", 1), flat(10, minutes=4), min_tasks=1)
    assert max(r.delay for r in keeping_up.minutes) == 0


def test_a_crash_stops_every_task_until_ecs_has_started_replacements():
    profile = flat(10, minutes=6, crash_minutes=(2,), spike_end_minute=3)
    result = run(StaticCapacity("two", 2), profile, min_tasks=2, startup_seconds=40, rebalance_seconds=0)
    assert [r.tasks for r in result.minutes] == [2, 2, 2, 2, 2, 2]  # ECS keeps the count
    # Nothing consumed from 120 s to 160 s: 400 messages, drained at 10/s net from 160 s: 200 left at 180 s, none
    # at 240 s. The oldest message waits from 120 s to 160 s.
    assert [r.lag for r in result.minutes] == pytest.approx([0, 0, 0, 200, 0, 0])
    assert result.worst_delay == pytest.approx(40)
    assert result.drain_minutes == 1  # from the first sample after the crash


def test_the_oracle_runs_exactly_the_tasks_the_load_needs_capped_at_the_partitions():
    profile = LoadProfile("ramp", (5, 25, 95, 200))
    result = run(Oracle(), profile, partitions=12)
    assert [r.tasks for r in result.minutes] == [1, 3, 10, 12]
    # Ready at once, no rebalance: it keeps up wherever the partitions allow, and never pays a start-up.
    assert [r.lag for r in result.minutes[:4]] == [0, 0, 0, 0]
    assert result.task_minutes == pytest.approx(1 + 3 + 10 + 12)


def test_target_tracking_scales_out_after_three_minutes_above_the_target():
    tracking = DeployedTargetTracking(target_value=250, scale_out_cooldown_seconds=60, scale_in_cooldown_seconds=300,
                                      metrics=BACKLOG)
    service = DeployedService("Test", "Test/Consumers", "svc", "group", ("topic",), 2, 12, partitions=12,
                              max_delay_seconds=120, task_throughput=10.0, target_tracking=tracking)
    result = run(DeployedPolicy(service, start=2), flat(30, minutes=7), throughput=10, min_tasks=2, rebalance_seconds=0)
    # 2 tasks drain 20 of 30/s: +600 lag a minute, 300 per task; samples of minutes 1-3 are all seen by minute 4.
    desired = [r.desired for r in result.minutes]
    assert desired[:4] == [2, 2, 2, 2]
    assert desired[4] == math.ceil(2 * (1800 / 2) / 250)  # ceil(capacity x value / target), value from minute 3


def test_an_alarm_the_simulator_does_not_know_is_refused_not_guessed():
    cpu = ({"Id": "m0", "MetricStat": {"Metric": {"MetricName": "CPUUtilization"}}},)
    with pytest.raises(ConfigurationError) as raised:
        run(DeployedPolicy(one_alarm_service(metrics=cpu), start=1), flat(10, minutes=3))
    assert str(raised.value) == ("test-scale-out: Metrics: [\"CPUUtilization\"] is not an alarm the simulator knows; "
                                 "it replays alarms on SumOffsetLag, on the backlog per running task and the tasks "
                                 "needed as KafkaConsumerService writes them, and the wake-up on MessagesInPerSec")


# ---- scheduled actions (kafka_platform.domain.schedules) ---------------------------------------------------------

MONDAY_0700 = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)


def scheduled_run(policy, profile, scheduled, *, min_tasks=1):
    return simulate(policy, profile, ConsumerModel.lockstep(10.0), partitions=12, min_tasks=min_tasks, max_tasks=12,
                    delay_target=120, scheduled=scheduled)


def test_a_scheduled_minimum_raises_the_tasks_in_the_minute_it_fires_and_its_end_removes_none():
    prewarm = ScheduledCapacity("pre", "cron(3 7 L * ? *)", min_tasks=8)
    over = ScheduledCapacity("over", "cron(6 7 L * ? *)", min_tasks=1)
    result = scheduled_run(Script(start=2), flat(5.0, start=MONDAY_0700), [prewarm, over])
    assert [m.desired for m in result.minutes] == [2, 2, 2, 8, 8, 8, 8, 8, 8, 8]
    # Started at 07:03, ready 40 s later (the lockstep start-up): consuming from 07:04.
    assert [m.consumers for m in result.minutes][2:5] == [2, 8, 8]


def test_the_scaling_works_above_a_scheduled_minimum_and_down_to_it_once_lowered():
    prewarm = ScheduledCapacity("pre", "cron(1 7 L * ? *)", min_tasks=6)
    over = ScheduledCapacity("over", "cron(5 7 L * ? *)", min_tasks=1)
    # The script asks for 2 at minute 3 (refused below the minimum of 6) and at minute 7 (granted after it fell).
    result = scheduled_run(Script(start=2, at={3: 2, 4: 10, 7: 2}), flat(5.0, start=MONDAY_0700), [prewarm, over])
    assert [m.desired for m in result.minutes] == [2, 6, 6, 6, 10, 10, 10, 2, 2, 2]


def test_a_scheduled_maximum_lowers_a_larger_fleet():
    cap = ScheduledCapacity("cap", "at(2026-11-30T07:02:00)", max_tasks=3)
    result = scheduled_run(Script(start=8), flat(5.0, start=MONDAY_0700), [cap])
    assert [m.desired for m in result.minutes] == [8, 8, 3, 3, 3, 3, 3, 3, 3, 3]


def test_a_schedule_fires_on_the_profiles_clock_and_only_there():
    prewarm = ScheduledCapacity("pre", "cron(3 7 L * ? *)", min_tasks=8)
    ordinary_day = MONDAY_0700.replace(day=17)
    for profile in (flat(5.0, start=ordinary_day), flat(5.0)):  # not the last day; no clock at all
        assert {m.desired for m in scheduled_run(Script(start=2), profile, [prewarm]).minutes} == {2}
    in_london = ScheduledCapacity("pre", "cron(3 7 L * ? *)", min_tasks=8, timezone="Europe/London")
    summer = datetime(2026, 6, 30, 6, 0, tzinfo=timezone.utc)  # 07:00 in London
    assert [m.desired for m in scheduled_run(Script(start=2), flat(5.0, start=summer), [in_london]).minutes][2:5] == [
        2, 8, 8]
