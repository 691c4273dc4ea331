"""The faithful model, piece by piece (engine.py's docstring gives each source): consumption per partition, drawn
timings, phases that do not line up, the evaluation range, metric math's missing values, and the baselines at their
strongest (KEDA under the HPA, the tuned single threshold, the partition-aware oracle, the reactive bound)."""

import statistics
from dataclasses import replace

import pytest

from kafka_platform.deployed_scaling import DeployedAlarm, DeployedService, DeployedStepPolicy, StepAdjustment
from kafka_platform.domain.lag_scaling import backlog_per_task_expression
from kafka_platform.simulation import cloudwatch
from kafka_platform.simulation.autoscaling import ScalableTarget
from kafka_platform.simulation.compare import SINGLE_THRESHOLD_GRID, fluid_task_minutes, percentile
from kafka_platform.simulation.engine import REBALANCE_FULL_GROUP, ConsumerModel, Datapoint, Draws, World, simulate, \
    tasks_carrying
from kafka_platform.simulation.policies import DeployedPolicy, KedaHpa, Oracle, ReactiveBound, StaticCapacity
from kafka_platform.simulation.profiles import SHIPPED, LoadProfile, month_end, noisy_month_end


def flat(rate, minutes=10, **extra):
    return LoadProfile("flat", tuple([rate] * minutes), **extra)


def run(policy, profile, model, *, partitions=24, min_tasks=0, max_tasks=24):
    return simulate(policy, profile, model, partitions=partitions, min_tasks=min_tasks, max_tasks=max_tasks,
                    delay_target=120)


# ---- consumption per partition ---------------------------------------------------------------------------------

@pytest.mark.parametrize("consumers,expected", [(1, 10), (8, 80), (12, 120), (13, 120), (20, 120), (23, 120),
                                                (24, 240), (30, 240), (0, 0)])
def test_the_busiest_consumer_sets_the_groups_pace(consumers, expected):
    """24 partitions at 10 messages/s a task: 20 tasks hold 2 partitions on their busiest members, so they carry
    what 12 do.

    Sources: https://kafka.apache.org/documentation/#consumerconfigs_partition.assignment.strategy.
    """
    assert ConsumerModel(10.0).capacity(consumers, 24) == expected
    assert ConsumerModel(10.0, per_partition=False).capacity(consumers, 24) == 10 * min(consumers, 24)


def test_twenty_tasks_on_twenty_four_partitions_drain_what_twelve_do():
    model = ConsumerModel.lockstep(10.0, rebalance_seconds=0, per_partition=True)
    twenty = run(StaticCapacity("twenty", 20), flat(150, minutes=3), model)
    twelve = run(StaticCapacity("twelve", 12), flat(150, minutes=3), model)
    # 150 arrive, 120 drain: 30 a second pile up either way.
    assert [r.lag for r in twenty.minutes] == [r.lag for r in twelve.minutes] == pytest.approx([0, 1800, 3600])


def test_the_oracle_runs_the_fewest_tasks_whose_spread_carries_the_load():
    """The issue's example: 18 R on 24 partitions needs all 24 tasks (12 carry only 12 R)."""
    model = ConsumerModel(1.0)
    assert tasks_carrying(18, model, 24) == 24
    assert tasks_carrying(12, model, 24) == 12 and tasks_carrying(12.5, model, 24) == 24
    assert tasks_carrying(7.2, model, 24) == 8 and tasks_carrying(0, model, 24) == 0
    result = run(Oracle(), LoadProfile("steps", (7.2, 12.5, 18.0)), model)
    assert [r.tasks for r in result.minutes] == [8, 24, 24]
    assert fluid_task_minutes(LoadProfile("steps", (7.2, 12.5, 18.0)), 1.0) == pytest.approx(37.7)


# ---- drawn timings ----------------------------------------------------------------------------------------------

def test_each_figure_is_drawn_within_its_range_and_the_same_seed_draws_the_same():
    model = ConsumerModel(10.0, seed=7)
    first, again, other = Draws(model, 60), Draws(model, 60), Draws(model.with_seed(8), 60)
    assert first.delays == again.delays and first.delays != other.delays
    assert (first.sample_phase, first.decision_phase) == (again.sample_phase, again.decision_phase)
    assert all(60 <= lag <= 150 and 60 <= tasks <= 150 for lag, tasks in first.delays)
    startups = [first.startup() for _ in range(200)]
    assert 30 <= min(startups) < 40 and 110 < max(startups) <= 120
    assert first.sample_phase % 5 == 0 and 0 <= first.sample_phase < 60


def test_a_rebalance_grows_with_the_group():
    draws = Draws(ConsumerModel(10.0), 10)
    small = [draws.rebalance(2) for _ in range(300)]
    full = [draws.rebalance(REBALANCE_FULL_GROUP) for _ in range(300)]
    assert max(small) <= 5 + 40 * 2 / REBALANCE_FULL_GROUP and min(small) >= 5
    assert max(full) > 40 and statistics.mean(full) > 3 * statistics.mean(small)


