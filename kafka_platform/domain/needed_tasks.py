"""Scaling on the tasks a service needs: the incoming rate plus the backlog to drain, in task counts that divide the
partitions evenly (``scaling_mode: needed_tasks``). What ``make bench`` chose under the faithful simulator.

**Why not the backlog alone.** The backlog per task says a fleet is behind, never that it is too big: scaling in on a
caught-up backlog trims a busy fleet below its load until the backlog grows again (the sawtooth), and each of those
moves rebalances the group. The brokers' per-topic ``MessagesInPerSec`` (PER_TOPIC_PER_BROKER monitoring) says
what the load is, so the fleet can be sized for it.

**Why even counts.** Kafka spreads P partitions evenly over C consumers; the busiest hold ``ceil(P / C)`` and set
the pace, so C tasks carry ``R * P / ceil(P / C)`` messages per second (R: one task's throughput). On 24 partitions
20 tasks carry what 12 do. Only the counts ``ceil(P / k)`` are worth paying for.

The signal, one-minute metric math (``needed_expression``, ``even_expression``), in tasks::

    needed = MAX(rate * (1 + headroom), lag / drain_seconds) / R
    even   = the fewest tasks whose partition spread carries ``needed``: CEIL(P / FLOOR(P / needed)), 0 at no load

The backlog term asks for the capacity that works the backlog off within ``drain_seconds`` (a quarter of the delay
budget):
the delay a message sees behind a backlog is about the backlog divided by the capacity. It is a ``MAX``, not a sum:
the backlog a rebalance piles up (the rate times the pause) is worked off by the headroom within the budget, and a
sum would answer every rebalance with more tasks, whose arrival rebalances again.

``rate`` sums ``MessagesInPerSec`` over the brokers and topics, ``lag`` the group's ``SumOffsetLag`` over its topics;
both through ``FILL(..., REPEAT)``: MSK publishes no lag during a rebalance, and metric math would read the gap as 0.
Two alarms, each driving an ``ExactCapacity`` step policy whose steps map each even count to itself:

* **scale out** the minute ``even`` exceeds the desired task count, to ``even`` at once (1 of 1, cooldown 60 s);
* **scale in** when ``even`` stays below the desired count for ``SCALE_IN_MINUTES`` minutes, to the largest ``even``
  of those minutes (MetricAggregationType Maximum; cooldown 300 s).

Both compare with Container Insights' ``DesiredTaskCount``, not the running tasks: while new tasks start the running
count is below what was asked, and an ExactCapacity below the desired count cancels them.

Defaults (measured side by side by ``make bench``): headroom 10 %, the backlog worked off within a quarter of the
delay budget.

Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

DEFAULT_HEADROOM_PERCENT = 10
# The backlog is to be worked off within a quarter of the delay budget (make bench: a half left month-end's ramp 2-4
# minutes longer above the target at the 90th percentile, for 0-0.01 more task-minutes at the median).
DRAIN_FRACTION = 4
SCALE_OUT_COOLDOWN_SECONDS = 60
SCALE_IN_COOLDOWN_SECONDS = 300
SCALE_IN_MINUTES = 5
# Application Auto Scaling's quota of step adjustments per step scaling policy (20 by default; the API and CDK take 40,
# an account only as many as its quota, and raising it is a request to AWS).
MAX_STEP_INTERVALS = 20


def even_counts(partitions: int, *, include_zero: bool = False) -> tuple[int, ...]:
    """The task counts worth running on ``partitions``: ``ceil(P / k)`` for k = 1 .. P, ascending."""
    counts = sorted({math.ceil(partitions / k) for k in range(1, partitions + 1)})
    return tuple(([0] if include_zero else []) + counts)


def even_count(needed: float, partitions: int) -> int:
    """The fewest tasks whose even spread of ``partitions`` carries ``needed`` tasks' worth of work."""
    if needed <= 0:
        return 0
    if needed >= partitions:
        return partitions
    return math.ceil(partitions / math.floor(partitions / needed))


@dataclass(frozen=True)
class NeededTasksPolicy:
    """Everything that decides the scaling of a ``needed_tasks`` service."""

    min_tasks: int
    max_tasks: int
    partitions: int
    task_throughput: float
    drain_seconds: int
    headroom_percent: int = DEFAULT_HEADROOM_PERCENT
    scale_out_cooldown_seconds: int = SCALE_OUT_COOLDOWN_SECONDS
    scale_in_cooldown_seconds: int = SCALE_IN_COOLDOWN_SECONDS

    @property
    def counts(self) -> tuple[int, ...]:
        """The counts the steps set: the even counts within min and max (the max itself included)."""
        within = [c for c in even_counts(self.partitions, include_zero=self.min_tasks == 0)
                  if self.min_tasks <= c <= self.max_tasks]
        return tuple(sorted({*within, self.min_tasks, self.max_tasks}))

    def needed(self, rate: float, lag: float) -> float:
        return max(rate * (1 + self.headroom_percent / 100), lag / self.drain_seconds) / self.task_throughput

    def desired(self, rate: float, lag: float) -> int:
        """The count the alarms ask for, before min and max."""
        return even_count(self.needed(rate, lag), self.partitions)


