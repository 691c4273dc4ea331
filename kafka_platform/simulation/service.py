"""A consumer service as the simulator needs it, all of it read from what was synthesized.

The scaling comes from the templates' scalable target, policies and alarms (``kafka_platform.deployed_scaling``); the
partitions, the acceptable delay and the per-task throughput from the metadata ``KafkaConsumerService`` writes on
its scalable target. A service that declared no throughput needs one given (``--throughput``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kafka_platform.assembly import CloudAssembly
from kafka_platform.deployed_scaling import DeployedService, read_services
from kafka_platform.domain.lag_scaling import scale_out_backlog_for
from kafka_platform.domain.needed_tasks import even_count
from kafka_platform.errors import ConfigurationError, Problem, show

SOURCE = "kafka-platform simulate"


@dataclass(frozen=True)
class SimulatedService:
    deployed: DeployedService
    task_throughput: float

    @property
    def stage(self) -> str:
        return self.deployed.stage

    @property
    def name(self) -> str:
        return self.deployed.name

    @property
    def partitions(self) -> int:
        return self.deployed.partitions

    @property
    def delay_target_seconds(self) -> float:
        return self.deployed.max_delay_seconds

    @property
    def capacity(self) -> float:
        """Messages per second the partitions allow: every partition read by one task at full speed."""
        return self.partitions * self.task_throughput

    @property
    def mode(self) -> str:
        if self.deployed.needed_tasks is not None:
            return "needed_tasks"
        return "target_tracking" if self.deployed.target_tracking else "steps"

    @property
    def scale_out_threshold(self) -> float:
        """Backlog per running task at which the service adds tasks: its scale-out alarm's threshold, or the target
        tracking's target; for needed_tasks (which has none), what step scaling would derive (KEDA's lag threshold
        per replica)."""
        if self.deployed.needed_tasks is not None:
            return scale_out_backlog_for(self.task_throughput, int(self.delay_target_seconds))
        if self.deployed.scale_out is not None:
            return self.deployed.scale_out.alarms[0].threshold
        assert self.deployed.target_tracking is not None
        return self.deployed.target_tracking.target_value

    @property
    def scale_in_threshold(self) -> float | None:
        if self.deployed.needed_tasks is not None:
            return None
        return self.deployed.scale_in.alarms[0].threshold if self.deployed.scale_in is not None else None

    def without_schedule(self) -> "SimulatedService":
        """The same service with no scheduled action: what its scaling does alone."""
        return SimulatedService(replace(self.deployed, scheduled=()), self.task_throughput)

    def tasks_for(self, rate: float) -> int:
        """Tasks that keep up with ``rate``: the fewest whose even partition spread carries it (the busiest consumers
        set the pace), at least one, at most one per partition."""
        return max(1, even_count(rate / self.task_throughput, self.partitions))


def find_services(assembly: CloudAssembly, *, stage: str | None = None, name: str | None = None,
                  throughput: float | None = None) -> list[SimulatedService]:
    """The lag-scaled services in ``assembly`` (one stage's, or one by name), each with its per-task throughput."""
    deployed = [s for s in read_services(assembly, stage) if name is None or s.name == name]
    if not deployed:
        known = sorted(s.path for s in read_services(assembly))
        what = f"{show(name)} is not" if name else "there is no"
        where = f" in stage {show(stage)}" if stage else ""
        raise ConfigurationError([Problem(SOURCE, "--service" if name else "--stage",
                                          f"{what} a lag-scaled consumer service{where} of {assembly.directory}; "
                                          f"known: {', '.join(known) or 'none (run make synth first)'}")])
    found, problems = [], []
    for service in deployed:
        if throughput is not None and throughput <= 0:
            problems.append(Problem(SOURCE, "--throughput", f"{show(throughput)} is not a throughput; give the "
                                                            "messages one task processes per second, above 0"))
            break
        rate = throughput if throughput is not None else service.task_throughput
        if rate is None:
            problems.append(Problem(SOURCE, "--throughput", f"is missing: {service.name} declares no "
                                                            "task_throughput_messages_per_second; give the messages "
                                                            "one task processes per second"))
            continue
        found.append(SimulatedService(service, rate))
    if problems:
        raise ConfigurationError(problems)
    return found
