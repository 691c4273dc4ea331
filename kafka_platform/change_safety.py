"""Would a deployment replace or delete what holds data, or be refused? Decided from the templates, offline.

CloudFormation replaces a resource when a create-only property changes (the registry schemas list them under
``createOnlyProperties``; cfn-lint ships the schemas), when its type changes, and deletes it when its logical id
disappears. A replaced MSK cluster or topic loses its data. ``risky_changes`` compares the approved templates of an
environment (the snapshots) with the proposed ones and reports every stateful resource that would be replaced or
removed, including through a reference: a cluster whose security group is replaced is replaced too, because its
create-only ``SecurityGroups`` then changes at deploy time. ``cdk diff --template`` reads an older CloudFormation
specification and does not mark a changed security-group list on an MSK cluster as a replacement.

``refused_updates`` reports the in-place updates the service itself rejects (``REFUSED_UPDATES``, each sourced): the
template is valid, CloudFormation starts the update, and the service fails it.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any, Callable, Iterator, Mapping

from kafka_platform.domain import kafka_versions

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
    kind: str  # "replaced", "removed" or "refused"
    because: str

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        if self.kind == "refused":
            return f"{self.stack}/{self.logical_id}{where}: {self.resource_type}: the update would be refused: " \
                   f"{self.because}"
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


def replacements(approved: Templates, proposed: Templates) -> dict[tuple[str, str], str]:
    """Every resource of ``approved``, stateful or not, that ``proposed`` would replace: ``(stack, logical id)`` and
    why. Both map the stack names of one environment to their templates."""
    replaced: dict[tuple[str, str], str] = {}
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
    return replaced


def risky_changes(approved: Templates, proposed: Templates) -> list[RiskyChange]:
    """Every stateful resource of ``approved`` that ``proposed`` would replace or remove. Both map the stack names of
    one environment to their templates; a stack missing from ``approved`` is new and risks nothing."""
    replaced = replacements(approved, proposed)
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


# ---- updates the service refuses -------------------------------------------------------------------------------
def metadata_mode(version: Any) -> str | None:
    """``kraft`` or ``zookeeper`` (``kafka_versions.parse``)."""
    parsed = kafka_versions.parse(str(version))
    return None if parsed is None else ("kraft" if parsed.kraft else "zookeeper")


def _cluster_facts(properties: Mapping[str, Any]) -> kafka_versions.ClusterFacts:
    brokers = properties.get("BrokerNodeGroupInfo", {})
    subnets = brokers.get("ClientSubnets")
    return kafka_versions.ClusterFacts(instance_type=brokers.get("InstanceType"),
                                       zones=len(subnets) if isinstance(subnets, list) else None,
                                       tiered_storage=properties.get("StorageMode") == "TIERED")


def _decreased(before: Any, after: Any, properties: Mapping[str, Any], today: date) -> str | None:
    try:
        return f"{before} to {after}" if float(after) < float(before) else None
    except (TypeError, ValueError):
        return None


def _version_refused(before: Any, after: Any, properties: Mapping[str, Any], today: date) -> str | None:
    problems = kafka_versions.upgrade_problems(str(before), str(after), today=today,
                                               cluster=_cluster_facts(properties))
    return "; ".join(problems) or None


@dataclass(frozen=True)
class RefusedUpdate:
    """An in-place update of ``resource_type``'s property at ``path`` that the service rejects when ``refused``
    (before, after, the resource's new properties, today) says so."""

    resource_type: str
    path: tuple[str, ...]
    refused: Callable[[Any, Any, Mapping[str, Any], date], str | None]
    why: str
    source: str


REFUSED_UPDATES: tuple[RefusedUpdate, ...] = (
    RefusedUpdate("AWS::MSK::Topic", ("PartitionCount",), _decreased,
                  "Kafka cannot decrease a topic's partitions; a topic with fewer partitions is a new topic (a new "
                  "name, its consumers repointed), or keep the count",
                  "https://kafka.apache.org/documentation/#basic_ops_modify_topic"),
    RefusedUpdate("AWS::MSK::Cluster", ("NumberOfBrokerNodes",), _decreased,
                  "MSK removes brokers only once they hold no partitions (move them first, with partition "
                  "reassignment), and by availability zone; lowering the count alone fails",
                  "https://docs.aws.amazon.com/msk/latest/developerguide/msk-remove-broker.html"),
    RefusedUpdate("AWS::MSK::Cluster", ("BrokerNodeGroupInfo", "StorageInfo", "EBSStorageInfo", "VolumeSize"),
                  _decreased, "MSK cannot decrease a broker's storage; keep the size (or move to a new cluster)",
                  "https://docs.aws.amazon.com/msk/latest/developerguide/msk-update-storage.html"),
    RefusedUpdate("AWS::MSK::Cluster", ("KafkaVersion",), _version_refused,
                  "MSK upgrades in place to a newer version of the same mode, and from ZooKeeper to KRaft only "
                  "3.9.x to 3.9.x.kraft (domain/kafka_versions.py holds each fact with its source)",
                  "https://docs.aws.amazon.com/msk/latest/developerguide/version-upgrades.html"),
)


def _at(properties: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = properties
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def refused_updates(approved: Templates, proposed: Templates, today: date | None = None) -> list[RiskyChange]:
    """Every in-place update of ``proposed`` that the service would refuse (``REFUSED_UPDATES``); a resource that is
    replaced is not updated in place."""
    replaced = replacements(approved, proposed)
    changes = []
    for stack, before in approved.items():
        after = proposed.get(stack, {}).get("Resources", {})
        for logical_id, resource in before.get("Resources", {}).items():
            new = after.get(logical_id)
            if new is None or new["Type"] != resource["Type"] or (stack, logical_id) in replaced:
                continue
            for rule in REFUSED_UPDATES:
                if rule.resource_type != resource["Type"]:
                    continue
                old_value = _at(resource.get("Properties", {}), rule.path)
                new_value = _at(new.get("Properties", {}), rule.path)
                if old_value is None or new_value is None or old_value == new_value:
                    continue
                if (how := rule.refused(old_value, new_value, new.get("Properties", {}),
                                        today or date.today())) is not None:
                    changes.append(RiskyChange(
                        stack, logical_id, resource["Type"], resource.get("Metadata", {}).get("aws:cdk:path", ""),
                        "refused", f"{'/'.join(rule.path)} {how}: {rule.why} ({rule.source})"))
    return changes


# ---- Kafka versions: new clusters, kept clusters, upgrades ------------------------------------------------------
@dataclass(frozen=True)
class VersionChange:
    stack: str
    logical_id: str
    cluster_name: str
    before: str
    after: str


@dataclass(frozen=True)
class VersionReview:
    """What the approved and proposed templates say about their clusters' Kafka versions: clusters that would be
    created in ZooKeeper mode (refused), what the operators of the others must know (warnings), and the offered
    upgrades (each planned by ``kafka_versions.upgrade_steps``)."""

    refused: list[RiskyChange]
    warnings: list[str]
    upgrades: list[VersionChange]


def review_kafka_versions(approved: Templates, proposed: Templates, today: date | None = None, *,
                          replaced: Mapping[tuple[str, str], str] | None = None) -> VersionReview:
    """``replaced``: ``replacements(approved, proposed)`` when the caller has it already."""
    today = today or date.today()
    replaced = replacements(approved, proposed) if replaced is None else replaced
    refused, warnings, upgrades = [], [], []
    for stack, template in proposed.items():
        before = approved.get(stack, {}).get("Resources", {})
        for logical_id, resource in template.get("Resources", {}).items():
            if resource.get("Type") != "AWS::MSK::Cluster":
                continue
            properties = resource.get("Properties", {})
            version, name = str(properties.get("KafkaVersion")), str(properties.get("ClusterName", logical_id))
            old = before.get(logical_id)
            new_cluster = old is None or old.get("Type") != resource["Type"] or (stack, logical_id) in replaced
            if new_cluster:
                if metadata_mode(version) == "zookeeper":
                    refused.append(RiskyChange(
                        stack, logical_id, resource["Type"], resource.get("Metadata", {}).get("aws:cdk:path", ""),
                        "refused", f"{name} would be created with KafkaVersion {version}, in ZooKeeper mode: "
                        "kafka.zookeeper_mode_reason keeps a cluster the approved templates hold, and they hold no "
                        f"such cluster here; use {kafka_versions.RECOMMENDED} "
                        "(https://docs.aws.amazon.com/msk/latest/developerguide/metadata-management.html)"))
                continue
            old_version = str(old.get("Properties", {}).get("KafkaVersion"))
            if old_version != version and not kafka_versions.upgrade_problems(
                    old_version, version, today=today, cluster=_cluster_facts(properties)):
                upgrades.append(VersionChange(stack, logical_id, name, old_version, version))
            if (warning := kafka_versions.support_warning(version, today=today)) is not None:
                warnings.append(f"{stack}/{logical_id}: cluster {name}: {warning}")
    return VersionReview(refused, warnings, upgrades)
