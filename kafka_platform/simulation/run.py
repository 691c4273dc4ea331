"""The two commands: ``kafka-platform simulate`` (one service, one profile) and ``kafka-platform bench`` (every
service of every stage against every shipped profile). Both read a synthesized cloud assembly and write a folder."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from kafka_platform.assembly import CloudAssembly
from kafka_platform.errors import ConfigurationError, Problem, show
from kafka_platform.simulation import profiles, report, sensitivity
from kafka_platform.simulation.compare import SEEDS, Comparison, compare
from kafka_platform.simulation.engine import ConsumerModel
from kafka_platform.simulation.service import SOURCE, SimulatedService, find_services


def seconds_range(text: str | float | tuple[float, float]) -> tuple[float, float] | None:
    """``"60"`` or ``60``: a fixed figure; ``"30-120"``: drawn between the two per event; None when unreadable."""
    if isinstance(text, tuple):
        return text
    if isinstance(text, (int, float)):
        return (float(text), float(text))
    low, _, high = str(text).partition("-")
    try:
        bounds = (float(low), float(high or low))
    except ValueError:
        return None
    return bounds if bounds[0] <= bounds[1] else None


@dataclass(frozen=True)
class ModelSettings:
    """The consumer model's timings, each a fixed figure or a range (``"30-120"``); the throughput comes from the
    service (or ``--throughput``); ``seeds`` runs of each policy."""

    startup_seconds: str | float | tuple[float, float] = ConsumerModel.startup_seconds
    rebalance_seconds: str | float | tuple[float, float] = ConsumerModel.rebalance_seconds
    publish_delay_seconds: str | float | tuple[float, float] = ConsumerModel.publish_delay_seconds
    seeds: int = SEEDS

    def model(self, service: SimulatedService) -> ConsumerModel:
        ranges = [seconds_range(v) for v in (self.startup_seconds, self.rebalance_seconds, self.publish_delay_seconds)]
        assert all(r is not None for r in ranges), "call problems() first"
        return ConsumerModel(service.task_throughput, *ranges)  # type: ignore[arg-type]

    def problems(self) -> list[Problem]:
        found = []
        for option, value in (("--startup-seconds", self.startup_seconds),
                              ("--rebalance-seconds", self.rebalance_seconds),
                              ("--publish-delay-seconds", self.publish_delay_seconds)):
            bounds = seconds_range(value)
            if bounds is None or not 0 <= bounds[0] <= bounds[1] <= 600:
                found.append(Problem(SOURCE, option, f"{show(value)} is not a time between 0 and 600 seconds; give "
                                                     "one figure (60) or a range drawn per event (30-120)"))
        if not 1 <= self.seeds <= 1000:
            found.append(Problem(SOURCE, "--seeds", f"{show(self.seeds)} is not between 1 and 1000 runs per policy"))
        return found


def start_time(text: str | None) -> datetime | None:
    """``--start``: an ISO date and time (UTC unless it names an offset), or None."""
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigurationError([Problem(SOURCE, "--start", f"{show(text)} is not a date and time; write e.g. "
                                                             "2026-12-31T07:00 (UTC) or 2026-12-31T07:00+01:00")]) \
            from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def load_profile(name: str | None, csv: str | None, service: SimulatedService,
                 start: datetime | None = None) -> profiles.LoadProfile:
    """A shipped profile scaled to the service's capacity, or a team's own CSV as written; ``start`` moves its clock
    (a CSV has none otherwise: its scheduled actions do not run)."""
    if csv is not None:
        loaded = profiles.from_csv(csv)
    else:
        name = name or "month-end"
        if name not in profiles.SHIPPED:
            raise ConfigurationError([Problem(SOURCE, "--profile", f"{show(name)} is not a shipped profile; use one "
                                              f"of {', '.join(profiles.SHIPPED)}, or --profile-csv FILE")])
        loaded = profiles.SHIPPED[name](service.capacity)
    return loaded if start is None else replace(loaded, start=start)


def simulate(directory: Path | str, *, service: str, stage: str | None, profile: str | None, csv: str | None,
             throughput: float | None, settings: ModelSettings, out: Path, start: str | None = None,
             plot: bool = True) -> str:
    """Replay one service's deployed scaling and the baselines; write the JSON (and the plot, unless ``plot`` is
    false or matplotlib is not installed: the table says so) to ``out``."""
    if problems := settings.problems():
        raise ConfigurationError(problems)
    found = find_services(CloudAssembly.open(directory), stage=stage, name=service, throughput=throughput)
    if len(found) > 1:
        raise ConfigurationError([Problem(SOURCE, "--stage", f"is needed: {show(service)} is deployed in "
                                          f"{', '.join(s.stage for s in found)}; name one")])
    [target] = found
    comparison = compare(target, load_profile(profile, csv, target, start_time(start)), settings.model(target),
                         seeds=settings.seeds)
    stem = report.file_stem(comparison)
    report.write_json(out / f"{stem}.json", report.to_json([comparison], minutes=True))
    written = f"wrote {out / stem}.json"
    if plot:
        try:
            report.plot(comparison, out / f"{stem}.png")
            written = f"wrote {out / stem}.png and {out / stem}.json"
        except ConfigurationError:
            written += " (no plot: matplotlib is not installed; pip install 'cdk-kafka-platform[simulation]')"
    return "\n".join([report.detail_table(comparison), "", written])


def _compare(job: tuple[SimulatedService, str, ConsumerModel, int]) -> Comparison:
    target, name, model, seeds = job
    return compare(target, profiles.SHIPPED[name](target.capacity), model, seeds=seeds)


def bench(directory: Path | str, *, out: Path, stage: str | None = None, only: list[str] | None = None,
          settings: ModelSettings = ModelSettings(), sensitivity_stages: tuple[str, ...] = ("Prod", "Staging"),
          workers: int | None = None) -> str:
    """Every service of every stage (or one stage) against every shipped profile (or ``only`` those), with every
    baseline, over ``settings.seeds`` seeds; then how far each modelling assumption moves the deployed policies of
    ``sensitivity_stages``' services (``sensitivity.py``), a table per stage. Comparisons run in ``workers``
    processes (default: one per core)."""
    unknown = [name for name in only or [] if name not in profiles.SHIPPED]
    if unknown:
        raise ConfigurationError([Problem("kafka-platform bench", "--profile", f"{show(name)} is not a shipped "
                                          f"profile; use {', '.join(profiles.SHIPPED)}") for name in unknown])
    out.mkdir(parents=True, exist_ok=True)
    targets = find_services(CloudAssembly.open(directory), stage=stage)
    jobs = [(target, name, settings.model(target), settings.seeds) for target in targets
            for name in profiles.SHIPPED if not only or name in only]
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        comparisons = list(pool.map(_compare, jobs))
    for comparison in comparisons:
        report.plot(comparison, out / "plots" / f"{report.file_stem(comparison)}.png")
    table = report.bench_table(comparisons)
    (out / "table.md").write_text(table + "\n")
    report.write_json(out / "results.json", report.to_json(comparisons))
    written = [f"wrote {out / 'table.md'}, {out / 'results.json'} and {len(comparisons)} plots in {out / 'plots'}"]
    tables, rows = [], []
    for measured_stage in sensitivity_stages:
        measured = [t for t in targets if t.stage == measured_stage]
        if not measured:
            continue
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            found = [row for result in pool.map(sensitivity.measure_one, measured) for row in result]
        modes = ", ".join(sorted({t.mode for t in measured}))
        tables.append(f"{measured_stage} ({modes}; {', '.join(sensitivity.PROFILES)}; {sensitivity.SEEDS} seeds)\n\n"
                      + sensitivity.table(found))
        rows += [{"stage": measured_stage, **row} for row in sensitivity.to_json(found)]
    if tables:
        (out / "sensitivity.md").write_text("\n\n".join(tables) + "\n")
        report.write_json(out / "sensitivity.json", {"rows": rows})
        written.append(f"wrote {out / 'sensitivity.md'} ({', '.join(s for s in sensitivity_stages)})")
    return "\n".join([table, "", *written])
