"""The world a scaling policy acts on: Kafka, ECS and CloudWatch, stepped every few seconds (aws-facts.md 1-4).

* Kafka: messages arrive at the profile's rate; ready consumers drain ``min(consumers, partitions) x throughput``;
  consumers beyond the partitions do nothing.
* ECS: a new task is ready after ``startup_seconds``; stopping is immediate; a crash kills every task and ECS starts
  replacements (desired count unchanged).
* Rebalance: every change in the group's membership pauses consumption for ``rebalance_seconds``.
* CloudWatch: at each minute boundary MSK samples the lag; nothing is published when a rebalance is in progress at
  that instant. A datapoint becomes visible to alarms ``publish_delay_seconds`` later. Policies decide once a minute
  (KEDA-style ones every ``tick_seconds`` on the true lag).
* Delay: the age of the oldest unconsumed message, exact, from cumulative arrivals and consumption.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Protocol, Sequence, TypeVar

from kafka_platform.simulation.autoscaling import ScalableTarget
from kafka_platform.simulation.profiles import LoadProfile

STEP_SECONDS = 5


@dataclass(frozen=True)
class ConsumerModel:
    """How the service's tasks behave. Defaults from aws-facts.md section 4."""

    task_throughput: float  # messages per second one task processes
    startup_seconds: float = 40.0
    rebalance_seconds: float = 15.0
    publish_delay_seconds: float = 60.0


T = TypeVar("T")


class Policy(Protocol):
    name: str
    ideal: bool  # tasks start at once and never pause (the oracle)
    tick_seconds: int  # how often ``every_tick`` runs

    def initial_tasks(self, world: "World") -> int: ...

    def every_minute(self, world: "World") -> None: ...

    def every_tick(self, world: "World") -> None: ...


@dataclass
class MinuteRecord:
    minute: int
    rate: float
    lag: float
    delay: float
    tasks: int  # started, running or still starting (billed)
    consumers: int  # tasks reading a partition (at most one per partition), most in the minute
    desired: int
    datapoint: float | None  # the lag sample MSK published for this minute (None: a rebalance)
    running: int = 0  # tasks running at the minute boundary (Container Insights' RunningTaskCount)


