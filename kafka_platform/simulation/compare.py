"""One service against one load profile: the deployed policy and every baseline, side by side in one run.

Each policy gets the bounds it would have in practice:

* ``platform`` (what the templates deploy) and the two reactive baselines: the scalable target's min and max;
* ``static-peak`` / ``static-mean``: the tasks that carry the profile's peak / mean rate, from 1 to the partitions;
* ``oracle``: from 0 to the partitions, tasks ready at once, no rebalance.

The reactive baselines get the platform's own number, so that only the mechanism differs: the single-threshold
policy adds or removes one task around an absolute lag of one scale-out threshold; KEDA's lag target per replica is
the scale-out backlog per task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kafka_platform.simulation.engine import ConsumerModel, Policy, RunResult, simulate
from kafka_platform.simulation.policies import DeployedPolicy, KedaProportional, Oracle, SingleThreshold, StaticCapacity
from kafka_platform.simulation.profiles import LoadProfile
from kafka_platform.simulation.service import SimulatedService

PLATFORM = "platform"
ORACLE = "oracle"
POLICY_NAMES = (PLATFORM, "single-threshold", "keda", "static-peak", "static-mean", ORACLE)


@dataclass(frozen=True)
class Comparison:
    service: SimulatedService
    profile: LoadProfile
    model: ConsumerModel
    runs: dict[str, RunResult]

    @property
    def platform(self) -> RunResult:
        return self.runs[PLATFORM]

    def relative_task_minutes(self, policy: str) -> float:
        """Task-minutes as a multiple of the oracle's."""
        return self.runs[policy].task_minutes / self.runs[ORACLE].task_minutes

    def figures(self) -> dict[str, dict[str, Any]]:
        return {name: {**run.figures(), "task_minutes_vs_oracle": round(self.relative_task_minutes(name), 3)}
                for name, run in self.runs.items()}


def policies(service: SimulatedService, profile: LoadProfile) -> list[tuple[Policy, int, int]]:
    """Every policy with its (min, max) tasks."""
    deployed = service.deployed
    bounds = (deployed.min_capacity, deployed.max_capacity)
    return [
        (DeployedPolicy(deployed), *bounds),
        (SingleThreshold(service.scale_out_threshold), *bounds),
        (KedaProportional(service.scale_out_threshold), *bounds),
        (StaticCapacity("static-peak", service.tasks_for(profile.peak)), 1, service.partitions),
        (StaticCapacity("static-mean", service.tasks_for(profile.mean)), 1, service.partitions),
        (Oracle(), 0, service.partitions),
    ]


def compare(service: SimulatedService, profile: LoadProfile, model: ConsumerModel | None = None) -> Comparison:
    model = model or ConsumerModel(service.task_throughput)
    runs = {}
    for policy, min_tasks, max_tasks in policies(service, profile):
        runs[policy.name] = simulate(policy, profile, model, partitions=service.partitions, min_tasks=min_tasks,
                                     max_tasks=max_tasks, delay_target=service.delay_target_seconds)
    return Comparison(service, profile, model, runs)
