"""The world a scaling policy acts on: Kafka, ECS and CloudWatch, stepped every 5 seconds.

Each modelling choice, with its source (the documentation of the service it models, listed at the end; *inferred*
where nobody documents it). ``make bench`` measures how far each one moves the result (``simulation/sensitivity.py``).

* **Consumption per partition** (Kafka's assignment strategies [3]): Kafka's assignors spread P partitions evenly over C consumers, so the
  busiest consumers hold ``ceil(P / C)`` partitions and set the group's pace: at full load the group drains
  ``R * P / ceil(P / C)`` messages per second (R: one task's throughput), not ``C * R``. Consumers beyond the
  partitions hold none. The load is assumed spread evenly over the partitions (*inferred*: keyed topics are skewed,
  which only widens the gap).
* **Task start-up** (30-45 s or more, the image pulled every time [4]): each new task is ready after a time drawn
  from ``startup_seconds`` (30-120 s by default); stopping is immediate. A crash kills every task and ECS starts
  replacements (desired count unchanged), each with its own start-up.
* **Rebalance** (10 s or more per membership change [3]; 5-45 s here): every change in the group's
  membership pauses consumption for a time drawn between the range's low end and a high end that grows with the
  group, reaching the range's top at ``REBALANCE_FULL_GROUP`` members (*inferred*: every member must rejoin and sync).
* **Publication** (once a minute, no documented delay [1]: 1-2 minutes *inferred*): MSK samples the lag once a
  minute at an instant that does not line up with the decisions (a phase drawn per run); nothing is sampled while the
  group rebalances [1]. Each datapoint, lag and Container Insights' ``RunningTaskCount`` alike, becomes
  visible after its own delay drawn from ``publish_delay_seconds`` (60-150 s), so they can arrive out of order.
* **Alarms** ([2]; ``cloudwatch.py``): evaluated once a minute at their own phase over an evaluation range
  wider than their periods; metric math treats a missing value as 0.
* **Delay**: the age of the oldest unconsumed message, exact, from cumulative arrivals and consumption (first in,
  first out across the topic: *inferred*, the per-partition order is not modelled).

``ConsumerModel.lockstep`` gives the previous model (fixed figures, samples and decisions on the minute, capacity
``min(C, P) * R``, no evaluation range, missing math values left missing): the sensitivity table's baseline.

[1] https://docs.aws.amazon.com/msk/latest/developerguide/consumer-lag.html
[2] https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html,
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
[3] https://kafka.apache.org/documentation/#consumerconfigs_partition.assignment.strategy (KIP-429 for the
    cooperative protocol)
[4] https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Protocol, Sequence, Union

from kafka_platform.domain import schedules
from kafka_platform.domain.schedules import ScheduledCapacity
from kafka_platform.simulation import cloudwatch
from kafka_platform.simulation.autoscaling import ScalableTarget
from kafka_platform.simulation.profiles import LoadProfile

STEP_SECONDS = 5
REBALANCE_FULL_GROUP = 48  # members at which a rebalance may take the top of its range (inferred)

Range = Union[float, tuple[float, float]]


def _bounds(value: Range) -> tuple[float, float]:
    return (float(value), float(value)) if isinstance(value, (int, float)) else (float(value[0]), float(value[1]))


@dataclass(frozen=True)
class ConsumerModel:
    """How the service's tasks and the metrics behave. A figure is a number, or a ``(low, high)`` range drawn from
    the run's seed; the defaults are the documented ranges (module docstring)."""

    task_throughput: float  # messages per second one task processes
    startup_seconds: Range = (30.0, 120.0)
    rebalance_seconds: Range = (5.0, 45.0)
    publish_delay_seconds: Range = (60.0, 150.0)
    sample_phase_seconds: int | None = None  # when in each minute MSK samples; None: drawn per run
    decision_phase_seconds: int | None = None  # when in each minute alarms are evaluated; None: drawn per run
    per_partition: bool = True  # capacity R * P / ceil(P / C); False: min(C, P) * R
    # Periods an alarm looks back beyond its own, from the newest complete minute; None: the previous model (the
    # newest minutes already published, as if the evaluation moved with the publication delay).
    evaluation_range_extra: int | None = cloudwatch.EVALUATION_RANGE_EXTRA
    math_missing_as_zero: bool = True  # CloudWatch metric math: a missing value in a time series is 0
    seed: int = 0

    @classmethod
    def lockstep(cls, task_throughput: float, *, startup_seconds: float = 40.0, rebalance_seconds: float = 15.0,
                 publish_delay_seconds: float = 60.0, **changes: Any) -> "ConsumerModel":
        """The previous, optimistic model: fixed figures, samples and decisions on the minute, ``min(C, P) * R``."""
        return replace(cls(task_throughput, startup_seconds, rebalance_seconds, publish_delay_seconds, 0, 0, False,
                           None, False), **changes)

    def with_seed(self, seed: int) -> "ConsumerModel":
        return replace(self, seed=seed)

    def capacity(self, consumers: int, partitions: int) -> float:
        """Messages per second ``consumers`` ready tasks drain from ``partitions`` with a backlog on every one."""
        consumers = min(consumers, partitions)
        if consumers <= 0:
            return 0.0
        if not self.per_partition:
            return consumers * self.task_throughput
        return self.task_throughput * partitions / math.ceil(partitions / consumers)


