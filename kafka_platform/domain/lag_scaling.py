"""How a consumer service scales on Kafka lag: the policy as data, derived and checked.

The constructs turn a ``StepScalingPolicy`` into CloudWatch alarms and Application Auto Scaling step policies; the
simulator (``kafka_platform.simulation``) replays the same numbers read back from the synthesized templates, and
``make bench`` is where the defaults below were chosen and are measured.

**The signal is the backlog per running task:** ``SumOffsetLag`` (summed over the service's topics) divided by
Container Insights' ``RunningTaskCount``. Divided by the per-task throughput R it is the time the running tasks need
to drain what is waiting: a delay, the thing the business cares about, in messages. An absolute lag threshold
cannot be right at both ends: set for two tasks, a month-end fleet crosses it on every rebalance pause (each pause
piles up ``rate x pause`` messages) and churns; set for the fleet, two tasks fall minutes behind before it moves.

Derivation from R (messages/s one task processes) and the acceptable delay D (seconds):

* scale out once the backlog per task is ``R * max(D / 6, 20 s)``: a sixth of the budget, because the reaction
  (one-minute metric, published about a minute late, a 30-45 s task start, a rebalance) eats most of the rest;
  at least 20 s, above what one rebalance pause (10-15 s) piles up, so a rebalance alone never scales out;
* add +100 % of the running tasks below twice that backlog, +200 % below four times, +400 % above (percent
  steps grow a fleet of 2 or of 40 alike; a backlog of k thresholds needs about k times the tasks);
* remove 20 % of the tasks (at least one) once the backlog per task stays at or below ``R * D / 40`` (the group has
  caught up) for 8 of 10 minutes;
* wait 4 minutes between scale-outs (one reaction, above, takes about 3: sooner would act again on a backlog the
  last action is already draining) and 5 minutes between scale-ins.

Sources: https://docs.aws.amazon.com/msk/latest/developerguide/consumer-lag.html;
  https://docs.aws.amazon.com/autoscaling/application/userguide/step-scaling-policy-overview.html;
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-auto-scaling.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

DEFAULT_SCALE_OUT_COOLDOWN_SECONDS = 240
DEFAULT_SCALE_IN_COOLDOWN_SECONDS = 300
TARGET_TRACKING_SCALE_OUT_COOLDOWN_SECONDS = 60
MIN_SCALE_OUT_COOLDOWN_SECONDS = 60
MIN_SCALE_IN_COOLDOWN_SECONDS = 300
MAX_COOLDOWN_SECONDS = 3600
# Application Auto Scaling's quota of step adjustments per step scaling policy (20 by default; CDK accepts 40).
MAX_STEP_INTERVALS = 20
MAX_SCALE_IN_PERCENT = 50
MIN_SCALE_OUT_BACKLOG_SECONDS = 20  # more than one rebalance pause piles up per task
DEFAULT_SCALE_IN_PERCENT = 20
DERIVED_STEP_PERCENTS = (100, 200, 400)  # at 1, 2 and 4 times the threshold

# Scale out on the first minute above the threshold (1 of 1); scale in only after 8 of the last 10 minutes below
# it, so that up to two rebalance gaps (missing points, treated as not breaching) do not hold scale-in back forever.
SCALE_OUT_EVALUATION = (1, 1)
SCALE_IN_EVALUATION = (10, 8)


@dataclass(frozen=True)
class ScalingStep:
    """Add ``change_percent`` % of the running tasks (at least one) while the backlog per task is in
    ``[lower_backlog_per_task, upper_backlog_per_task)`` messages (``upper`` None: no upper bound)."""

    lower_backlog_per_task: int
    upper_backlog_per_task: int | None
    change_percent: int


@dataclass(frozen=True)
class StepScalingPolicy:
    """Everything that decides when and by how much a consumer service scales, in messages per running task."""

    min_tasks: int
    max_tasks: int
    scale_out_backlog_per_task: int
    scale_in_backlog_per_task: int
    scale_out_steps: tuple[ScalingStep, ...]
    scale_in_percent: int = DEFAULT_SCALE_IN_PERCENT
    scale_out_cooldown_seconds: int = DEFAULT_SCALE_OUT_COOLDOWN_SECONDS
    scale_in_cooldown_seconds: int = DEFAULT_SCALE_IN_COOLDOWN_SECONDS

    def change_for(self, backlog_per_task: float) -> int:
        """The percent change a backlog selects (0 inside the no-change band), as Application Auto Scaling chooses
        it: above the threshold lower bounds are inclusive and upper bounds exclusive."""
        if backlog_per_task >= self.scale_out_backlog_per_task:
            for step in self.scale_out_steps:
                if step.lower_backlog_per_task <= backlog_per_task and (
                        step.upper_backlog_per_task is None or backlog_per_task < step.upper_backlog_per_task):
                    return step.change_percent
        if backlog_per_task <= self.scale_in_backlog_per_task:
            return -self.scale_in_percent
        return 0


@dataclass(frozen=True)
class TargetTrackingPolicy:
    """Target tracking: keep lag / running tasks at ``target_backlog_per_task`` messages."""

    min_tasks: int
    max_tasks: int
    target_backlog_per_task: int
    scale_out_cooldown_seconds: int = TARGET_TRACKING_SCALE_OUT_COOLDOWN_SECONDS
    scale_in_cooldown_seconds: int = DEFAULT_SCALE_IN_COOLDOWN_SECONDS


def default_scale_out_cooldown_seconds(scaling_mode: str) -> int:
    """Between scale-outs: a whole reaction for steps (above); for target tracking one metric period, because it
    already waits for 3 breaching minutes before it acts."""
    if scaling_mode == "steps":
        return DEFAULT_SCALE_OUT_COOLDOWN_SECONDS
    return TARGET_TRACKING_SCALE_OUT_COOLDOWN_SECONDS  # and needed_tasks: each action reaches the need at once


def scale_out_backlog_for(task_throughput: float, max_delay_seconds: int) -> int:
    return max(1, round(task_throughput * max(max_delay_seconds / 6, MIN_SCALE_OUT_BACKLOG_SECONDS)))


def scale_in_backlog_for(task_throughput: float, max_delay_seconds: int) -> int:
    return max(0, round(task_throughput * max_delay_seconds / 40))


def derived_steps(scale_out_backlog: int) -> tuple[ScalingStep, ...]:
    """+100 % from the threshold, +200 % from twice it, +400 % from four times it."""
    bounds = [scale_out_backlog * 2 ** i for i in range(len(DERIVED_STEP_PERCENTS))] + [None]
    return tuple(ScalingStep(lower, upper, percent)
                 for lower, upper, percent in zip(bounds, bounds[1:], DERIVED_STEP_PERCENTS))


def design_step_policy(*, partitions: int, min_tasks: int = 1, max_tasks: int | None = None,
                       task_throughput: float | None = None, max_delay_seconds: int | None = None,
                       scale_out_backlog_per_task: int | None = None, scale_in_backlog_per_task: int | None = None,
                       scale_out_steps: Sequence[ScalingStep] | None = None,
                       scale_in_percent: int | None = None,
                       scale_out_cooldown_seconds: int = DEFAULT_SCALE_OUT_COOLDOWN_SECONDS,
                       scale_in_cooldown_seconds: int = DEFAULT_SCALE_IN_COOLDOWN_SECONDS) -> StepScalingPolicy:
    """The effective policy: explicit settings win, the rest is derived. Call ``step_policy_problems`` first."""
    derive = task_throughput is not None and max_delay_seconds is not None
    out = scale_out_backlog_per_task
    if out is None:
        out = scale_out_backlog_for(task_throughput, max_delay_seconds)  # type: ignore[arg-type]
    scale_in = scale_in_backlog_per_task
    if scale_in is None:
        scale_in = scale_in_backlog_for(task_throughput, max_delay_seconds) if derive else out // 10  # type: ignore[arg-type]
    return StepScalingPolicy(
        min_tasks=min_tasks, max_tasks=partitions if max_tasks is None else max_tasks,
        scale_out_backlog_per_task=out, scale_in_backlog_per_task=scale_in,
        scale_out_steps=tuple(scale_out_steps) if scale_out_steps else derived_steps(out),
        scale_in_percent=DEFAULT_SCALE_IN_PERCENT if scale_in_percent is None else scale_in_percent,
        scale_out_cooldown_seconds=scale_out_cooldown_seconds,
        scale_in_cooldown_seconds=scale_in_cooldown_seconds)


def design_target_tracking_policy(*, partitions: int, min_tasks: int = 1, max_tasks: int | None = None,
                                  task_throughput: float | None = None, max_delay_seconds: int | None = None,
                                  target_backlog_per_task: int | None = None,
                                  scale_out_cooldown_seconds: int = TARGET_TRACKING_SCALE_OUT_COOLDOWN_SECONDS,
                                  scale_in_cooldown_seconds: int = DEFAULT_SCALE_IN_COOLDOWN_SECONDS
                                  ) -> TargetTrackingPolicy:
    """The effective policy: an explicit target wins, else it is derived. Call ``target_tracking_problems`` first."""
    target = target_backlog_per_task
    if target is None:
        target = target_backlog_for(task_throughput, max_delay_seconds)  # type: ignore[arg-type]
    return TargetTrackingPolicy(min_tasks=min_tasks, max_tasks=partitions if max_tasks is None else max_tasks,
                                target_backlog_per_task=target, scale_out_cooldown_seconds=scale_out_cooldown_seconds,
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
                         scale_out_backlog_per_task: int | None, scale_in_backlog_per_task: int | None,
                         scale_out_steps: Sequence[ScalingStep] | None, scale_in_percent: int | None,
                         scale_out_cooldown_seconds: int, scale_in_cooldown_seconds: int) -> list[tuple[str, str]]:
    """Problems with step scaling settings, by configuration field name."""
    problems = []
    derivable = task_throughput is not None and max_delay_seconds is not None
    if scale_out_backlog_per_task is None and not derivable:
        problems.append(("scale_out_backlog_per_task_messages", "is missing; set it, or set "
                                                                "task_throughput_messages_per_second and "
                                                                "max_delay_seconds to derive it"))
    if task_throughput is not None and task_throughput <= 0:
        problems.append(("task_throughput_messages_per_second", f"{task_throughput} is not a throughput; give the "
                                                                "messages one task processes per second, above 0"))
        derivable = False
    out = scale_out_backlog_per_task if scale_out_backlog_per_task is not None else (
        scale_out_backlog_for(task_throughput, max_delay_seconds) if derivable else None)  # type: ignore[arg-type]
    if out is not None and out < 1:
        problems.append(("scale_out_backlog_per_task_messages", f"{out} is not a backlog; use 1 message or more"))
    if scale_in_backlog_per_task is not None and out is not None and scale_in_backlog_per_task >= out:
        problems.append(("scale_in_backlog_per_task_messages",
                         f"{scale_in_backlog_per_task} is not below scale_out_backlog_per_task_messages {out}; the "
                         f"service would scale in and out on the same backlog: leave a no-change band, for example "
                         f"{out // 10}"))
    if scale_in_percent is not None and not 1 <= scale_in_percent <= MAX_SCALE_IN_PERCENT:
        problems.append(("scale_in_percent", f"{scale_in_percent} is not between 1 and {MAX_SCALE_IN_PERCENT}; "
                                             "scale in gradually (each removal rebalances the group), "
                                             f"{DEFAULT_SCALE_IN_PERCENT} is a good start"))
    if scale_out_steps:
        problems.extend(_steps_problems(list(scale_out_steps), out))
    return problems + cooldown_problems(scale_out_cooldown_seconds, scale_in_cooldown_seconds)


def cooldown_problems(scale_out_cooldown_seconds: int, scale_in_cooldown_seconds: int) -> list[tuple[str, str]]:
    """Cooldowns that act on stale lag, flap, or leave a service unable to react (steps and needed_tasks alike)."""
    problems = []
    if scale_out_cooldown_seconds < MIN_SCALE_OUT_COOLDOWN_SECONDS:
        problems.append(("scale_out_cooldown_seconds",
                         f"{scale_out_cooldown_seconds} is shorter than the one-minute lag metric: the next action "
                         f"would act on lag from before the last one; use {MIN_SCALE_OUT_COOLDOWN_SECONDS} or more "
                         f"({DEFAULT_SCALE_OUT_COOLDOWN_SECONDS} covers a whole reaction)"))
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


def _steps_problems(steps: list[ScalingStep], scale_out_backlog: int | None) -> list[tuple[str, str]]:
    problems = []
    if not 1 <= len(steps) <= MAX_STEP_INTERVALS:
        return [("scale_out_steps", f"has {len(steps)} steps; use 1 to {MAX_STEP_INTERVALS} (Application Auto "
                                     "Scaling's default quota of step adjustments per policy)")]
    if scale_out_backlog is not None and steps[0].lower_backlog_per_task != scale_out_backlog:
        problems.append(("scale_out_steps[0].lower_backlog_per_task",
                         f"{steps[0].lower_backlog_per_task} is not scale_out_backlog_per_task_messages "
                         f"{scale_out_backlog}; the first step starts at the threshold"))
    for i, step in enumerate(steps):
        where = f"scale_out_steps[{i}]"
        lower, upper = step.lower_backlog_per_task, step.upper_backlog_per_task
        if step.change_percent < 1:
            problems.append((f"{where}.change_percent", f"{step.change_percent} adds no task; scale-out steps add 1 "
                                                        "percent or more (at least one task)"))
        if upper is not None and upper <= lower:
            problems.append((f"{where}.upper_backlog_per_task",
                             f"{upper} is not above lower_backlog_per_task {lower}; a step covers the backlogs from "
                             "its lower bound up to its upper bound"))
        if i + 1 < len(steps):
            following = steps[i + 1]
            if upper is None:
                problems.append((f"{where}.upper_backlog_per_task", "is open-ended but another step follows; only "
                                                                    "the last step has no upper bound"))
            elif following.lower_backlog_per_task < upper:
                problems.append((f"{where}.upper_backlog_per_task",
                                 f"{upper} overlaps the next step, which starts at "
                                 f"{following.lower_backlog_per_task}; make them meet"))
            elif following.lower_backlog_per_task > upper:
                problems.append((f"{where}.upper_backlog_per_task",
                                 f"{upper} leaves a gap before the next step at {following.lower_backlog_per_task}; "
                                 "backlogs in between would add nothing: make them meet"))
            elif following.change_percent < step.change_percent:
                problems.append((f"scale_out_steps[{i + 1}].change_percent",
                                 f"{following.change_percent} is smaller than the step below it "
                                 f"({step.change_percent}); a larger backlog must never add fewer tasks"))
    if steps[-1].upper_backlog_per_task is not None:
        problems.append((f"scale_out_steps[{len(steps) - 1}].upper_backlog_per_task",
                         f"{steps[-1].upper_backlog_per_task} caps the last step; leave the last upper bound out so "
                         "any backlog above it still scales out"))
    return problems


def target_tracking_problems(*, target_backlog_per_task: int | None, task_throughput: float | None,
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



def backlog_per_task_expression(lag_ids: Sequence[str], tasks_id: str, *, repeat_lag: bool = True) -> str:
    """The metric math both modes watch: ``SUM(lag) / running tasks``, or the lag itself while no task runs (so a
    service at zero still scales out).

    CloudWatch metric math treats a missing value as 0: MSK publishes no lag during a
    rebalance, and the task count's datapoint can be visible before the lag's, so a bare ``lag / tasks`` would read a
    backlog of 0 exactly when the group is busiest, and count towards scale-in. ``FILL(lag, REPEAT)`` carries the
    last real lag over those gaps instead. (``repeat_lag=False``: the expression before, which the simulator still
    reads to measure the difference.)

    Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html.
    """
    def lag(lag_id: str) -> str:
        return f"FILL({lag_id}, REPEAT)" if repeat_lag else lag_id

    total = lag(lag_ids[0]) if len(lag_ids) == 1 else f"SUM([{', '.join(lag(i) for i in lag_ids)}])"
    return f"IF(FILL({tasks_id}, 0) > 0, {total} / FILL({tasks_id}, 1), {total})"
