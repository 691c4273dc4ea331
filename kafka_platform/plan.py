"""``kafka-platform plan``: what deploying an environment would do, read offline from the synthesized assembly.

Each stack's last approved template is its snapshot (``APPROVED``: one file per CloudFormation stack,
``test_every_stack_matches_its_approved_template[<stack>].json``, written by ``pytest --snapshot-update`` and
reviewed as a diff). The plan compares the assembly's stacks of one environment, and of its standby, with them:

* per stack, the resources added, changed, replaced and removed (``change_safety`` decides replacements from the
  CloudFormation registry's create-only properties, across stacks);
* the updates the service would refuse (``change_safety.REFUSED_UPDATES``): those must be undone;
* the stateful replacements and removals, each with the ``acknowledged_replacements`` entry to paste into the
  environment file if it is meant.

It needs no AWS account and no CDK CLI: a few seconds after ``make synth``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Sequence

from kafka_platform.assembly import CloudAssembly, SynthesizedStack
from kafka_platform.change_safety import (RiskyChange, VersionChange, refused_updates, replacements,
                                          review_kafka_versions, risky_changes)
from kafka_platform.domain import kafka_versions
from kafka_platform.errors import ConfigurationError, Problem

#: Where the approved templates live in this repository (the CLI names the same folder).
APPROVED = Path("tests/stacks/__snapshots__/test_snapshots")
_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def normalise(value: Any) -> Any:
    """A template as it is approved: asset hashes (which change with any Lambda or image edit) replaced."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        return _HASH.sub("<asset-hash>", value)
    return value


def approved_path(directory: Path, stack_name: str) -> Path:
    return directory / f"test_every_stack_matches_its_approved_template[{stack_name}].json"