def design_needed_tasks_policy(*, partitions: int, min_tasks: int, max_tasks: int | None, task_throughput: float,
                               max_delay_seconds: int, headroom_percent: int | None = None,
                               scale_out_cooldown_seconds: int | None = None,
                               scale_in_cooldown_seconds: int | None = None) -> NeededTasksPolicy:
    return NeededTasksPolicy(
        min_tasks=min_tasks, max_tasks=partitions if max_tasks is None else max_tasks, partitions=partitions,
        task_throughput=task_throughput, drain_seconds=max(1, max_delay_seconds // DRAIN_FRACTION),
        headroom_percent=DEFAULT_HEADROOM_PERCENT if headroom_percent is None else headroom_percent,
        scale_out_cooldown_seconds=scale_out_cooldown_seconds or SCALE_OUT_COOLDOWN_SECONDS,
        scale_in_cooldown_seconds=scale_in_cooldown_seconds or SCALE_IN_COOLDOWN_SECONDS)


def needed_expression(policy: NeededTasksPolicy, rate_ids: Sequence[str], lag_ids: Sequence[str]) -> str:
    """``needed`` (module docstring), in tasks, as CloudWatch metric math over the rate and lag metrics' ids."""
    def total(ids: Sequence[str]) -> str:
        filled = [f"FILL({i}, REPEAT)" for i in ids]
        return filled[0] if len(filled) == 1 else f"SUM([{', '.join(filled)}])"

    factor = 1 + policy.headroom_percent / 100
    return (f"MAX([{total(rate_ids)} * {factor:g}, {total(lag_ids)} / {policy.drain_seconds}]) / "
            f"{policy.task_throughput:g}")


def even_expression(needed_id: str, partitions: int) -> str:
    """``even`` (module docstring): the fewest tasks whose spread of ``partitions`` carries ``needed_id``."""
    return (f"IF({needed_id} <= 0, 0, IF({needed_id} >= {partitions}, {partitions}, "
            f"CEIL({partitions} / FLOOR({partitions} / {needed_id}))))")


def scale_out_expression(even_id: str, desired_id: str) -> str:
    """The even count while it exceeds the desired count, else 0: at or above 1, tasks are added.

    The desired count (Container Insights' ``DesiredTaskCount``), not the running one: while new tasks start, the
    running count is below what was asked, and an ExactCapacity below the desired count would cancel them (it is a
    scale-in to Application Auto Scaling, whichever alarm asks). ``REPEAT``: a minute not yet published keeps the
    last count instead of reading as 0."""
    return f"IF({even_id} > FILL({desired_id}, REPEAT), {even_id}, 0)"


def scale_in_expression(even_id: str, desired_id: str, partitions: int) -> str:
    """The even count while it is below the desired count, else above the partitions: at or below them, tasks go."""
    return f"IF({even_id} < FILL({desired_id}, REPEAT), {even_id}, {partitions + 1})"


def needed_tasks_problems(*, task_throughput: float | None, broker_count: int | None, topics: int,
                          partitions: int, headroom_percent: int | None, metrics_per_alarm: int
                          ) -> list[tuple[str, str]]:
    """Problems with a ``needed_tasks`` service's settings, by configuration field name."""
    problems = []
    if task_throughput is None:
        problems.append(("task_throughput_messages_per_second", "is missing; scaling_mode needed_tasks sizes the "
                                                                "fleet by the incoming rate divided by it"))
    if broker_count is None:
        problems.append(("scaling_mode", "needed_tasks needs the cluster's broker count (give broker_count to "
                                         "from_cluster_attributes): the rate sums each broker's MessagesInPerSec"))
    elif broker_count * topics + topics + 1 > metrics_per_alarm:
        problems.append(("scaling_mode", f"needed_tasks would need {broker_count * topics + topics + 1} metrics in "
                                         f"one alarm (each broker's rate and each topic's lag, per topic, and the "
                                         f"running tasks), above CloudWatch's {metrics_per_alarm}; consume fewer "
                                         "topics or use scaling_mode steps"))
    if len(even_counts(partitions)) + 1 > MAX_STEP_INTERVALS:
        problems.append(("scaling_mode", f"needed_tasks needs a step per task count worth running on {partitions} "
                                         f"partitions ({len(even_counts(partitions))}), above Application Auto "
                                         f"Scaling's default quota of {MAX_STEP_INTERVALS} step adjustments per policy; use "
                                         "scaling_mode steps"))
    if headroom_percent is not None and not 0 <= headroom_percent <= 100:
        problems.append(("headroom_percent", f"{headroom_percent} is not between 0 and 100; capacity kept above the "
                                             f"incoming rate, {DEFAULT_HEADROOM_PERCENT} is a good start"))
    return problems
