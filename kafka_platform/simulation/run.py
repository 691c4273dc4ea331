"""The two commands: ``kafka-platform simulate`` (one service, one profile) and ``kafka-platform bench`` (every
service of every stage against every shipped profile). Both read a synthesized cloud assembly and write a folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kafka_platform.assembly import CloudAssembly
from kafka_platform.errors import ConfigurationError, Problem, show
from kafka_platform.simulation import profiles, report
from kafka_platform.simulation.compare import Comparison, compare
from kafka_platform.simulation.engine import ConsumerModel
from kafka_platform.simulation.service import SOURCE, SimulatedService, find_services


@dataclass(frozen=True)
class ModelSettings:
    """The consumer model's timings; the throughput comes from the service (or ``--throughput``)."""

    startup_seconds: float = ConsumerModel.startup_seconds
    rebalance_seconds: float = ConsumerModel.rebalance_seconds
    publish_delay_seconds: float = ConsumerModel.publish_delay_seconds

    def model(self, service: SimulatedService) -> ConsumerModel:
        return ConsumerModel(service.task_throughput, self.startup_seconds, self.rebalance_seconds,
                             self.publish_delay_seconds)

    def problems(self) -> list[Problem]:
        found = []
        for option, value, low, high in (("--startup-seconds", self.startup_seconds, 0, 600),
                                         ("--rebalance-seconds", self.rebalance_seconds, 0, 600),
                                         ("--publish-delay-seconds", self.publish_delay_seconds, 0, 600)):
            if not low <= value <= high:
                found.append(Problem(SOURCE, option, f"{show(value)} is not between {low} and {high} seconds"))
        return found


def load_profile(name: str | None, csv: str | None, service: SimulatedService) -> profiles.LoadProfile:
    """A shipped profile scaled to the service's capacity, or a team's own CSV as written."""
    if csv is not None:
        return profiles.from_csv(csv)
    name = name or "month-end"
    if name not in profiles.SHIPPED:
        raise ConfigurationError([Problem(SOURCE, "--profile", f"{show(name)} is not a shipped profile; use one of "
                                          f"{', '.join(profiles.SHIPPED)}, or --profile-csv FILE")])
    return profiles.SHIPPED[name](service.capacity)


def simulate(directory: Path | str, *, service: str, stage: str | None, profile: str | None, csv: str | None,
             throughput: float | None, settings: ModelSettings, out: Path) -> str:
    """Replay one service's deployed scaling and the baselines; write the plot and JSON to ``out``."""
    if problems := settings.problems():
        raise ConfigurationError(problems)
    found = find_services(CloudAssembly.open(directory), stage=stage, name=service, throughput=throughput)
    if len(found) > 1:
        raise ConfigurationError([Problem(SOURCE, "--stage", f"is needed: {show(service)} is deployed in "
                                          f"{', '.join(s.stage for s in found)}; name one")])
    [target] = found
    comparison = compare(target, load_profile(profile, csv, target), settings.model(target))
    stem = report.file_stem(comparison)
    report.plot(comparison, out / f"{stem}.png")
    report.write_json(out / f"{stem}.json", report.to_json([comparison], minutes=True))
    return "\n".join([report.detail_table(comparison), "", f"wrote {out / stem}.png and {out / stem}.json"])


def bench(directory: Path | str, *, out: Path, stage: str | None = None, only: list[str] | None = None,
          settings: ModelSettings = ModelSettings()) -> str:
    """Every service of every stage (or one stage) against every shipped profile (or ``only`` those), with every
    baseline."""
    unknown = [name for name in only or [] if name not in profiles.SHIPPED]
    if unknown:
        raise ConfigurationError([Problem("kafka-platform bench", "--profile", f"{show(name)} is not a shipped "
                                          f"profile; use {', '.join(profiles.SHIPPED)}") for name in unknown])
    comparisons: list[Comparison] = []
    out.mkdir(parents=True, exist_ok=True)
    for target in find_services(CloudAssembly.open(directory), stage=stage):
        model = settings.model(target)
        for name, make_profile in profiles.SHIPPED.items():
            if only and name not in only:
                continue
            comparison = compare(target, make_profile(target.capacity), model)
            comparisons.append(comparison)
            report.plot(comparison, out / "plots" / f"{report.file_stem(comparison)}.png")
    table = report.bench_table(comparisons)
    (out / "table.md").write_text(table + "\n")
    report.write_json(out / "results.json", report.to_json(comparisons))
    return "\n".join([table, "", f"wrote {out / 'table.md'}, {out / 'results.json'} and "
                                 f"{len(comparisons)} plots in {out / 'plots'}"])
