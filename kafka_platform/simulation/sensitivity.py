"""How much each modelling assumption moves the result: the deployed policy and the oracle, run on the faithful model
and on the model with one assumption changed, side by side on the same seeds (``make bench`` writes the table to
``bench/sensitivity.md``; docs/benchmarks/scaling.md quotes it).

Each variant changes one thing: in ``ConsumerModel`` (``engine.py`` says where each default comes from; ``lockstep``
changes them all back to the model the simulator had before: fixed timings on the minute, capacity ``min(C, P) * R``,
no evaluation range, missing math values left missing), the profile's clock (the surge against the month-end
schedule: ``profiles.py`` *infers* 09:00), or the service's scheduled actions (none).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Callable, Iterable

from kafka_platform.simulation import profiles
from kafka_platform.simulation.compare import percentile, run_policy
from kafka_platform.simulation.engine import ConsumerModel, RunResult
from kafka_platform.simulation.policies import DeployedPolicy, Oracle
from kafka_platform.simulation.service import SimulatedService

SEEDS = 10
PROFILES = ("month-end", "noisy-month-end", "consumer-crash")

@dataclass(frozen=True)
class Variant:
    """One assumption changed: the consumer model, the profile (its clock), or the service's scheduled actions."""

    description: str
    model: Callable[[ConsumerModel], ConsumerModel] = lambda m: m
    profile: Callable[[profiles.LoadProfile], profiles.LoadProfile] = lambda p: p
    scheduled: bool = True


def _shifted(minutes: int) -> Callable[[profiles.LoadProfile], profiles.LoadProfile]:
    """The same load ``minutes`` later on the clock (earlier when negative): the surge against the schedule."""
    def shift(profile: profiles.LoadProfile) -> profiles.LoadProfile:
        return profile if profile.start is None else replace(profile, start=profile.start + timedelta(minutes=minutes))
    return shift


VARIANTS: dict[str, Variant] = {
    "faithful": Variant("the defaults (engine.py)"),
    "capacity-min-c-p": Variant("capacity min(C, P) x R instead of the busiest consumer's pace",
                                model=lambda m: replace(m, per_partition=False)),
    "publish-60": Variant("publication delay 60 s (instead of 60-150)",
                          model=lambda m: replace(m, publish_delay_seconds=60.0)),
    "publish-150": Variant("publication delay 150 s", model=lambda m: replace(m, publish_delay_seconds=150.0)),
    "startup-40": Variant("task start-up 40 s (instead of 30-120)", model=lambda m: replace(m, startup_seconds=40.0)),
    "startup-120": Variant("task start-up 120 s", model=lambda m: replace(m, startup_seconds=120.0)),
    "rebalance-15": Variant("rebalance 15 s (instead of 5-45, growing with the group)",
                            model=lambda m: replace(m, rebalance_seconds=15.0)),
    "rebalance-45": Variant("rebalance 45 s whatever the group",
                            model=lambda m: replace(m, rebalance_seconds=(45.0, 45.0))),
    "phases-aligned": Variant("samples and decisions on the minute",
                              model=lambda m: replace(m, sample_phase_seconds=0, decision_phase_seconds=0)),
    "range-0": Variant("no evaluation range (only the alarm's own periods)",
                       model=lambda m: replace(m, evaluation_range_extra=0)),
    "range-5": Variant("an evaluation range 5 periods wider", model=lambda m: replace(m, evaluation_range_extra=5)),
    "math-missing": Variant("metric math leaves a missing value missing (instead of 0)",
                            model=lambda m: replace(m, math_missing_as_zero=False)),
    "lockstep": Variant("all of the above back to the previous model",
                        model=lambda m: ConsumerModel.lockstep(m.task_throughput)),
    "surge-0830": Variant("the month-end surge at 08:30, before the 08:50 pre-warm (the clock 30 minutes earlier)",
                          profile=_shifted(-30)),
    "surge-1000": Variant("the month-end surge at 10:00, an hour after the schedule expects it", profile=_shifted(60)),
    "no-schedule": Variant("no scheduled action (the month-end pre-warm removed)", scheduled=False),
}


@dataclass(frozen=True)
class Row:
    variant: str
    service: str
    profile: str
    ratio_median: float
    above_median: float
    above_p90: float


def _runs(service: SimulatedService, profile: profiles.LoadProfile, model: ConsumerModel, seeds: int
          ) -> tuple[list[RunResult], list[RunResult]]:
    """The deployed policy and the oracle on the same ``seeds``."""
    deployed = (service.deployed.min_capacity, service.deployed.max_capacity)
    seeded = [model.with_seed(seed) for seed in range(seeds)]
    return ([run_policy(DeployedPolicy(service.deployed), service, profile, m, deployed) for m in seeded],
            [run_policy(Oracle(), service, profile, m, (0, service.partitions)) for m in seeded])


def measure(services: Iterable[SimulatedService], *, profile_names: Iterable[str] = PROFILES,
            seeds: int = SEEDS) -> list[Row]:
    return [row for service in services for row in measure_one(service, profile_names=profile_names, seeds=seeds)]


def measure_one(service: SimulatedService, *, profile_names: Iterable[str] = PROFILES, seeds: int = SEEDS
                ) -> list[Row]:
    rows = []
    for name in profile_names:
        profile = profiles.SHIPPED[name](service.capacity)
        for variant, change in VARIANTS.items():
            measured = service if change.scheduled else service.without_schedule()
            platform, oracle = _runs(measured, change.profile(profile),
                                     change.model(ConsumerModel(service.task_throughput)), seeds)
            ratios = [p.task_minutes / o.task_minutes for p, o in zip(platform, oracle)]
            above = [float(p.minutes_above_target) for p in platform]
            rows.append(Row(variant, service.name, name, statistics.median(ratios), statistics.median(above),
                            percentile(above, 0.9)))
    return rows


def table(rows: list[Row]) -> str:
    """Per variant, over every service and profile measured: the median task-minutes ratio to the oracle (the
    median over services and profiles of each one's median), its change against the faithful model, and per profile
    the worst p90 of minutes above the target over the services."""
    by_variant: dict[str, list[Row]] = {}
    for row in rows:
        by_variant.setdefault(row.variant, []).append(row)
    names = list(dict.fromkeys(row.profile for row in rows))
    base = statistics.median(r.ratio_median for r in by_variant["faithful"])
    lines = ["| assumption changed | x oracle (median) | change | " + " | ".join(
                 f"{name}: worst p90 minutes" for name in names) + " |",
             "|---|---|---|" + "---|" * len(names)]
    for variant, found in by_variant.items():
        ratio = statistics.median(r.ratio_median for r in found)
        worst = [f"{max(r.above_p90 for r in found if r.profile == name):g}" for name in names]
        lines.append(f"| {variant}: {VARIANTS[variant].description} | {ratio:.3f} | {ratio - base:+.3f} | "
                     + " | ".join(worst) + " |")
    return "\n".join(lines)


def to_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [vars(row) for row in rows]
