"""What a simulation run leaves behind: a table for people, JSON for machines, a PNG plot per comparison.

The plot (matplotlib, Agg: no display needed) has three panels over the same minutes:

1. the lag (line) and the datapoints the alarms saw (dots: a gap is a rebalance), against the lag at which each
   alarm fires with the tasks running at that minute (threshold x running tasks): above the red line tasks are
   added, below the green one they are removed;
2. the worst delay of each minute (the age of the oldest message waiting) against the service's target;
3. the tasks started (running or starting: what Fargate bills), the tasks the oracle would run (the load divided
   by the per-task throughput), and the desired count the policy asked for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from kafka_platform.errors import ConfigurationError, Problem
from kafka_platform.simulation.compare import ORACLE, POLICY_NAMES, SCHEDULED_POLICIES, Comparison

SCALE_OUT_COLOUR = "#d62728"
SCALE_IN_COLOUR = "#2ca02c"
TASKS_COLOUR = "#1f77b4"


def title(comparison: Comparison) -> str:
    service = comparison.service
    return (f"{service.deployed.path} on {comparison.profile.name}: {service.partitions} partitions, "
            f"{service.task_throughput:g} messages/s per task, delay target {service.delay_target_seconds:g} s, "
            f"{service.mode}")


def detail_table(comparison: Comparison) -> str:
    """Every figure of every policy, one row each: medians and 90th percentiles over the seeds, and the run on the
    median seed (the one plotted) for the rest."""
    header = ("policy", "x oracle median / p90", "min > target median / p90", "x fluid bound", "task-min",
              "worst delay s", "max lag", "actions", "drain min")
    rows = []
    for name in POLICY_NAMES:
        run = comparison.runs[name]
        drain = run.drain_minutes
        ratio, above = comparison.task_minutes(name), comparison.minutes_above(name)
        rows.append((name, f"{ratio.median:.2f} / {ratio.p90:.2f}", f"{above.median:g} / {above.p90:g}",
                     f"{comparison.relative_task_minutes(name, bound='fluid'):.2f}", f"{run.task_minutes:,.0f}",
                     f"{run.worst_delay:,.0f}", f"{run.max_lag:,.0f}", str(run.actions),
                     "-" if drain is None else str(drain)))
    seeds = len(comparison.seeds[ORACLE])
    return "\n".join([title(comparison), _markdown([header, *rows]),
                      f"{seeds} seeds; single threshold tuned to {comparison.tuned}", _schedule_note(comparison)])


def _schedule_note(comparison: Comparison) -> str:
    """Which scheduled actions ran, or why none did."""
    actions = comparison.service.deployed.scheduled
    start = comparison.profile.start
    if not actions:
        return "no scheduled actions"
    if start is None:
        return (f"{len(actions)} scheduled actions not run: the profile has no clock (give --start, e.g. "
                "2026-12-31T07:00)")
    return (f"from {start.isoformat()}: scheduled actions {', '.join(a.name for a in actions)} "
            f"({', '.join(SCHEDULED_POLICIES)})")


def bench_table(comparisons: Iterable[Comparison]) -> str:
    """One row per service and profile; per policy: task-minutes relative to the oracle (median / p90 over the
    seeds) and minutes with the delay above the target (median / p90)."""
    policies = [name for name in POLICY_NAMES if name != ORACLE]
    header = ("stage", "service", "profile", "target s", "oracle / fluid", *policies)
    rows = []
    for comparison in comparisons:
        service = comparison.service
        cells = []
        for name in policies:
            ratio, above = comparison.task_minutes(name), comparison.minutes_above(name)
            cells.append(f"{ratio.median:.2f}/{ratio.p90:.2f}x {above.median:g}/{above.p90:g}m")
        rows.append((service.stage, service.name + {"steps": " (steps)", "target_tracking": " (tracking)"}.get(
                         service.mode, ""),
                     comparison.profile.name, f"{service.delay_target_seconds:g}",
                     f"{comparison.relative_task_minutes(ORACLE, bound='fluid'):.2f}", *cells))
    legend = ("Services scale on needed_tasks unless marked (steps) or (tracking). "
              "Each cell: task-minutes as a multiple of the oracle's, median/p90 over the seeds, then minutes with "
              "the delay above the target, median/p90. \"oracle / fluid\": the oracle's task-minutes as a multiple "
              "of the fluid bound's: what the partition count alone costs.")
    return "\n".join([_markdown([header, *rows]), "", legend])


def to_json(comparisons: Iterable[Comparison], *, minutes: bool = False) -> dict[str, Any]:
    """Figures per service, profile and policy; with ``minutes``, every policy's minute-by-minute records too (the
    median seed's run)."""
    out = []
    for comparison in comparisons:
        service, model = comparison.service, comparison.model
        entry = {
            "stage": service.stage, "service": service.name, "consumer_group": service.deployed.consumer_group,
            "profile": comparison.profile.name, "profile_description": comparison.profile.description,
            "mode": service.mode, "partitions": service.partitions, "min_tasks": service.deployed.min_capacity,
            "max_tasks": service.deployed.max_capacity, "delay_target_seconds": service.delay_target_seconds,
            "seeds": len(comparison.seeds[ORACLE]),
            "start": None if comparison.profile.start is None else comparison.profile.start.isoformat(),
            "scheduled_actions": [vars(a) for a in service.deployed.scheduled],
            "model": {"task_throughput": model.task_throughput, "startup_seconds": model.startup_seconds,
                      "rebalance_seconds": model.rebalance_seconds,
                      "publish_delay_seconds": model.publish_delay_seconds},
            "policies": comparison.figures(),
        }
        if minutes:
            entry["minutes"] = {name: [vars(record) for record in run.minutes]
                                for name, run in comparison.runs.items()}
        out.append(entry)
    return {"comparisons": out}


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n")