class Draws:
    """Every random figure of one run, each kind from its own stream of the seed, so that two policies run on one
    seed meet the same publication delays and phases."""

    def __init__(self, model: ConsumerModel, minutes: int) -> None:
        seeded = random.Random(model.seed)
        phases, delays, startups, rebalances = (random.Random(seeded.getrandbits(64)) for _ in range(4))
        self._startups: random.Random = startups
        self._rebalances: random.Random = rebalances
        #: Second of each minute at which MSK samples the lag, and at which the alarms are evaluated.
        self.sample_phase: int = (model.sample_phase_seconds if model.sample_phase_seconds is not None
                                  else phases.randrange(0, 60, STEP_SECONDS))
        self.decision_phase: int = (model.decision_phase_seconds if model.decision_phase_seconds is not None
                                    else phases.randrange(0, 60, STEP_SECONDS))
        low, high = _bounds(model.publish_delay_seconds)
        #: Per minute: the lag's publication delay, the task count's.
        self.delays: list[tuple[float, float]] = [(delays.uniform(low, high), delays.uniform(low, high))
                                                  for _ in range(minutes + 1)]
        self._startup: tuple[float, float] = _bounds(model.startup_seconds)
        self._rebalance: tuple[float, float] = _bounds(model.rebalance_seconds)

    def startup(self) -> float:
        return self._startups.uniform(*self._startup)

    def rebalance(self, members: int) -> float:
        low, high = self._rebalance
        top = low + (high - low) * min(1.0, max(members, 1) / REBALANCE_FULL_GROUP)
        return self._rebalances.uniform(low, top)


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
    running: int = 0  # tasks running at the sample (Container Insights' RunningTaskCount)


@dataclass
class Datapoint:
    value: float | None  # None: nothing published for this minute
    visible_at: float


