"""One service against one load profile: the deployed policy and every baseline, side by side, over many seeds.

Each policy gets the bounds it would have in practice:

* ``platform`` (what the templates deploy) and the reactive baselines: the scalable target's min and max;
* ``static-peak`` / ``static-mean``: the tasks that carry the profile's peak / mean rate, from 1 to the partitions;
* ``oracle``: from 0 to the partitions, the fewest tasks whose partition spread carries the load, ready at once;
* ``reactive-bound``: the oracle's bounds and decisions, with real tasks (start-up, rebalances): what reacting to the
  present at the least cost reaches.

The platform and the reactive baselines also carry out the service's scheduled actions (``SCHEDULED_POLICIES``).

Every policy runs on the same ``seeds`` (one seed: the same publication delays and phases for all); a figure is
reported as the median and the 90th percentile over them. Two lower bounds: the oracle, and the **fluid bound**
(the load divided by one task's throughput, minute by minute, as if capacity came in fractions of a task): the gap
between them is what the partition count alone costs.

The single-threshold baseline is tuned as the lender would: the best of ``SINGLE_THRESHOLD_GRID`` per profile, on
``TUNING_SEEDS`` of the seeds (the fewest task-minutes among the settings with the fewest minutes above the target).
KEDA's lag threshold per replica is the platform's scale-out backlog per task, so only the mechanism differs.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

from kafka_platform.simulation.engine import ConsumerModel, Policy, RunResult, simulate
from kafka_platform.simulation.policies import (DeployedPolicy, KedaHpa, Oracle, ReactiveBound, SingleThreshold,
                                               StaticCapacity)
from kafka_platform.simulation.profiles import LoadProfile
from kafka_platform.simulation.service import SimulatedService

PLATFORM = "platform"
ORACLE = "oracle"
REACTIVE_BOUND = "reactive-bound"
POLICY_NAMES = (PLATFORM, "single-threshold", "keda", "static-peak", "static-mean", REACTIVE_BOUND, ORACLE)
# The policies that run with the service's scheduled actions (its month-end pre-warm): the platform, and the reactive
# baselines as their users would run them (the lender's own scheduled actions; KEDA's cron scaler beside its Kafka
# one). Static capacity needs none; the oracle knows the load anyway; the reactive bound stays what reacting alone
# can reach.
SCHEDULED_POLICIES = (PLATFORM, "single-threshold", "keda")
SEEDS = 20
TUNING_SEEDS = 3
# (add at, remove below) as multiples of one task's delay budget R x D (messages), and (out, in) cooldowns in s.
SINGLE_THRESHOLD_GRID = tuple((add, add * low, cooldowns)
                              for add in (0.25, 0.5, 1.0) for low in (0.1, 0.4)
                              for cooldowns in ((60, 120), (120, 300)))


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least ``fraction`` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class Spread:
    median: float
    p90: float

    @classmethod
    def of(cls, values: Sequence[float]) -> "Spread":
        return cls(statistics.median(values), percentile(values, 0.9))


@dataclass(frozen=True)
class Comparison:
    service: SimulatedService
    profile: LoadProfile
    model: ConsumerModel
    seeds: dict[str, list[RunResult]]  # per policy, one run per seed (in seed order)
    fluid_task_minutes: float
    tuned: dict[str, Any] = field(default_factory=dict)  # the single threshold's chosen settings

    @property
    def runs(self) -> dict[str, RunResult]:
        """Per policy, the run on the seed where the platform's task-minutes are the median: the one plotted."""
        ratios = [run.task_minutes for run in self.seeds[PLATFORM]]
        index = sorted(range(len(ratios)), key=ratios.__getitem__)[(len(ratios) - 1) // 2]
        return {name: runs[index] for name, runs in self.seeds.items()}

    @property
    def platform(self) -> RunResult:
        return self.runs[PLATFORM]

    def ratios(self, policy: str, *, bound: str = ORACLE) -> list[float]:
        """Task-minutes as a multiple of the oracle's (or the fluid bound's), per seed."""
        return [run.task_minutes / self._bound(bound, seed) for seed, run in enumerate(self.seeds[policy])]

    def _bound(self, bound: str, seed: int) -> float:
        return self.fluid_task_minutes if bound == "fluid" else self.seeds[ORACLE][seed].task_minutes

    def relative_task_minutes(self, policy: str, *, bound: str = ORACLE) -> float:
        """The median over the seeds of task-minutes as a multiple of the oracle's (or the fluid bound's)."""
        return statistics.median(self.ratios(policy, bound=bound))

    def task_minutes(self, policy: str) -> Spread:
        return Spread.of(self.ratios(policy))

    def minutes_above(self, policy: str) -> Spread:
        return Spread.of([run.minutes_above_target for run in self.seeds[policy]])

    def figures(self) -> dict[str, dict[str, Any]]:
        out = {}
        for name, runs in self.seeds.items():
            ratio, above = self.task_minutes(name), self.minutes_above(name)
            out[name] = {**self.runs[name].figures(),
                         "task_minutes_vs_oracle": {"median": round(ratio.median, 3), "p90": round(ratio.p90, 3)},
                         "task_minutes_vs_fluid": round(self.relative_task_minutes(name, bound="fluid"), 3),
                         "minutes_above_target": {"median": above.median, "p90": above.p90}}
        out["fluid-bound"] = {"task_minutes": round(self.fluid_task_minutes, 1)}
        if self.tuned:
            out["single-threshold"]["tuned"] = self.tuned
        return out


def fluid_task_minutes(profile: LoadProfile, throughput: float) -> float:
    """The load divided by one task's throughput, minute by minute: capacity in fractions of a task, ready at once."""
    return sum(rate / throughput for rate in profile.rates)


def run_policy(policy: Policy, service: SimulatedService, profile: LoadProfile, model: ConsumerModel,
               bounds: tuple[int, int]) -> RunResult:
    """One run of ``policy`` on ``service`` between ``bounds`` (min, max tasks); the reactive policies
    (``SCHEDULED_POLICIES``) with the service's scheduled actions."""
    scheduled = service.deployed.scheduled if policy.name in SCHEDULED_POLICIES else ()
    return simulate(policy, profile, model, partitions=service.partitions, min_tasks=bounds[0], max_tasks=bounds[1],
                    delay_target=service.delay_target_seconds, scheduled=scheduled)


def tune_single_threshold(service: SimulatedService, profile: LoadProfile, models: Sequence[ConsumerModel],
                          bounds: tuple[int, int]) -> tuple[Callable[[], SingleThreshold], dict[str, Any]]:
    """The grid's best setting on ``models`` (the tuning seeds): fewest minutes above target, then task-minutes."""
    budget = service.task_throughput * service.delay_target_seconds
    best: tuple[tuple[float, float], SingleThreshold] | None = None
    for add, remove, (out, in_) in SINGLE_THRESHOLD_GRID:
        candidate = SingleThreshold(add_at=round(add * budget), remove_below=round(remove * budget),
                                    scale_out_cooldown_seconds=out, scale_in_cooldown_seconds=in_)
        runs = [run_policy(replace(candidate, states={}), service, profile, model, bounds) for model in models]
        score = (statistics.mean(r.minutes_above_target for r in runs), statistics.mean(r.task_minutes for r in runs))
        if best is None or score < best[0]:
            best = (score, candidate)
    assert best is not None
    chosen = best[1]
    settings = {"add_at": chosen.add_at, "remove_below": chosen.remove_below,
                "scale_out_cooldown_seconds": chosen.scale_out_cooldown_seconds,
                "scale_in_cooldown_seconds": chosen.scale_in_cooldown_seconds}
    return (lambda: replace(chosen, states={})), settings


def policies(service: SimulatedService, profile: LoadProfile, single: Callable[[], SingleThreshold]
             ) -> list[tuple[Callable[[], Policy], tuple[int, int]]]:
    """Every policy (a fresh one per run) with its (min, max) tasks."""
    deployed = service.deployed
    bounds = (deployed.min_capacity, deployed.max_capacity)
    peak, mean = service.tasks_for(profile.peak), service.tasks_for(profile.mean)
    return [
        (lambda: DeployedPolicy(deployed), bounds),
        (single, bounds),
        (lambda: KedaHpa(service.scale_out_threshold), bounds),
        (lambda: StaticCapacity("static-peak", peak), (1, service.partitions)),
        (lambda: StaticCapacity("static-mean", mean), (1, service.partitions)),
        (lambda: ReactiveBound(), (0, service.partitions)),
        (lambda: Oracle(), (0, service.partitions)),
    ]


def compare(service: SimulatedService, profile: LoadProfile, model: ConsumerModel | None = None, *,
            seeds: int = SEEDS, tuning_seeds: int = TUNING_SEEDS) -> Comparison:
    model = model or ConsumerModel(service.task_throughput)
    models = [model.with_seed(seed) for seed in range(seeds)]
    bounds = (service.deployed.min_capacity, service.deployed.max_capacity)
    single, tuned = tune_single_threshold(service, profile, models[:tuning_seeds], bounds)
    runs: dict[str, list[RunResult]] = {}
    for make, policy_bounds in policies(service, profile, single):
        for seeded in models:
            policy = make()
            runs.setdefault(policy.name, []).append(run_policy(policy, service, profile, seeded, policy_bounds))
    return Comparison(service, profile, model, runs, fluid_task_minutes(profile, service.task_throughput), tuned)
