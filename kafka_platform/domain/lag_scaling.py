"""How a consumer service scales on Kafka lag: the policy as data, derived and checked (aws-facts.md sections 1-4).

The constructs turn a ``StepScalingPolicy`` into CloudWatch alarms and Application Auto Scaling step policies; the
simulator replays the same numbers read back from the synthesized templates.

Derivation from a declared per-task throughput R (messages/s) and an acceptable delay D (seconds):

* scale out at a lag of ``R * D / 4``: even a single task drains that within a quarter of the delay budget;
* at a lag L above it, add ``ceil(L / (R * D / 2))`` tasks (the tasks that drain L within half the budget), in
  doubling bands, so a month-end surge is met in one or two actions instead of one task a minute;
* scale in one task at a time once lag stays below ``R * D / 40`` (the group has caught up), and wait longer
  between scale-ins (5 minutes) than between scale-outs (2 minutes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

# A scale-out is followed by a task start (30-45 s), a rebalance (10 s+, no lag datapoint) and a metric that is a
# minute old: acting again on the same band sooner would act on lag from before the last action.
DEFAULT_SCALE_OUT_COOLDOWN_SECONDS = 120
DEFAULT_SCALE_IN_COOLDOWN_SECONDS = 300
MIN_SCALE_OUT_COOLDOWN_SECONDS = 60
MIN_SCALE_IN_COOLDOWN_SECONDS = 300
MAX_COOLDOWN_SECONDS = 3600
MAX_STEP_INTERVALS = 40  # Application Auto Scaling and CDK accept 2-40 intervals per policy.

# Scale out on the first minute above the threshold (1 of 1); scale in only after 8 of the last 10 minutes below
# it, so that up to two rebalance gaps (missing points, treated as not breaching) do not hold scale-in back forever.
SCALE_OUT_EVALUATION = (1, 1)
SCALE_IN_EVALUATION = (10, 8)


@dataclass(frozen=True)
class ScalingStep:
    """Add ``change`` tasks while lag is in ``[lower_lag, upper_lag)`` (``upper_lag`` None: no upper bound)."""

    lower_lag: int
    upper_lag: int | None
    change: int


@dataclass(frozen=True)
class StepScalingPolicy:
    """Everything that decides when and by how much a consumer service scales. Lags are absolute messages."""

    min_tasks: int
    max_tasks: int
    scale_out_lag: int
    scale_in_lag: int
    scale_out_steps: tuple[ScalingStep, ...]
    scale_in_change: int
    scale_out_cooldown_seconds: int = DEFAULT_SCALE_OUT_COOLDOWN_SECONDS
    scale_in_cooldown_seconds: int = DEFAULT_SCALE_IN_COOLDOWN_SECONDS

    def change_for(self, lag: float) -> int:
        """The step a given lag selects (0 inside the no-change band), as Application Auto Scaling chooses it."""
        if lag >= self.scale_out_lag:
            for step in self.scale_out_steps:
                if step.lower_lag <= lag and (step.upper_lag is None or lag < step.upper_lag):
                    return step.change
        if lag <= self.scale_in_lag:
            return self.scale_in_change
        return 0


@dataclass(frozen=True)
class BacklogPerTaskPolicy:
    """Target tracking: keep lag / running tasks at ``target_backlog_per_task`` messages."""

    min_tasks: int
    max_tasks: int
    target_backlog_per_task: int
    scale_out_cooldown_seconds: int = 60
    scale_in_cooldown_seconds: int = DEFAULT_SCALE_IN_COOLDOWN_SECONDS


def scale_out_lag_for(task_throughput: float, max_delay_seconds: int) -> int:
    return max(1, round(task_throughput * max_delay_seconds / 4))


def scale_in_lag_for(task_throughput: float, max_delay_seconds: int) -> int:
    return max(0, round(task_throughput * max_delay_seconds / 40))


def derived_steps(scale_out_lag: int, tasks_per_lag: float | None, max_tasks: int) -> tuple[ScalingStep, ...]:
    """Doubling lag bands from the threshold. With ``tasks_per_lag`` (1 / messages one task drains within half the
    delay budget) each band adds the tasks its lower bound needs; without it, 1, 2, 4, 8 ... tasks."""
    steps, lower, band = [], scale_out_lag, 0
    while True:
        change = math.ceil(lower * tasks_per_lag) if tasks_per_lag else 2 ** band
        change = max(1, min(change, max_tasks))
        upper = lower * 2
        last = change >= max_tasks or band == 5
        steps.append(ScalingStep(lower, None if last else upper, change))
        if last:
            return tuple(_merge(steps))
        lower, band = upper, band + 1


def _merge(steps: list[ScalingStep]) -> list[ScalingStep]:
    """Neighbouring bands with the same change become one."""
    merged: list[ScalingStep] = []
    for step in steps:
        if merged and merged[-1].change == step.change:
            merged[-1] = ScalingStep(merged[-1].lower_lag, step.upper_lag, step.change)
        else:
            merged.append(step)
    return merged


def design_step_policy(*, partitions: int, min_tasks: int = 1, max_tasks: int | None = None,
                       task_throughput: float | None = None, max_delay_seconds: int | None = None,
                       scale_out_lag: int | None = None, scale_in_lag: int | None = None,
                       scale_out_steps: Sequence[ScalingStep] | None = None, scale_in_tasks: int = 1,
                       scale_out_cooldown_seconds: int = DEFAULT_SCALE_OUT_COOLDOWN_SECONDS,
                       scale_in_cooldown_seconds: int = DEFAULT_SCALE_IN_COOLDOWN_SECONDS) -> StepScalingPolicy:
    """The effective policy: explicit settings win, the rest is derived. Call ``step_policy_problems`` first."""
    max_tasks = partitions if max_tasks is None else max_tasks
    derive = task_throughput is not None and max_delay_seconds is not None
    if scale_out_lag is None:
        scale_out_lag = scale_out_lag_for(task_throughput, max_delay_seconds)  # type: ignore[arg-type]
    if scale_in_lag is None:
        scale_in_lag = scale_in_lag_for(task_throughput, max_delay_seconds) if derive else scale_out_lag // 10
    tasks_per_lag = 2 / (task_throughput * max_delay_seconds) if derive else None  # type: ignore[operator]
    steps = tuple(scale_out_steps) if scale_out_steps else derived_steps(scale_out_lag, tasks_per_lag, max_tasks)
    return StepScalingPolicy(min_tasks=min_tasks, max_tasks=max_tasks, scale_out_lag=scale_out_lag,
                             scale_in_lag=scale_in_lag, scale_out_steps=steps, scale_in_change=-scale_in_tasks,
                             scale_out_cooldown_seconds=scale_out_cooldown_seconds,
                             scale_in_cooldown_seconds=scale_in_cooldown_seconds)


def capacity_problems(*, partitions: int, min_tasks: int, max_tasks: int | None,
                      wake_up_on_produce: bool) -> list[tuple[str, str]]:
    problems = []
    maximum = partitions if max_tasks is None else max_tasks
    if max_tasks is not None and max_tasks > partitions:
        problems.append(("max_tasks", f"{max_tasks} is above the {partitions} partitions consumed; tasks beyond the "
                                      f"partitions get no partition and sit idle: use {partitions} or fewer"))
    if max_tasks is not None and max_tasks < 1:
        problems.append(("max_tasks", f"{max_tasks} would never run a task; use 1 or more"))
    if min_tasks < 0:
        problems.append(("min_tasks", f"{min_tasks} is below zero; use 0 (with wake_up_on_produce) or more"))
    elif min_tasks > maximum:
        problems.append(("min_tasks", f"{min_tasks} is above max_tasks {maximum}; lower min_tasks or raise max_tasks"))
    if min_tasks == 0 and not wake_up_on_produce:
        problems.append(("min_tasks", "0 needs wake_up_on_produce: true; with no task the group's offsets expire "
                                      "after 7 days and MSK stops publishing its lag, so lag alone never wakes it"))
    return problems


def step_policy_problems(*, task_throughput: float | None, max_delay_seconds: int | None,
                         scale_out_lag: int | None, scale_in_lag: int | None,
                         scale_out_steps: Sequence[ScalingStep] | None, scale_in_tasks: int,
                         scale_out_cooldown_seconds: int, scale_in_cooldown_seconds: int) -> list[tuple[str, str]]:
    """Problems with step scaling settings, by prop / field name."""
    problems = []
    derivable = task_throughput is not None and max_delay_seconds is not None
    if scale_out_lag is None and not derivable:
        problems.append(("scale_out_lag_messages", "is missing; set it, or set task_throughput_messages_per_second "
                                                   "and max_delay_seconds to derive it"))
    if task_throughput is not None and task_throughput <= 0:
        problems.append(("task_throughput_messages_per_second", f"{task_throughput} is not a throughput; give the "
                                                                "messages one task processes per second, above 0"))
    out = scale_out_lag if scale_out_lag is not None else (
        scale_out_lag_for(task_throughput, max_delay_seconds) if derivable and task_throughput > 0 else None)  # type: ignore[operator]
    if out is not None and out < 1:
        problems.append(("scale_out_lag_messages", f"{out} is not a lag; use 1 message or more"))
    if scale_in_lag is not None and out is not None and scale_in_lag >= out:
        problems.append(("scale_in_lag_messages", f"{scale_in_lag} is not below scale_out_lag_messages {out}; the "
                                                  "service would scale in and out on the same lag: leave a no-change "
                                                  f"band, for example {out // 10}"))
    if scale_in_tasks < 1:
        problems.append(("scale_in_tasks", f"{scale_in_tasks} removes no task; use 1 or more"))
    if scale_out_steps:
        problems.extend(_steps_problems(list(scale_out_steps), out))
    if scale_out_cooldown_seconds < MIN_SCALE_OUT_COOLDOWN_SECONDS:
        problems.append(("scale_out_cooldown_seconds",
                         f"{scale_out_cooldown_seconds} is shorter than the one-minute lag metric: the next action "
                         f"would act on lag from before the last one; use {MIN_SCALE_OUT_COOLDOWN_SECONDS} or more"))
    if scale_in_cooldown_seconds < max(MIN_SCALE_IN_COOLDOWN_SECONDS, scale_out_cooldown_seconds):
        floor = max(MIN_SCALE_IN_COOLDOWN_SECONDS, scale_out_cooldown_seconds)
        problems.append(("scale_in_cooldown_seconds",
                         f"{scale_in_cooldown_seconds} lets the service scale in faster than it settles after a "
                         f"rebalance or scales out, so it would flap; use {floor} or more"))
    for field, value in (("scale_out_cooldown_seconds", scale_out_cooldown_seconds),
                         ("scale_in_cooldown_seconds", scale_in_cooldown_seconds)):
        if value > MAX_COOLDOWN_SECONDS:
            problems.append((field, f"{value} would leave the service unable to react for over an hour; use "
                                    f"{MAX_COOLDOWN_SECONDS} or less"))
    return problems


def _steps_problems(steps: list[ScalingStep], scale_out_lag: int | None) -> list[tuple[str, str]]:
    problems = []
    if not 1 <= len(steps) <= MAX_STEP_INTERVALS:
        return [("scale_out_steps", f"has {len(steps)} steps; use 1 to {MAX_STEP_INTERVALS}")]
    if scale_out_lag is not None and steps[0].lower_lag != scale_out_lag:
        problems.append(("scale_out_steps[0].lower_lag", f"{steps[0].lower_lag} is not scale_out_lag_messages "
                                                         f"{scale_out_lag}; the first step starts at the threshold"))
    for i, step in enumerate(steps):
        where = f"scale_out_steps[{i}]"
        if step.change < 1:
            problems.append((f"{where}.change", f"{step.change} adds no task; scale-out steps add 1 or more"))
        if step.upper_lag is not None and step.upper_lag <= step.lower_lag:
            problems.append((f"{where}.upper_lag", f"{step.upper_lag} is not above lower_lag {step.lower_lag}; a "
                                                   "step covers the lags from lower_lag up to upper_lag"))
        if i + 1 < len(steps):
            following = steps[i + 1]
            if step.upper_lag is None:
                problems.append((f"{where}.upper_lag", "is open-ended but another step follows; only the last step "
                                                       "has no upper_lag"))
            elif following.lower_lag < step.upper_lag:
                problems.append((f"{where}.upper_lag", f"{step.upper_lag} overlaps the next step, which starts at "
                                                       f"{following.lower_lag}; make them meet"))
            elif following.lower_lag > step.upper_lag:
                problems.append((f"{where}.upper_lag", f"{step.upper_lag} leaves a gap before the next step at "
                                                       f"{following.lower_lag}; lags in between would add nothing: "
                                                       "make them meet"))
            elif following.change < step.change:
                problems.append((f"scale_out_steps[{i + 1}].change",
                                 f"{following.change} is smaller than the step below it ({step.change}); more lag "
                                 "must never add fewer tasks"))
    if steps[-1].upper_lag is not None:
        problems.append((f"scale_out_steps[{len(steps) - 1}].upper_lag",
                         f"{steps[-1].upper_lag} caps the last step; leave the last upper_lag out so any lag above it "
                         "still scales out"))
    return problems


def backlog_policy_problems(*, target_backlog_per_task: int | None, task_throughput: float | None,
                            max_delay_seconds: int | None) -> list[tuple[str, str]]:
    if target_backlog_per_task is None and (task_throughput is None or max_delay_seconds is None):
        return [("target_backlog_per_task_messages", "is missing; set it, or set task_throughput_messages_per_second "
                                                     "and max_delay_seconds to derive it")]
    if target_backlog_per_task is not None and target_backlog_per_task < 1:
        return [("target_backlog_per_task_messages", f"{target_backlog_per_task} is not a backlog; use 1 or more")]
    return []


def target_backlog_for(task_throughput: float, max_delay_seconds: int) -> int:
    """AWS's queue recipe: acceptable latency / time per message, with half the delay budget kept in reserve."""
    return max(1, round(task_throughput * max_delay_seconds / 2))
