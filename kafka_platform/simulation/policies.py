"""Scaling policies the simulator replays: the platform's, exactly as deployed, and the baselines at their strongest.

* ``DeployedPolicy``: the alarms and step policies (or target tracking) read from the templates. Each minute every
  alarm is evaluated on what CloudWatch would show it by then (``World.evaluation_range``, ``cloudwatch.window``);
  an alarm in ALARM invokes its policy.
* ``StaticCapacity``: a fixed number of tasks (at peak, or at mean load).
* ``SingleThreshold``: one absolute lag alarm per direction, +1 task at or above ``add_at``, -1 below
  ``remove_below``, each with its own explicit cooldown; ``compare.tune_single_threshold`` picks the best of a grid
  per profile, as the lender would tune it.
* ``KedaHpa``: KEDA's Kafka scaler under the Kubernetes HPA: every 15 s the
  true lag (capped at ``lag_threshold`` x partitions) gives ``ceil(lag / lag_threshold)`` replicas; no change within
  the 10 % tolerance; scale-up at most ``max(4 pods, 100 %)`` per 15 s; scale-down to the highest recommendation of
  the last 300 s.
* ``Oracle``: knows the load: each minute the fewest tasks whose even partition spread carries it
  (``World.tasks_needed``), ready at once, no rebalance. A lower bound for any policy on these partitions.
* ``ReactiveBound``: the oracle's decisions with real tasks: it knows the load of the minute the moment it starts
  (no metric, no delay), but its tasks take their start-up and every change rebalances. Where even this is above
  the delay target, no policy that reacts to the present can meet it: only one that knows the future.

Target tracking (as AWS documents it, its details inferred): scale out when 3 consecutive one-minute values exceed
the target, to ``ceil(capacity x value / target)``; scale in when 15 consecutive values are below 90% of it, at
most 10% (at least one task) at a time; never while a value is missing.

Sources: https://keda.sh/docs/latest/scalers/apache-kafka/;
  https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from kafka_platform.deployed_scaling import DeployedAlarm, DeployedService, DeployedStepPolicy
from kafka_platform.domain import msk_metrics
from kafka_platform.domain.lag_scaling import backlog_per_task_expression
from kafka_platform.domain.needed_tasks import (NeededTasksPolicy, even_expression, needed_expression,
                                                scale_in_expression, scale_out_expression)
from kafka_platform.errors import ConfigurationError, Problem, show
from kafka_platform.simulation import cloudwatch
from kafka_platform.simulation.autoscaling import select_step
from kafka_platform.simulation.engine import World


def _metric_ids(alarm: DeployedAlarm, metric_name: str) -> list[str]:
    """The ids of the alarm's metrics named ``metric_name``, in the template's order."""
    return [m["Id"] for m in alarm.metrics if m.get("MetricStat", {}).get("Metric", {}).get("MetricName") == metric_name]


def _kind(alarm: DeployedAlarm, needed: NeededTasksPolicy | None = None) -> str:
    """Which series an alarm watches, from its metrics and expression: the lag, the platform's backlog per task
    (``backlog_per_task_expression``), the tasks needed above or below the desired count (``needed_tasks``, with the
    service's ``needed`` settings), or the wake-up signal."""
    ids = {m.get("MetricStat", {}).get("Metric", {}).get("MetricName"): m.get("Id") for m in alarm.metrics}
    expressions = [m["Expression"] for m in alarm.metrics if "Expression" in m]
    lag_ids = _metric_ids(alarm, msk_metrics.SUM_OFFSET_LAG)
    if needed is not None and len(expressions) == 3 and "DesiredTaskCount" in ids:
        by_expression = {m["Expression"]: m["Id"] for m in alarm.metrics if "Expression" in m}
        need = by_expression.get(needed_expression(needed, _metric_ids(alarm, "MessagesInPerSec"), lag_ids))
        even = need and by_expression.get(even_expression(need, needed.partitions))
        if even:
            desired = ids["DesiredTaskCount"]
            if scale_out_expression(even, desired) in by_expression:
                return "needed-out"
            if scale_in_expression(even, desired, needed.partitions) in by_expression:
                return "needed-in"
    if "MessagesInPerSec" in ids:
        return "wake"
    if lag_ids and "RunningTaskCount" in ids and expressions == [
            backlog_per_task_expression(lag_ids, ids["RunningTaskCount"])]:
        return "backlog-repeat"
    if lag_ids and "RunningTaskCount" in ids and expressions == [
            backlog_per_task_expression(lag_ids, ids["RunningTaskCount"], repeat_lag=False)]:
        return "backlog"  # the expression before FILL(lag, REPEAT): a rebalance's missing lag counts as 0
    if lag_ids and (expressions == [f"SUM([{', '.join(lag_ids)}])"] or (not expressions and len(lag_ids) == 1)):
        return "lag"
    raise ConfigurationError([Problem(alarm.name, "Metrics", f"{show(expressions or sorted(filter(None, ids)))} is "
                                      "not an alarm the simulator knows; it replays alarms on SumOffsetLag, on the "
                                      "backlog per running task and the tasks needed as KafkaConsumerService writes "
                                      "them, and the wake-up on MessagesInPerSec")])


def _window(world: World, kind: str | Callable[[int], float | None], periods: int) -> list[float | None]:
    return cloudwatch.window(world.evaluation_range(kind, periods), periods)


def _needed(world: World, policy: NeededTasksPolicy, kind: str) -> Callable[[int], float | None]:
    """The needed-tasks alarms' metric math at a minute, as CloudWatch computes it from what is visible."""
    def at(minute: int) -> float | None:
        rate, lag = world.repeated("rate", minute), world.repeated("lag", minute)
        desired = world.repeated("desired", minute)
        if rate is None and lag is None and desired is None:
            return None
        even = policy.desired(rate or 0.0, lag or 0.0)  # FILL(.., REPEAT) with nothing to repeat: missing, so 0
        asked = desired or 0.0
        if kind == "needed-out":
            return float(even) if even > asked else 0.0
        return float(even) if even < asked else float(policy.partitions + 1)
    return at


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

    backlog_kind: str = field(init=False, repr=False, default="backlog-repeat")

    def __post_init__(self) -> None:
        # Which series each alarm watches is fixed by the template: decided once (an unknown alarm is refused here).
        self.alarms = [(policy, alarm, _kind(alarm, self.service.needed_tasks))
                       for policy in self.service.step_policies for alarm in policy.alarms]
        tracking = self.service.target_tracking
        if tracking is not None and tracking.metrics:
            self.backlog_kind = _kind(DeployedAlarm("target-tracking", 0, "", 1, 1, "missing", 60, tracking.metrics))

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
        needed = self.service.needed_tasks
        series = _needed(world, needed, kind) if needed is not None and kind.startswith("needed-") else kind
        points = _window(world, series, alarm.evaluation_periods)
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
        high = _window(world, self.backlog_kind, 3)
        if all(p is not None and p > target for p in high):
            wanted = math.ceil(current * high[-1] / target) if current else 1
            world.target.apply(world.now, adjustment_type="ExactCapacity", adjustment=max(wanted, current + 1),
                               cooldown=tracking.scale_out_cooldown_seconds)
            return
        low = _window(world, self.backlog_kind, 15)
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
    """+1 task while the lag is at or above ``add_at``, -1 while it is below ``remove_below`` (messages), one datapoint
    each; explicit cooldowns (None: the API's 300 s)."""

    add_at: float
    remove_below: float
    scale_out_cooldown_seconds: int | None = None
    scale_in_cooldown_seconds: int | None = None
    name: str = "single-threshold"
    ideal: bool = False
    tick_seconds: int = 60
    states: dict[str, str] = field(default_factory=dict)

    def initial_tasks(self, world: World) -> int:
        return world.tasks_needed(0)

    def every_tick(self, world: World) -> None:
        pass

    def every_minute(self, world: World) -> None:
        points = _window(world, "lag", 1)
        for comparison, threshold, adjustment, cooldown in (
                ("GreaterThanOrEqualToThreshold", self.add_at, 1, self.scale_out_cooldown_seconds),
                ("LessThanThreshold", self.remove_below, -1, self.scale_in_cooldown_seconds)):
            state = cloudwatch.evaluate(points, comparison=comparison, threshold=threshold,
                                        datapoints_to_alarm=1, treat_missing_data="missing",
                                        current_state=self.states.get(comparison, cloudwatch.INSUFFICIENT_DATA))
            self.states[comparison] = state
            if state == cloudwatch.ALARM:
                world.target.apply(world.now, adjustment_type="ChangeInCapacity", adjustment=adjustment,
                                   cooldown=cooldown)


@dataclass
class KedaHpa:
    """KEDA's Kafka scaler under the HPA's defaults (module docstring)."""

    lag_threshold: float
    name: str = "keda"
    ideal: bool = False
    tick_seconds: int = 15
    tolerance: float = 0.1
    stabilisation_seconds: int = 300
    history: deque[tuple[float, int]] = field(default_factory=deque)

    def initial_tasks(self, world: World) -> int:
        return world.tasks_needed(0)

    def every_minute(self, world: World) -> None:
        pass

    def every_tick(self, world: World) -> None:
        current = world.target.desired
        metric = min(world.lag, self.lag_threshold * world.partitions)
        wanted = math.ceil(metric / self.lag_threshold - 1e-9) if metric > 0 else 0
        if current > 0 and abs(metric / (current * self.lag_threshold) - 1) <= self.tolerance:
            wanted = current
        self.history.append((world.now, wanted))
        while self.history and world.now - self.history[0][0] > self.stabilisation_seconds:
            self.history.popleft()
        if wanted > current:
            wanted = min(wanted, max(current + 4, 2 * current))
        elif wanted < current:
            wanted = min(current, max(value for _, value in self.history))
        world.target.set_desired(wanted)


@dataclass
class Oracle:
    name: str = "oracle"
    ideal: bool = True
    tick_seconds: int = 60  # on each minute's boundary, when the load changes

    def initial_tasks(self, world: World) -> int:
        return world.tasks_needed(0)

    def every_minute(self, world: World) -> None:
        pass

    def every_tick(self, world: World) -> None:
        world.target.set_desired(world.tasks_needed())


@dataclass
class ReactiveBound(Oracle):
    """The oracle's decisions with real tasks (module docstring)."""

    name: str = "reactive-bound"
    ideal: bool = False