def approved_templates(directory: Path, stack_names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The approved template of each stack that has one (a stack without is new)."""
    found = {}
    for name in stack_names:
        path = approved_path(directory, name)
        if path.exists():
            found[name] = json.loads(path.read_text())
    return found


@dataclass
class StackPlan:
    stack: str
    approved: bool
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class Plan:
    environment: str
    stacks: list[StackPlan]
    refused: list[RiskyChange]
    #: Stateful replacements and removals nobody acknowledged, with the stack's construct id for the entry.
    unacknowledged: list[tuple[RiskyChange, str]]
    acknowledged: list[RiskyChange]
    #: What the operators must know about the clusters' Kafka versions (ZooKeeper mode, end of support).
    warnings: list[str] = field(default_factory=list)
    #: Offered Kafka version upgrades, and the order to carry them out in.
    upgrades: list[VersionChange] = field(default_factory=list)
    upgrade_steps: list[str] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        return bool(self.refused or self.unacknowledged)


def plan_environment(stacks: Sequence[SynthesizedStack], approved_directory: Path, environment: str,
                     acknowledged: Iterable[tuple[str, str]] = (), clients: Iterable[str] = (),
                     today: date | None = None) -> Plan:
    """The plan for ``stacks`` (an environment's, its standby's included) against their approved templates.
    ``acknowledged``: ``(stack name, logical id)`` of the replacements the environment files acknowledge;
    ``clients``: the Kafka clients an upgrade's steps name (services, Connect)."""
    proposed = {s.stack_name: normalise(s.template) for s in stacks}
    approved = approved_templates(approved_directory, proposed)
    replaced = replacements(approved, proposed)
    plans = []
    for name, template in proposed.items():
        before = approved.get(name, {}).get("Resources", {})
        after = template.get("Resources", {})
        plan = StackPlan(name, name in approved, added=sorted(set(after) - set(before)),
                         removed=sorted(set(before) - set(after)))
        for logical_id in sorted(set(before) & set(after)):
            if (name, logical_id) in replaced:
                plan.replaced.append(logical_id)
            elif before[logical_id] != after[logical_id]:
                plan.changed.append(logical_id)
        plans.append(plan)
    wanted = set(acknowledged)
    risky = risky_changes(approved, proposed)
    construct_ids = {s.stack_name: s.name.split("/", 1)[-1] for s in stacks}
    versions = review_kafka_versions(approved, proposed, today, replaced=replaced)
    steps: list[str] = []
    if versions.upgrades:
        first = versions.upgrades[0]
        standby = any(s.stage.endswith("Dr") and any(u.stack == s.stack_name for u in versions.upgrades)
                      for s in stacks)
        steps = kafka_versions.upgrade_steps(first.before, first.after, standby=standby, clients=clients)
    return Plan(environment, plans, refused_updates(approved, proposed, today) + versions.refused,
                [(c, construct_ids[c.stack]) for c in risky if (c.stack, c.logical_id) not in wanted],
                [c for c in risky if (c.stack, c.logical_id) in wanted], versions.warnings, versions.upgrades, steps)


def render(plan: Plan) -> str:
    lines = [f"Plan for {plan.environment} (against the approved templates):"]
    for stack in plan.stacks:
        if not stack.approved:
            lines.append(f"  {stack.stack}: new stack, {len(stack.added)} resources added")
            continue
        counts = [f"{len(getattr(stack, kind))} {kind}" for kind in ("added", "changed", "replaced", "removed")
                  if getattr(stack, kind)]
        lines.append(f"  {stack.stack}: {', '.join(counts) if counts else 'no change'}")
        for kind in ("added", "changed", "replaced", "removed"):
            for logical_id in getattr(stack, kind):
                lines.append(f"    {kind[0].upper() if kind != 'replaced' else 'R'} {logical_id}"
                             + (" (replaced)" if kind == "replaced" else ""))
    if plan.refused:
        lines += ["", "Refused by AWS (undo these changes; the deployment would fail):"]
        lines += [f"  {change}" for change in plan.refused]
    if plan.unacknowledged:
        lines += ["", "Stateful resources replaced or removed, not acknowledged (data would be lost). If it is meant, "
                      "add to the environment file:", "", "acknowledged_replacements:"]
        for change, construct_id in plan.unacknowledged:
            lines += [f"  # {change}", f"  - stack: {construct_id}", f"    logical_id: {change.logical_id}",
                      "    reason: <why losing what it holds is acceptable>"]
    if plan.acknowledged:
        lines += ["", "Acknowledged replacements (as the environment file says):"]
        lines += [f"  {change}" for change in plan.acknowledged]
    if plan.upgrades:
        lines += ["", "Kafka version upgrades (MSK offers them; carry them out in this order):"]
        lines += [f"  {u.stack}: cluster {u.cluster_name}: {u.before} to {u.after}" for u in plan.upgrades]
        lines += [f"  {n}. {step}" for n, step in enumerate(plan.upgrade_steps, 1)]
    if plan.warnings:
        lines += ["", "Warnings (the deployment is not refused):"]
        lines += [f"  {warning}" for warning in plan.warnings]
    lines += ["", "Needs attention: " + ("yes" if plan.needs_attention else "no")]
    return "\n".join(lines)


def environment_stacks(assembly: CloudAssembly, environment: str) -> list[SynthesizedStack]:
    """The stacks of environment ``prod`` (stage ``Prod``) and of its standby (``ProdDr``)."""
    stage = assembly.stage_named(environment, hint=f"run make synth ENVIRONMENTS={environment}")
    if stage.endswith("Dr"):
        raise ConfigurationError([Problem(str(assembly.directory), "", f"{environment!r} is a standby; plan its "
                                          f"primary ({stage.removesuffix('Dr').lower()}), which includes it")])
    return [s for s in assembly.stacks() if s.stage in (stage, f"{stage}Dr")]


def acknowledged_replacements(environments: Iterable[Any]) -> set[tuple[str, str]]:
    """``(stack name, logical id)`` of every acknowledgment of these environments (``config.model.Environment``)."""
    return {(f"{e.stage_name}{'Dr' if a.standby else ''}-{a.stack}", a.logical_id)
            for e in environments for a in e.acknowledged_replacements}