def test_phases_are_drawn_per_run_and_a_fixed_figure_stays_fixed():
    phases = {(d.sample_phase, d.decision_phase) for d in (Draws(ConsumerModel(1.0, seed=s), 5) for s in range(30))}
    assert len(phases) > 10
    fixed = Draws(ConsumerModel(1.0, startup_seconds=40.0, sample_phase_seconds=0, decision_phase_seconds=15), 5)
    assert (fixed.startup(), fixed.sample_phase, fixed.decision_phase) == (40.0, 0, 15)


def test_datapoints_arrive_each_after_its_own_delay_so_the_newest_can_be_missing():
    model = ConsumerModel(10.0, publish_delay_seconds=(60.0, 150.0), seed=3)
    result = run(StaticCapacity("one", 1), flat(5, minutes=30), model)
    assert all(r.datapoint == 0 for r in result.minutes)  # published every minute: one task keeps up
    world = World(flat(5, minutes=30), model, 24, ScalableTarget(1, 1, 1))
    world.lag_datapoints = [Datapoint(float(m), m * 60 + delay) for m, (delay, _) in
                            enumerate(world.draws.delays[:30])]
    world.now = 20 * 60
    seen = world.evaluation_range("lag", 1)
    assert len(seen) == 1 + cloudwatch.EVALUATION_RANGE_EXTRA
    assert seen[-1] is None or seen[-1] == 19.0  # minute 19, sampled at 19:00, needs 60-150 s
    assert any(v is not None for v in seen)  # but an older one is there: the range reaches it


# ---- CloudWatch: evaluation range, metric math ------------------------------------------------------------------

def test_with_the_newest_points_missing_an_alarm_judges_the_newest_real_ones():
    assert cloudwatch.window([10, 20, None], 1) == [20]
    assert cloudwatch.window([10, None, 20, None, 30], 2) == [20, 30]
    # Fewer real points than periods: all of them, the rest filled by the missing-data treatment.
    assert cloudwatch.window([None, 20, None], 3) == [20, None, None]
    assert cloudwatch.window([None, None], 1) == [None]


def _world(lag, tasks, *, zero=True):
    model = ConsumerModel(10.0, math_missing_as_zero=zero)
    world = World(flat(1, minutes=5), model, 24, ScalableTarget(1, 4, 2))
    world.lag_datapoints = [Datapoint(v, 0) for v in lag]
    world.task_datapoints = [Datapoint(v, 0) for v in tasks]
    world.now = 150  # minute 2: minutes 0 and 1 are complete
    return world


def test_metric_math_reads_a_rebalances_missing_lag_as_zero_unless_it_repeats_the_last():
    """CloudWatch: "Missing values in a time series are treated as 0" (https://docs.aws.amazon.com/AmazonCloudWatch/
    latest/monitoring/using-metric-math.html). The backlog per task of a group that is
    rebalancing reads 0 (and counts towards scale-in); FILL(lag, REPEAT), the expression the platform writes,
    carries the last real lag over the gap."""
    world = _world([800.0, None], [4.0, 4.0])
    assert [world.value("backlog", m) for m in (0, 1)] == [200.0, 0.0]
    assert [world.value("backlog-repeat", m) for m in (0, 1)] == [200.0, 200.0]
    assert _world([800.0, None], [4.0, 4.0], zero=False).value("backlog", 1) is None
    assert _world([None], [None]).value("backlog", 0) is None  # no input at all: no datapoint
    assert backlog_per_task_expression(["lag0"], "tasks") == (
        "IF(FILL(tasks, 0) > 0, FILL(lag0, REPEAT) / FILL(tasks, 1), FILL(lag0, REPEAT))")


def test_the_old_expressions_zero_makes_a_scale_in_alarm_breach_during_a_rebalance():
    old = ({"Id": "e", "Expression": backlog_per_task_expression(["lag0"], "tasks", repeat_lag=False)},
           {"Id": "lag0", "MetricStat": {"Metric": {"MetricName": "SumOffsetLag"}}},
           {"Id": "tasks", "MetricStat": {"Metric": {"MetricName": "RunningTaskCount"}}})
    new = ({**old[0], "Expression": backlog_per_task_expression(["lag0"], "tasks")}, *old[1:])
    for metrics, expected in ((old, 2), (new, 4)):
        alarm = DeployedAlarm("scale-in", 10, "LessThanOrEqualToThreshold", 1, 1, "notBreaching", 60, metrics)
        policy = DeployedStepPolicy("ChangeInCapacity", 300, "Maximum", (StepAdjustment(None, 0, -2),), None,
                                    (alarm,))
        service = DeployedService("T", "T/C", "svc", "g", ("t",), 1, 8, partitions=24, max_delay_seconds=120,
                                  task_throughput=10.0, step_policies=[policy])
        world = _world([800.0, None], [4.0, 4.0])
        world.target = ScalableTarget(1, 8, 4)
        DeployedPolicy(service).every_minute(world)
        assert world.target.desired == expected