@dataclass
class World:
    """What policies may read (and the target they act on)."""

    profile: LoadProfile
    model: ConsumerModel
    partitions: int
    target: ScalableTarget
    draws: Draws | None = None
    now: float = 0.0
    lag: float = 0.0
    lag_datapoints: list[Datapoint] = field(default_factory=list)  # SumOffsetLag per minute
    task_datapoints: list[Datapoint] = field(default_factory=list)  # RunningTaskCount per minute
    wake_datapoints: list[Datapoint] = field(default_factory=list)  # 1 when messages arrived in a minute with no task
    rate_datapoints: list[Datapoint] = field(default_factory=list)  # MessagesInPerSec summed over the brokers
    desired_datapoints: list[Datapoint] = field(default_factory=list)  # Container Insights' DesiredTaskCount
    task_ready_times: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.draws is None:
            self.draws = Draws(self.model, self.profile.minutes)

    @property
    def minute(self) -> int:
        return int(self.now // 60)

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
        """The fewest tasks whose even partition spread carries the minute's rate (all partitions if none does)."""
        return tasks_carrying(self.rate(minute), self.model, self.partitions)

    # ---- what CloudWatch shows an alarm ------------------------------------------------------------------------
    def evaluation_range(self, kind: str | Callable[[int], float | None], periods: int) -> list[float | None]:
        """The values of ``kind`` (a series name for ``value``, or a function of the minute) an alarm evaluated now
        sees, oldest first, over its evaluation range: the newest complete minutes, ``periods`` plus the range's
        extra, with None where nothing is visible yet."""
        read = kind if callable(kind) else (lambda minute: self.value(kind, minute))
        extra = self.model.evaluation_range_extra
        if extra is None:  # the previous model: the newest ``periods`` minutes published, however late
            newest = max((m for m, p in enumerate(self.lag_datapoints) if p.visible_at <= self.now), default=-1)
            extra = 0
        else:
            newest = self.minute - 1
        size = periods + extra
        return [read(minute) if minute >= 0 else None for minute in range(newest - size + 1, newest + 1)]

    def value(self, kind: str, minute: int) -> float | None:
        """One minute of a series as visible now: ``lag``, ``wake``, or metric math on them (``backlog``: lag per
        running task as ``backlog_per_task_expression`` writes it; ``backlog-repeat``: the same on ``FILL(lag,
        REPEAT)``)."""
        if kind == "lag":
            return self._visible(self.lag_datapoints, minute)
        if kind == "wake":
            return self._visible(self.wake_datapoints, minute)
        if kind == "rate":
            return self._visible(self.rate_datapoints, minute)
        lag = self._visible(self.lag_datapoints, minute)
        tasks = self._visible(self.task_datapoints, minute)
        if lag is None and tasks is None:
            return None  # no input has a value at this timestamp: the expression has none either
        if lag is None:
            if kind == "backlog-repeat":
                lag = self.repeated("lag", minute)
                if lag is None:
                    return None
            elif self.model.math_missing_as_zero:
                lag = 0.0  # "Missing values in a time series are treated as 0" [2]
            else:
                return None
        count = tasks or 0.0  # FILL(tasks, 0) / FILL(tasks, 1)
        return lag / count if count > 0 else lag

    def repeated(self, kind: str, minute: int) -> float | None:
        """``FILL(series, REPEAT)`` at ``minute``: its value, or the newest real one before it (``lag``, ``rate``,
        ``desired``)."""
        series = {"lag": self.lag_datapoints, "rate": self.rate_datapoints, "desired": self.desired_datapoints}[kind]
        for earlier in range(min(minute, len(series) - 1), -1, -1):
            value = self._visible(series, earlier)
            if value is not None:
                return value
        return None

    def running(self, minute: int) -> float | None:
        """Container Insights' ``RunningTaskCount`` at ``minute`` as visible now."""
        return self._visible(self.task_datapoints, minute)

    def _visible(self, series: list[Datapoint], minute: int) -> float | None:
        if minute >= len(series):
            return None
        point = series[minute]
        return point.value if point.visible_at <= self.now else None


def tasks_carrying(rate: float, model: ConsumerModel, partitions: int) -> int:
    """The fewest tasks whose capacity (``ConsumerModel.capacity``) carries ``rate``; the partitions if none does."""
    for tasks in range(0, partitions + 1):
        if model.capacity(tasks, partitions) >= rate - 1e-9:
            return tasks
    return partitions


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
             max_tasks: int, delay_target: float, scheduled: Sequence[ScheduledCapacity] = ()) -> RunResult:
    """One run. ``scheduled``: the service's scheduled actions, carried out at the start of each minute in which they
    fire on the profile's clock (``LoadProfile.start``; a profile without one runs none)."""
    start = policy_start(policy, profile, model, partitions, min_tasks, max_tasks)
    world = World(profile, model, partitions, ScalableTarget(min_tasks, max_tasks, start))
    draws = world.draws
    assert draws is not None
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
    # The scheduled actions, each parsed once; none without a clock to run them on.
    plan = [] if profile.start is None else [(a, schedules.matcher(a.schedule, a.timezone)) for a in scheduled]
    end = profile.minutes * 60
    while world.now < end:
        now = world.now
        second = int(now % 60)
        if second == 0:
            minute = world.minute
            if minute > 0:
                records[-1].delay = max(records[-1].delay, max_delay_this_minute)
                max_delay_this_minute = 0.0
            if plan:
                assert profile.start is not None
                instant = schedules.minute_of(profile.start, minute)
                for action, fires in plan:
                    if fires(instant):
                        world.target.schedule(action.min_tasks, action.max_tasks)
                        _reconcile(world, ideal)
            if minute in crash_minutes:
                world.task_ready_times = [now + (0.0 if ideal else draws.startup()) for _ in world.task_ready_times]
            records.append(MinuteRecord(minute, world.rate(), world.lag,
                                        _delay(arrival_times, arrival_totals, consumed, now, world.lag),
                                        world.started_tasks, 0, world.target.desired, None))
        if second == draws.sample_phase:
            _publish(world, records[-1], lag=None if now < rebalance_until else world.lag, produced=produced,
                     delays=draws.delays[world.minute])
            produced = 0.0
        if second == draws.decision_phase:
            policy.every_minute(world)
            _reconcile(world, ideal)
        if now >= tick * policy.tick_seconds:
            policy.every_tick(world)
            _reconcile(world, ideal)
            tick += 1
        records[-1].desired = world.target.desired
        records[-1].tasks = max(records[-1].tasks, world.started_tasks)
        ready = world.ready_tasks
        if ready != members:
            members = ready
            if not ideal:
                rebalance_until = now + draws.rebalance(ready)
        consumers = min(ready, world.partitions)
        records[-1].consumers = max(records[-1].consumers, consumers)
        arriving = world.rate() * STEP_SECONDS
        produced += arriving
        capacity = 0.0 if now < rebalance_until else model.capacity(consumers, world.partitions) * STEP_SECONDS
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