def plot(comparison: Comparison, path: Path) -> None:
    """The PNG described in the module docstring."""
    try:
        import matplotlib
    except ImportError:
        raise ConfigurationError([Problem("kafka-platform", "plots", "need matplotlib; install "
                                          "cdk-kafka-platform[simulation]")]) from None
    matplotlib.use("Agg")
    from matplotlib import pyplot

    run, oracle, service = comparison.platform, comparison.runs[ORACLE], comparison.service
    minutes = [r.minute for r in run.minutes]
    figure, (lag_axis, delay_axis, task_axis) = pyplot.subplots(3, 1, sharex=True, figsize=(11, 9),
                                                                 height_ratios=(3, 2, 2))
    figure.suptitle(title(comparison), fontsize=10)

    lag_axis.plot(minutes, [r.lag for r in run.minutes], color="black", linewidth=1, label="lag")
    seen = [(r.minute, r.datapoint) for r in run.minutes if r.datapoint is not None]
    lag_axis.scatter([m for m, _ in seen], [v for _, v in seen], s=4, color="grey", label="datapoint published")
    out_label = "scale-out at" if service.mode == "steps" else "target at"
    if service.mode != "needed_tasks":  # its alarms watch tasks needed, not a backlog threshold
        lag_axis.step(minutes, [service.scale_out_threshold * max(r.running, 1) for r in run.minutes],
                      where="post", color=SCALE_OUT_COLOUR, linestyle="--", linewidth=1,
                      label=f"{out_label} ({service.scale_out_threshold:g} per running task)")
    if service.scale_in_threshold is not None:
        lag_axis.step(minutes, [service.scale_in_threshold * max(r.running, 1) for r in run.minutes], where="post",
                      color=SCALE_IN_COLOUR, linestyle="--", linewidth=1,
                      label=f"scale-in at ({service.scale_in_threshold:g} per running task)")
    lag_axis.set_ylabel("messages")
    lag_axis.set_title("Lag" if service.mode == "needed_tasks" else "Lag against the alarm thresholds", fontsize=9,
                       loc="left")
    lag_axis.legend(fontsize=7, loc="upper right")

    delay_axis.plot(minutes, [r.delay for r in run.minutes], color="black", linewidth=1, label="worst delay")
    delay_axis.axhline(service.delay_target_seconds, color=SCALE_OUT_COLOUR, linestyle="--", linewidth=1,
                       label=f"target {service.delay_target_seconds:g} s")
    delay_axis.set_ylabel("seconds")
    delay_axis.set_title(f"Delay: {run.minutes_above_target} minutes above target, worst {run.worst_delay:,.0f} s",
                         fontsize=9, loc="left")
    delay_axis.legend(fontsize=7, loc="upper right")

    task_axis.step(minutes, [r.tasks for r in run.minutes], where="post", color=TASKS_COLOUR,
                   label="tasks started (billed)")
    task_axis.step(minutes, [r.desired for r in run.minutes], where="post", color=TASKS_COLOUR, linestyle=":",
                   linewidth=1, label="desired")
    task_axis.step(minutes, [r.tasks for r in oracle.minutes], where="post", color="grey", linewidth=1,
                   label="oracle (fewest tasks whose partitions carry the load)")
    task_axis.set_ylabel("tasks")
    task_axis.set_xlabel("minute")
    task_axis.set_title(f"Tasks: {run.task_minutes:,.0f} task-minutes, {run.task_minutes / oracle.task_minutes:.2f}"
                        f" x the oracle, {run.actions} scaling actions (the median seed's run)", fontsize=9,
                        loc="left")
    task_axis.legend(fontsize=7, loc="upper right")

    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def file_stem(comparison: Comparison) -> str:
    service = comparison.service
    return "-".join(part for part in (service.stage.lower(), service.name, comparison.profile.name) if part)


def _short(value: float) -> str:
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"


def _markdown(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)
