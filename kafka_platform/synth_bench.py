"""What synthesis costs (``make bench-synth``): wall time and peak memory of ``cdk synth``, as ratios to a floor.

Every case runs the same pinned CDK CLI with the same Node, side by side in one run, repeated and interleaved so
that a slow minute of the machine falls on every case alike:

* **floor**: a Python CDK app with one stack and one resource (jsii, Node and the CLI starting, nothing else);
* **shipped**: the shipped environments, the compliance packs and the quota gate on, as ``make synth`` runs them;
* **scale N**: the shipped environments with N consumer services and N connectors each
  (``kafka_platform.scale_reference``), for N = 20, 40, 80.

Peak memory is the largest sum of resident memory over the process tree (CLI, Python app, jsii's Node), sampled
every 50 ms. Figures are medians over the repeats.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from kafka_platform.scale_reference import write_scale_reference

_FLOOR_APP = """\
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_sns as sns

app = App()
stack = Stack(app, "Floor", env=Environment(account="111111111111", region="eu-west-2"))
sns.Topic(stack, "Topic")
app.synth()
"""


@dataclass(frozen=True)
class Case:
    name: str
    app: str  # the --app command
    context: tuple[str, ...] = ()
    units: int = 0  # services plus connectors over all environments (0 for the floor)


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_mib: float


def _tree_rss_kib(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as statm:
                pages = int(statm.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_case(cdk: Sequence[str], case: Case, cwd: Path, outdir: Path, env: dict[str, str]) -> Measure:
    command = [*cdk, "synth", "--quiet", "--no-notices", "--no-lookups", "--app", case.app, "--output", str(outdir),
               *[arg for pair in case.context for arg in ("--context", pair)]]
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kib(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{case.name}: cdk synth failed:\n{stderr[-3000:]}")
    return Measure(seconds, peak / 1024)


def cases(root: Path, work: Path, scales: Sequence[int]) -> list[Case]:
    python = sys.executable
    (work / "floor.py").write_text(_FLOOR_APP)
    shipped = root / "environments"
    found = [Case("floor", f"{python} {work / 'floor.py'}"),
             Case("shipped", f"{python} app.py", (f"environments_dir={shipped}",))]
    for count in scales:
        folder = write_scale_reference(shipped, work / f"scale-{count}", count)
        environments = len(list(folder.glob("*.yaml")))
        found.append(Case(f"scale {count}", f"{python} app.py", (f"environments_dir={folder}",),
                          units=2 * count * environments))
    return found


def bench(root: Path, cdk: Sequence[str], out: Path, repeats: int = 3, scales: Sequence[int] = (20, 40, 80)) -> str:
    env = {**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true"}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        plan = cases(root, work, scales)
        results: dict[str, list[Measure]] = {case.name: [] for case in plan}
        for repeat in range(repeats):
            for case in plan:
                results[case.name].append(run_case(cdk, case, root, work / f"out-{repeat}-{case.name}", env))
    rows = {name: Measure(statistics.median(m.seconds for m in runs), statistics.median(m.peak_mib for m in runs))
            for name, runs in results.items()}
    floor = rows["floor"]
    lines = ["| case | services + connectors | wall time (s) | × floor | peak memory (MiB) | × floor |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for case in plan:
        row = rows[case.name]
        lines.append(f"| {case.name} | {case.units} | {row.seconds:.1f} | {row.seconds / floor.seconds:.1f} | "
                     f"{row.peak_mib:.0f} | {row.peak_mib / floor.peak_mib:.1f} |")
    scaled = [(case.units, rows[case.name].seconds) for case in plan if case.units]
    if len(scaled) >= 2:
        (u0, s0), (u1, s1) = scaled[0], scaled[-1]
        per_unit = (s1 - s0) / (u1 - u0)
        lines.append("")
        lines.append(f"Marginal cost: {per_unit * 1000:.0f} ms per service or connector (from {u0} to {u1}); "
                     f"the model s = {s0 - per_unit * u0:.1f} + {per_unit:.3f}·n predicts "
                     + ", ".join(f"{u}: {s0 + per_unit * (u - u0):.1f} s (measured {s:.1f})" for u, s in scaled))
    lines.append(f"\n{repeats} interleaved repeats, medians; {os.cpu_count()} cores.")
    out.mkdir(parents=True, exist_ok=True)
    table = "\n".join(lines)
    (out / "table.md").write_text(table + "\n")
    (out / "results.json").write_text(json.dumps(
        {name: [{"seconds": m.seconds, "peak_mib": m.peak_mib} for m in runs] for name, runs in results.items()},
        indent=1))
    return table