@dataclass
class World:
    """What policies may read (and the target they act on)."""

    profile: LoadProfile
    model: ConsumerModel
    partitions: int
    target: ScalableTarget
    now: float = 0.0
    lag: float = 0.0
    lag_datapoints: list[float | None] = field(default_factory=list)  # SumOffsetLag, None during a rebalance
    tasks_per_minute: list[int] = field(default_factory=list)  # Container Insights' RunningTaskCount
    backlog_datapoints: list[float | None] = field(default_factory=list)  # lag / running tasks (lag at zero tasks)
    wake_datapoints: list[float] = field(default_factory=list)  # 1 when messages arrived in a minute with no task
    task_ready_times: list[float] = field(default_factory=list)

    @property
    def minute(self) -> int:
        return int(self.now // 60)

    def visible(self, series: Sequence[T]) -> list[T]:
        """The datapoints an alarm can see now: those published at least publish_delay ago."""
        cutoff = math.floor((self.now - self.model.publish_delay_seconds) / 60 + 1e-9)
        return series[: max(0, cutoff + 1)]

    def rate(self, minute: int | None = None) -> float:
        minute = self.minute if minute is None else minute
        return self.profile.rates[min(minute, self.profile.minutes - 1)]

    @property
    def started_tasks(self) -> int:
        """Tasks ECS has started, running or still starting: what Fargate bills."""
        return len(self.task_ready_times)

    @property
    def ready_tasks(self) -> int:
        """Tasks started and running now, not those still starting: what consumes, and what Container Insights'
        RunningTaskCount counts."""
        return sum(1 for ready_at in self.task_ready_times if ready_at <= self.now)

    def tasks_needed(self, minute: int | None = None) -> int:
        """Tasks that carry the minute's rate (this minute's by default): ``ceil(rate / per-task throughput)``."""
        return math.ceil(self.rate(minute) / self.model.task_throughput)


@dataclass
class RunResult:
    policy: str
    minutes: list[MinuteRecord]
    task_minutes: float
    actions: int
    delay_target: float
    drained_lag: float
    spike_end_minute: int | None

    @property
    def max_lag(self) -> float:
        return max(r.lag for r in self.minutes)

    @property
    def worst_delay(self) -> float:
        return max(r.delay for r in self.minutes)

    @property
    def minutes_above_target(self) -> int:
        return sum(1 for r in self.minutes if r.delay > self.delay_target)

    @property
    def drain_minutes(self) -> int | None:
        """Minutes from the end of the surge (or the crash) until the backlog is gone, for profiles that have one."""
        if self.spike_end_minute is None:
            return None
        for record in self.minutes[self.spike_end_minute:]:
            if record.lag <= self.drained_lag:
                return record.minute - self.spike_end_minute
        return None

    def figures(self) -> dict[str, float | int | None]:
        return {"task_minutes": round(self.task_minutes, 1), "max_lag": round(self.max_lag),
                "worst_delay_seconds": round(self.worst_delay, 1), "minutes_above_target": self.minutes_above_target,
                "scaling_actions": self.actions, "drain_minutes": self.drain_minutes}


def simulate(policy: Policy, profile: LoadProfile, model: ConsumerModel, *, partitions: int, min_tasks: int,
             max_tasks: int, delay_target: float) -> RunResult:
    start = policy_start(policy, profile, model, partitions, min_tasks, max_tasks)
    world = World(profile, model, partitions, ScalableTarget(min_tasks, max_tasks, start))
    ideal = policy.ideal
    world.task_ready_times = [0.0] * start
    records: list[MinuteRecord] = []
    arrival_times, arrival_totals = [0.0], [0.0]  # cumulative messages arrived by each step
    consumed = 0.0
    rebalance_until = 0.0
    members = start
    task_seconds = 0.0
    produced = 0.0
    max_delay_this_minute = 0.0
    tick = 0
    crash_minutes = set(profile.crash_minutes)
    end = profile.minutes * 60
    while world.now < end:
        now = world.now
        if now % 60 == 0:
            minute = world.minute
            if minute > 0:
                records[-1].delay = max(records[-1].delay, max_delay_this_minute)
                max_delay_this_minute = 0.0
            _publish(world, lag=None if now < rebalance_until else world.lag, produced=produced)
            produced = 0.0
            if minute in crash_minutes:
                world.task_ready_times = [now + model.startup_seconds] * world.started_tasks
            policy.every_minute(world)
            _reconcile(world, ideal)
            records.append(MinuteRecord(minute, world.rate(), world.lag,
                                        _delay(arrival_times, arrival_totals, consumed, now, world.lag),
                                        world.started_tasks, 0, world.target.desired, world.lag_datapoints[-1],
                                        world.tasks_per_minute[-1]))
        if now >= tick * policy.tick_seconds:
            policy.every_tick(world)
            _reconcile(world, ideal)
            tick += 1
        ready = world.ready_tasks
        if ready != members:
            members = ready
            if not ideal:
                rebalance_until = now + model.rebalance_seconds
        consumers = min(ready, world.partitions)
        records[-1].consumers = max(records[-1].consumers, consumers)
        arriving = world.rate() * STEP_SECONDS
        produced += arriving
        capacity = 0.0 if now < rebalance_until else consumers * model.task_throughput * STEP_SECONDS
        drained = min(world.lag + arriving, capacity)
        world.lag += arriving - drained
        consumed += drained
        task_seconds += world.started_tasks * STEP_SECONDS
        world.now = now + STEP_SECONDS
        arrival_times.append(world.now)
        arrival_totals.append(arrival_totals[-1] + arriving)
        max_delay_this_minute = max(max_delay_this_minute,
                                    _delay(arrival_times, arrival_totals, consumed, world.now, world.lag))
    records[-1].delay = max(records[-1].delay, max_delay_this_minute)
    return RunResult(policy.name, records, task_seconds / 60, world.target.actions, delay_target,
                     drained_lag=model.task_throughput, spike_end_minute=profile.spike_end_minute)


def _publish(world: World, *, lag: float | None, produced: float) -> None:
    """The minute's datapoints. MSK samples the lag at the minute boundary, except during a rebalance; Container
    Insights counts the tasks started and running (not those still starting); the alarms' metric math divides."""
    tasks = world.ready_tasks
    world.lag_datapoints.append(lag)
    world.tasks_per_minute.append(tasks)
    world.backlog_datapoints.append(None if lag is None else (lag / tasks if tasks > 0 else lag))
    world.wake_datapoints.append(1.0 if tasks == 0 and produced > 0 else 0.0)


def policy_start(policy: Policy, profile: LoadProfile, model: ConsumerModel, partitions: int, min_tasks: int,
                 max_tasks: int) -> int:
    world = World(profile, model, partitions, ScalableTarget(min_tasks, max_tasks, min_tasks))
    return max(min_tasks, min(max_tasks, policy.initial_tasks(world)))


def _reconcile(world: World, ideal: bool) -> None:
    """ECS moves the running tasks towards the desired count: new tasks start, surplus tasks stop at once."""
    desired = world.target.desired
    tasks = world.task_ready_times
    if desired > len(tasks):
        ready_at = world.now if ideal else world.now + world.model.startup_seconds
        tasks.extend([ready_at] * (desired - len(tasks)))
    elif desired < len(tasks):
        tasks.sort()  # the newest (still starting) tasks go first
        del tasks[desired:]


def _delay(times: list[float], totals: list[float], consumed: float, now: float, lag: float) -> float:
    """The age of the oldest message not yet consumed: when did cumulative arrivals pass ``consumed``?"""
    if lag <= 1e-9:
        return 0.0
    index = bisect.bisect_right(totals, consumed)
    if index >= len(totals):
        return 0.0
    t0, a0, t1, a1 = times[index - 1], totals[index - 1], times[index], totals[index]
    arrived_at = t0 + (t1 - t0) * ((consumed - a0) / (a1 - a0) if a1 > a0 else 0.0)
    return max(0.0, now - arrived_at)
