"""`make mutate`'s report: the mutation score of each module that carries the README's promises, and every mutant
that survived, with its diff, unless tests/mutation/equivalent.txt explains why no test can tell it apart.

Run from the repository after ``mutmut run`` (it reads ``mutants/``). Writes ``bench/mutation/report.md`` and
``report.json``; exits 1 when a module scores under the goal.

The score of a module is killed / (mutants checked - equivalent): a surviving mutant and one that no selected test
reaches ("no tests") both count against it. A timeout counts as killed (the mutant made a test hang). Mutants of an
interrupted run ("not checked") are counted apart, and a module with any of them is reported as incomplete.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[2]
GOAL = 0.85
#: The modules the issue names, as path prefixes under kafka_platform/.
MODULES = ("domain/", "config/", "gates/rules/", "lambda/", "simulation/autoscaling.py", "simulation/cloudwatch.py")
DETECTED = {"killed", "timeout", "caught by type check", "segfault"}


def equivalents() -> dict[str, str]:
    """``mutant name: reason`` lines: mutants no test can tell apart from the original, each with why."""
    found = {}
    for line in (ROOT / "tests" / "mutation" / "equivalent.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, reason = line.split(":", 1)
            found[name.strip()] = reason.strip()
    return found


def module_of(source: Path) -> str | None:
    relative = source.relative_to(ROOT / "mutants" / "kafka_platform").as_posix()
    return next((m for m in MODULES if relative.startswith(m)), None)


def main() -> int:
    os.chdir(ROOT)
    explained = equivalents()
    statuses: dict[str, Counter[str]] = {m: Counter() for m in MODULES}
    survivors: dict[str, list[dict[str, str]]] = {m: [] for m in MODULES}
    for meta in sorted((ROOT / "mutants" / "kafka_platform").rglob("*.py.meta")):
        source = meta.with_suffix("")
        module = module_of(source)
        if module is None:
            continue
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            status = status_by_exit_code[code]
            if status not in DETECTED and name in explained:
                status = "equivalent"
            statuses[module][status] += 1
            if status not in DETECTED and status not in ("equivalent", "not checked"):
                # mutmut reads the mutated copy under mutants/ by the source's path relative to the repository.
                relative = source.relative_to(ROOT / "mutants")
                survivors[module].append({"mutant": name, "status": status,
                                          "diff": get_diff_for_mutant(name, path=relative)})
    rows, failing = [], []
    for module in MODULES:
        counts = statuses[module]
        total = sum(counts.values()) - counts["equivalent"] - counts["not checked"]
        killed = sum(counts[s] for s in DETECTED)
        score = killed / total if total else 1.0
        rows.append({"module": module, "mutants": sum(counts.values()), "killed": killed,
                     "survived": counts["survived"], "no_tests": counts["no tests"],
                     "equivalent": counts["equivalent"], "not_checked": counts["not checked"],
                     "score": round(score, 4)})
        if score < GOAL or counts["not checked"]:
            failing.append(module)
    stale = sorted(set(explained) - {s["mutant"] for m in survivors.values() for s in m}
                   - {n for meta in (ROOT / "mutants").rglob("*.py.meta")
                      for n, c in json.loads(meta.read_text())["exit_code_by_key"].items()
                      if status_by_exit_code[c] not in DETECTED})
    out = ROOT / "bench" / "mutation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps({"goal": GOAL, "modules": rows, "survivors": survivors,
                                                 "stale_equivalents": stale}, indent=2))
    lines = ["# Mutation score per module (`make mutate`)", "",
             f"Goal: at least {GOAL:.0%} of mutants killed in each module; equivalent mutants are listed, with their "
             "reasons, in tests/mutation/equivalent.txt.", "",
             "| module | mutants | killed | survived | no tests | equivalent | not checked | score |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| `{r['module']}` | {r['mutants']} | {r['killed']} | {r['survived']} | {r['no_tests']} | "
              f"{r['equivalent']} | {r['not_checked']} | {r['score']:.1%} |" for r in rows]
    for module in MODULES:
        if survivors[module]:
            lines += ["", f"## Survivors in `{module}` ({len(survivors[module])})", ""]
            for survivor in survivors[module]:
                lines += [f"### `{survivor['mutant']}` ({survivor['status']})", "", "```diff",
                          survivor["diff"].strip(), "```", ""]
    if stale:
        lines += ["", "## Listed as equivalent but now killed (remove them)", ""] + [f"- `{n}`" for n in stale]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    for r in rows:
        checked = r["mutants"] - r["equivalent"] - r["not_checked"]
        print(f"mutate: {r['module']:<28} {r['score']:6.1%}  ({r['killed']} of {checked} killed; {r['survived']} "
              f"survived, {r['no_tests']} reached by no test, {r['equivalent']} equivalent"
              + (f"; {r['not_checked']} not checked: incomplete run" if r["not_checked"] else "") + ")")
    print(f"mutate: report in {out.relative_to(ROOT)}/report.md")
    if failing:
        print(f"mutate: under {GOAL:.0%} or incomplete: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