def _publish(world: World, record: MinuteRecord, *, lag: float | None, produced: float,
             delays: tuple[float, float]) -> None:
    """The minute's datapoints. MSK samples the lag, except during a rebalance; Container Insights counts the tasks
    started and running (not those still starting); each becomes visible after its own delay."""
    tasks = world.ready_tasks
    lag_delay, tasks_delay = delays
    world.lag_datapoints.append(Datapoint(lag, world.now + lag_delay))
    world.task_datapoints.append(Datapoint(float(tasks), world.now + tasks_delay))
    world.wake_datapoints.append(Datapoint(1.0 if tasks == 0 and produced > 0 else 0.0, world.now + lag_delay))
    # The brokers' rate over the minute before the sample (the first sample: the rate at that instant).
    rate = produced / 60 if world.now >= 60 else world.rate()
    world.rate_datapoints.append(Datapoint(rate, world.now + lag_delay))
    world.desired_datapoints.append(Datapoint(float(world.target.desired), world.now + tasks_delay))
    record.datapoint, record.running = lag, tasks


def policy_start(policy: Policy, profile: LoadProfile, model: ConsumerModel, partitions: int, min_tasks: int,
                 max_tasks: int) -> int:
    world = World(profile, model, partitions, ScalableTarget(min_tasks, max_tasks, min_tasks))
    return max(min_tasks, min(max_tasks, policy.initial_tasks(world)))


def _reconcile(world: World, ideal: bool) -> None:
    """ECS moves the running tasks towards the desired count: new tasks start, surplus tasks stop at once."""
    desired = world.target.desired
    tasks = world.task_ready_times
    if desired > len(tasks):
        assert world.draws is not None
        tasks.extend(world.now if ideal else world.now + world.draws.startup() for _ in range(desired - len(tasks)))
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