# ---- baselines at their strongest -------------------------------------------------------------------------------

def _keda_world(lag, desired, partitions=24):
    world = World(flat(1), ConsumerModel(10.0), partitions, ScalableTarget(1, partitions, desired))
    world.lag = lag
    return world


def test_keda_under_the_hpa_keeps_the_count_within_the_tolerance():
    keda, world = KedaHpa(100), _keda_world(lag=1050, desired=10)
    keda.every_tick(world)
    assert world.target.desired == 10  # 1050 / 10 / 100 = 1.05: within 10 %


def test_keda_under_the_hpa_scales_up_at_most_max_4_pods_or_100_percent_a_sync():
    keda, world = KedaHpa(100), _keda_world(lag=100_000, desired=2)
    keda.every_tick(world)
    assert world.target.desired == 6  # max(2 + 4, 2 x 2)
    world.now += 15
    keda.every_tick(world)
    assert world.target.desired == 12
    world.now += 15
    keda.every_tick(world)
    assert world.target.desired == 24  # capped at the partitions (KEDA caps the metric at threshold x partitions)


def test_keda_under_the_hpa_scales_down_to_the_highest_recommendation_of_five_minutes():
    keda, world = KedaHpa(100), _keda_world(lag=1200, desired=12)
    keda.every_tick(world)
    world.lag = 200
    for _ in range(19):  # 285 s later the 12 is still within the window
        world.now += 15
        keda.every_tick(world)
    assert world.target.desired == 12
    world.now += 30
    keda.every_tick(world)
    assert world.target.desired == 2


def test_the_single_threshold_is_tuned_per_profile_from_a_grid_of_thresholds_and_cooldowns():
    adds = {add for add, _, _ in SINGLE_THRESHOLD_GRID}
    assert len(adds) >= 3 and all(remove < add for add, remove, _ in SINGLE_THRESHOLD_GRID)
    assert {cooldowns for _, _, cooldowns in SINGLE_THRESHOLD_GRID} >= {(60, 120), (120, 300)}


def test_the_reactive_bound_knows_the_load_but_waits_for_its_tasks():
    model = ConsumerModel(10.0, startup_seconds=60.0, rebalance_seconds=0.0, seed=1)
    profile = LoadProfile("jump", (10.0,) * 3 + (200.0,) * 5)
    bound, oracle = run(ReactiveBound(), profile, model), run(Oracle(), profile, model)
    assert max(r.lag for r in oracle.minutes) == 0
    assert max(r.lag for r in bound.minutes) > 0 and bound.minutes[-1].lag < bound.minutes[4].lag


def test_percentiles_are_nearest_rank():
    assert percentile(list(range(1, 21)), 0.9) == 18
    assert percentile([5.0], 0.9) == 5.0


# ---- profiles ---------------------------------------------------------------------------------------------------

def test_the_noisy_month_end_has_bursts_a_dip_and_a_second_peak_and_is_the_same_every_time():
    noisy, calm = noisy_month_end(1000), month_end(1000)
    assert noisy == noisy_month_end(1000) and "noisy-month-end" in SHIPPED
    assert max(noisy.rates[150:153]) > 0.85 * 1000 > max(calm.rates[150:153])  # a burst
    assert max(noisy.rates[205:215]) < 0.4 * 1000  # the dip
    assert max(noisy.rates[330:370]) > 0.5 * 1000 > max(calm.rates[330:370])  # the second peak
    assert noisy.rates[100] != calm.rates[100]  # noise on the quiet part too


def test_lockstep_is_the_previous_model():
    model = ConsumerModel.lockstep(10.0)
    assert (model.startup_seconds, model.rebalance_seconds, model.publish_delay_seconds) == (40.0, 15.0, 60.0)
    assert (model.sample_phase_seconds, model.decision_phase_seconds, model.per_partition,
            model.evaluation_range_extra, model.math_missing_as_zero) == (0, 0, False, None, False)
    assert replace(model, per_partition=True).capacity(20, 24) == 120


def test_static_capacity_at_the_peak_is_sized_by_the_partition_spread_so_it_keeps_up():
    from kafka_platform.simulation.service import SimulatedService

    deployed = DeployedService("T", "T/C", "svc", "g", ("t",), 1, 24, partitions=24, max_delay_seconds=120,
                               task_throughput=10.0)
    service = SimulatedService(deployed, 10.0)
    assert service.tasks_for(180) == 24 and service.tasks_for(120) == 12 and service.tasks_for(1) == 1
    result = run(StaticCapacity("peak", service.tasks_for(180)), flat(180, minutes=5), ConsumerModel(10.0, seed=2))
    assert result.minutes_above_target == 0
