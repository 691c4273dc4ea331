"""Scaling policies the simulator replays: the platform's, exactly as deployed, and the baselines it must beat.

* ``DeployedPolicy``: the alarms and step policies (or target tracking) read from the templates. Each minute every
  alarm is evaluated on the datapoints CloudWatch would have by then; an alarm in ALARM invokes its policy.
* ``StaticCapacity``: a fixed number of tasks (at peak, or at mean load).
* ``SingleThreshold``: the lender's first attempt: +1 task when lag crosses one threshold, -1 below it, one
  datapoint each, and no cooldown written (so the API's 300 s applies).
* ``KedaProportional``: KEDA's Kafka scaler: every 30 s ``ceil(lag / lag_threshold)`` tasks from the true lag,
  capped at the partitions, scale-down stabilised over 5 minutes.
* ``Oracle``: perfect foresight: each minute ``ceil(rate / throughput)`` tasks, ready at once, no rebalance.

Target tracking (as AWS documents it, its details inferred): scale out when 3 consecutive one-minute values exceed
the target, to ``ceil(capacity x value / target)``; scale in when 15 consecutive values are below 90% of it, at
most 10% (at least one task) at a time; never while a value is missing.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from kafka_platform.deployed_scaling import DeployedAlarm, DeployedService, DeployedStepPolicy
from kafka_platform.domain import msk_metrics
from kafka_platform.domain.lag_scaling import backlog_per_task_expression
from kafka_platform.errors import ConfigurationError, Problem, show
from kafka_platform.simulation import cloudwatch
from kafka_platform.simulation.autoscaling import select_step
from kafka_platform.simulation.engine import World


def _series(world: World, kind: str) -> list[float | None]:
    return {"lag": world.lag_datapoints, "backlog": world.backlog_datapoints, "wake": world.wake_datapoints}[kind]


def _kind(alarm: DeployedAlarm) -> str:
    """Which series an alarm watches, from its metrics and expression: the lag, the platform's backlog per task
    (``backlog_per_task_expression``), or the wake-up signal."""
    ids = {m.get("MetricStat", {}).get("Metric", {}).get("MetricName"): m.get("Id") for m in alarm.metrics}
    expressions = [m["Expression"] for m in alarm.metrics if "Expression" in m]
    if "MessagesInPerSec" in ids:
        return "wake"
    lag_ids = [m["Id"] for m in alarm.metrics
               if m.get("MetricStat", {}).get("Metric", {}).get("MetricName") == msk_metrics.SUM_OFFSET_LAG]
    if lag_ids and "RunningTaskCount" in ids and expressions == [
            backlog_per_task_expression(lag_ids, ids["RunningTaskCount"])]:
        return "backlog"
    if lag_ids and (expressions == [f"SUM([{', '.join(lag_ids)}])"] or (not expressions and len(lag_ids) == 1)):
        return "lag"
    raise ConfigurationError([Problem(alarm.name, "Metrics", f"{show(expressions or sorted(filter(None, ids)))} is "
                                      "not an alarm the simulator knows; it replays alarms on SumOffsetLag, on the "
                                      "backlog per running task as KafkaConsumerService writes it, and the wake-up "
                                      "on MessagesInPerSec")])


def _window(series: list[float | None], size: int) -> list[float | None]:
    window = series[-size:]
    return [None] * (size - len(window)) + window


@dataclass
class DeployedPolicy:
    """The deployed alarms and policies; it starts with the tasks the first minute's load needs (or ``start``)."""

    service: DeployedService
    name: str = "platform"
    ideal: bool = False
    tick_seconds: int = 60
    start: int | None = None
    states: dict[str, str] = field(default_factory=dict)
    alarms: list[tuple[DeployedStepPolicy, DeployedAlarm, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Which series each alarm watches is fixed by the template: decided once (an unknown alarm is refused here).
        self.alarms = [(policy, alarm, _kind(alarm))
                       for policy in self.service.step_policies for alarm in policy.alarms]

    def initial_tasks(self, world: World) -> int:
        if self.start is not None:
            return self.start
        return world.tasks_needed(0)

    def every_tick(self, world: World) -> None:
        pass

    def every_minute(self, world: World) -> None:
        for policy, alarm, kind in self.alarms:
            self._alarm(world, policy, alarm, kind)
        if self.service.target_tracking is not None:
            self._track(world)

    def _alarm(self, world: World, policy: DeployedStepPolicy, alarm: DeployedAlarm, kind: str) -> None:
        points = _window(world.visible(_series(world, kind)), alarm.evaluation_periods)
        state = cloudwatch.evaluate(points, comparison=alarm.comparison, threshold=alarm.threshold,
                                    datapoints_to_alarm=alarm.datapoints_to_alarm,
                                    treat_missing_data=alarm.treat_missing_data,
                                    current_state=self.states.get(alarm.name, cloudwatch.INSUFFICIENT_DATA))
        self.states[alarm.name] = state
        present = [p for p in points if p is not None]
        if state != cloudwatch.ALARM or not present:
            return
        value = cloudwatch.aggregate(present, policy.metric_aggregation)
        step = select_step(policy.steps, value - alarm.threshold)
        if step is not None:
            world.target.apply(world.now, adjustment_type=policy.adjustment_type, adjustment=step.adjustment,
                               cooldown=policy.cooldown_seconds, min_adjustment_magnitude=policy.min_adjustment_magnitude)

    def _track(self, world: World) -> None:
        tracking = self.service.target_tracking
        target = tracking.target_value
        current = world.target.desired
        high = _window(world.visible(_series(world, "backlog")), 3)
        if all(p is not None and p > target for p in high):
            wanted = math.ceil(current * high[-1] / target) if current else 1
            world.target.apply(world.now, adjustment_type="ExactCapacity", adjustment=max(wanted, current + 1),
                               cooldown=tracking.scale_out_cooldown_seconds)
            return
        low = _window(world.visible(_series(world, "backlog")), 15)
        if all(p is not None and p < 0.9 * target for p in low) and current > 0:
            wanted = max(math.ceil(current * low[-1] / target), current - max(1, current // 10))
            world.target.apply(world.now, adjustment_type="ExactCapacity", adjustment=wanted,
                               cooldown=tracking.scale_in_cooldown_seconds)


@dataclass
class StaticCapacity:
    name: str
    tasks: int
    ideal: bool = False
    tick_seconds: int = 60

    def initial_tasks(self, world: World) -> int:
        return self.tasks

    def every_minute(self, world: World) -> None:
        world.target.set_desired(self.tasks)

    def every_tick(self, world: World) -> None:
        pass


@dataclass
class SingleThreshold:
    threshold: float
    name: str = "single-threshold"
    ideal: bool = False
    tick_seconds: int = 60
    states: dict[str, str] = field(default_factory=dict)

    def initial_tasks(self, world: World) -> int:
        return world.tasks_needed(0)

    def every_tick(self, world: World) -> None:
        pass

    def every_minute(self, world: World) -> None:
        points = _window(world.visible(world.lag_datapoints), 1)
        for comparison, adjustment in (("GreaterThanOrEqualToThreshold", 1), ("LessThanThreshold", -1)):
            state = cloudwatch.evaluate(points, comparison=comparison, threshold=self.threshold,
                                        datapoints_to_alarm=1, treat_missing_data="missing",
                                        current_state=self.states.get(comparison, cloudwatch.INSUFFICIENT_DATA))
            self.states[comparison] = state
            if state == cloudwatch.ALARM:
                world.target.apply(world.now, adjustment_type="ChangeInCapacity", adjustment=adjustment,
                                   cooldown=None)


@dataclass
class KedaProportional:
    lag_threshold: float
    name: str = "keda"
    ideal: bool = False
    tick_seconds: int = 30
    stabilisation_seconds: int = 300
    history: deque[tuple[float, int]] = field(default_factory=deque)

    def initial_tasks(self, world: World) -> int:
        return world.tasks_needed(0)

    def every_minute(self, world: World) -> None:
        pass

    def every_tick(self, world: World) -> None:
        raw = min(world.partitions, math.ceil(world.lag / self.lag_threshold)) if world.lag > 0 else 0
        self.history.append((world.now, raw))
        while self.history and world.now - self.history[0][0] > self.stabilisation_seconds:
            self.history.popleft()
        stabilised = max(value for _, value in self.history)
        wanted = raw if raw >= world.target.desired else stabilised
        world.target.set_desired(wanted)


@dataclass
class Oracle:
    name: str = "oracle"
    ideal: bool = True
    tick_seconds: int = 60

    def initial_tasks(self, world: World) -> int:
        return world.tasks_needed(0)

    def every_minute(self, world: World) -> None:
        world.target.set_desired(min(world.partitions, world.tasks_needed()))

    def every_tick(self, world: World) -> None:
        pass
