"""Would a deployment replace or delete what holds data? Decided from the templates, offline.

CloudFormation replaces a resource when a create-only property changes (the registry schemas list them under
``createOnlyProperties``; cfn-lint ships the schemas), when its type changes, and deletes it when its logical id
disappears. A replaced MSK cluster or topic loses its data. ``risky_changes`` compares the approved templates of an
environment (the snapshots) with the proposed ones and reports every stateful resource that would be replaced or
removed, including through a reference: a cluster whose security group is replaced is replaced too, because its
create-only ``SecurityGroups`` then changes at deploy time. ``cdk diff --template`` reads an older specification
and misses such cases (aws-facts.md section 17).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Iterator, Mapping

# What holds data, or guards it: losing one of these loses data or the means to read it.
STATEFUL_TYPES = frozenset({"AWS::MSK::Cluster", "AWS::MSK::Topic", "AWS::MSK::Replicator", "AWS::KMS::Key",
                            "AWS::Logs::LogGroup", "AWS::SecretsManager::Secret"})
Templates = Mapping[str, Mapping[str, Any]]  # CloudFormation stack name -> template


@dataclass(frozen=True)
class RiskyChange:
    stack: str
    logical_id: str
    resource_type: str
    path: str
    kind: str  # "replaced" or "removed"
    because: str

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.stack}/{self.logical_id}{where}: {self.resource_type} would be {self.kind}: {self.because}"


@functools.cache
def create_only_properties(resource_type: str) -> tuple[str, ...]:
    """The create-only property paths (``/properties/A/B``, ``*`` for any list item) from cfn-lint's schemas."""
    schemas = resources.files("cfnlint.data.schemas")
    providers = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    if resource_type not in providers:
        return ()
    schema = json.loads((schemas / "resources" / f"{providers[resource_type]}.json").read_text())
    return tuple(schema.get("createOnlyProperties", ()))


def _values(node: Any, parts: list[str]) -> Iterator[tuple[str, Any]]:
    """The values at a schema path, with the concrete path of each (``*`` expanded over list items)."""
    if not parts:
        yield "", node
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        for index, item in enumerate(node if isinstance(node, list) else []):
            for path, value in _values(item, rest):
                yield f"/{index}{path}", value
    elif isinstance(node, dict) and head in node:
        for path, value in _values(node[head], rest):
            yield f"/{head}{path}", value
    else:
        yield f"/{head}", None


def _references(value: Any) -> Iterator[tuple[str | None, str]]:
    """``(stack or None for this one, logical id or output name)`` of each reference inside ``value``."""
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str) and not value["Ref"].startswith("AWS::"):
            yield None, value["Ref"]
        elif "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            yield None, target[0] if isinstance(target, list) else str(target).split(".")[0]
        elif "Fn::GetStackOutput" in value:
            yield value["Fn::GetStackOutput"]["StackName"], value["Fn::GetStackOutput"]["OutputName"]
        else:
            for item in value.values():
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _changed_create_only(approved: Mapping[str, Any], proposed: Mapping[str, Any]) -> list[str]:
    changed = []
    for path in create_only_properties(approved["Type"]):
        parts = path.removeprefix("/properties/").split("/")
        before = dict(_values(approved.get("Properties", {}), parts))
        after = dict(_values(proposed.get("Properties", {}), parts))
        for concrete in sorted(set(before) | set(after)):
            if before.get(concrete) != after.get(concrete):
                changed.append(concrete.lstrip("/"))
    return changed


def risky_changes(approved: Templates, proposed: Templates) -> list[RiskyChange]:
    """Every stateful resource of ``approved`` that ``proposed`` would replace or remove. Both map the stack names of
    one environment to their templates; a stack missing from ``approved`` is new and risks nothing."""
    replaced: dict[tuple[str, str], str] = {}  # every resource, stateful or not, that would be replaced, and why
    for stack, before in approved.items():
        after = proposed.get(stack, {}).get("Resources", {})
        for logical_id, resource in before.get("Resources", {}).items():
            if logical_id not in after:
                continue
            if after[logical_id]["Type"] != resource["Type"]:
                replaced[(stack, logical_id)] = f"its type changes to {after[logical_id]['Type']}"
            elif changed := _changed_create_only(resource, after[logical_id]):
                replaced[(stack, logical_id)] = f"create-only {', '.join(changed)} changes"
    # A create-only property that refers to a replaced resource changes at deploy time: replacement spreads.
    outputs = {(stack, name): list(_references(output.get("Value")))
               for stack, template in proposed.items() for name, output in template.get("Outputs", {}).items()}

    def target(stack: str, reference: tuple[str | None, str]) -> tuple[str, str] | None:
        other, name = reference
        if other is None:
            return stack, name
        found = outputs.get((other, name), [])
        return target(other, found[0]) if found else None

    spreading = True
    while spreading:
        spreading = False
        for stack, template in proposed.items():
            for logical_id, resource in template.get("Resources", {}).items():
                if (stack, logical_id) in replaced or logical_id not in approved.get(stack, {}).get("Resources", {}):
                    continue
                for path in create_only_properties(resource["Type"]):
                    parts = path.removeprefix("/properties/").split("/")
                    for concrete, value in _values(resource.get("Properties", {}), parts):
                        hit = next((t for r in _references(value) if (t := target(stack, r)) in replaced), None)
                        if hit is not None and (stack, logical_id) not in replaced:
                            replaced[(stack, logical_id)] = (f"create-only {concrete.lstrip('/')} refers to "
                                                             f"{hit[0]}/{hit[1]}, which would be replaced")
                            spreading = True
    changes = []
    for stack, before in approved.items():
        after = proposed.get(stack, {}).get("Resources", {})
        for logical_id, resource in before.get("Resources", {}).items():
            if resource["Type"] not in STATEFUL_TYPES:
                continue
            path = resource.get("Metadata", {}).get("aws:cdk:path", "")
            if logical_id not in after:
                retained = resource.get("DeletionPolicy") == "Retain"
                changes.append(RiskyChange(stack, logical_id, resource["Type"], path, "removed", (
                    "its logical id is gone (a renamed construct id, or a removed construct); "
                    + ("it is retained but no longer managed, and a resource that takes its place is a new one"
                       if retained else "its DeletionPolicy deletes it"))))
            elif (stack, logical_id) in replaced:
                changes.append(RiskyChange(stack, logical_id, resource["Type"], path, "replaced",
                                           replaced[(stack, logical_id)]))
    return changes
