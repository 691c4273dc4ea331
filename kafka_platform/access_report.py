"""Who can read and write each topic, per environment, from the IAM policies of a synthesized assembly.

The report reads what will be deployed, not the configuration: every ``Allow`` statement with ``kafka-cluster:``
actions on a topic, in every customer-managed or inline policy, attributed to the role it is attached to. A role
the platform creates says who it is (``PRINCIPAL_METADATA_KEY``: a consumer service, a Kafka Connect cluster, a
data team; a data team's role also says who assumes it); any other role is reported as ``other`` under its logical
id, so that a grant added by hand shows up rather than disappears. The cluster policy's grants to other accounts
(a VPC connection, never data) are listed too. ``kafka-platform access`` prints it and writes CSV and JSON.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

from kafka_platform.assembly import CloudAssembly, SynthesizedStack
from kafka_platform.domain.msk_iam import PRINCIPAL_METADATA_KEY, flatten_arn, kafka_resource, kafka_resource_cluster
from kafka_platform.gates.rules import allowed_grants, listed

# What an action on a topic amounts to, for an auditor.
_ACCESS = {"kafka-cluster:ReadData": "read", "kafka-cluster:WriteData": "write",
           "kafka-cluster:CreateTopic": "create", "kafka-cluster:DeleteTopic": "delete",
           "kafka-cluster:AlterTopic": "alter", "kafka-cluster:AlterTopicDynamicConfiguration": "alter",
           "kafka-cluster:*": "all", "kafka-cluster:DescribeTopic": "describe",
           "kafka-cluster:DescribeTopicDynamicConfiguration": "describe"}
FIELDS = ("environment", "cluster", "topic", "access", "kind", "principal", "assumed_by", "stack", "role")


@dataclass(frozen=True, order=True)
class Grant:
    environment: str
    cluster: str  # the cluster the topic is on (a replicator holds grants on two)
    topic: str  # a topic name, or a prefix ending in * (which every topic under it matches)
    access: str  # read, write, create, alter, delete, describe, all; vpc-connection for another account
    kind: str  # service, connect, data-team, replicator, account, other
    principal: str
    assumed_by: str
    stack: str
    role: str


def _policies(stack: SynthesizedStack) -> Iterator[tuple[list[str], dict[str, Any]]]:
    """``(role logical ids, policy document)`` of every policy in the stack, inline ones included."""
    for resource in stack.resources().values():
        properties = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            roles = [r["Ref"] for r in properties.get("Roles", []) if isinstance(r, dict) and "Ref" in r]
            yield roles, properties.get("PolicyDocument", {})
    for logical_id, resource in stack.resources("AWS::IAM::Role").items():
        for policy in resource.get("Properties", {}).get("Policies", []) or []:
            yield [logical_id], policy.get("PolicyDocument", {})


def _who(stack: SynthesizedStack, logical_id: str) -> tuple[str, str, str, str]:
    """``(kind, name, assumed by, role)`` of a role in ``stack``."""
    role = stack.resources().get(logical_id, {})
    identity = role.get("Metadata", {}).get(PRINCIPAL_METADATA_KEY) or {}
    trusted = []
    for statement in listed(role.get("Properties", {}).get("AssumeRolePolicyDocument", {}).get("Statement", [])):
        for kind, principals in (statement.get("Principal") or {}).items():
            trusted += [f"{kind}:{flatten_arn(p)}" if kind != "AWS" else flatten_arn(p) for p in listed(principals)]
    name = role.get("Properties", {}).get("RoleName")
    return (identity.get("Kind", "other"), identity.get("Name", logical_id), " ".join(sorted(trusted)),
            name if isinstance(name, str) else logical_id)


def grants(assembly: CloudAssembly) -> list[Grant]:
    """Every topic grant, and every account admitted by a cluster policy, of every stage of ``assembly``."""
    found: set[Grant] = set()
    for stage in assembly.stages() or [""]:
        for stack in assembly.stacks(stage):
            for roles, document in _policies(stack):
                holders = [_who(stack, role) for role in roles]  # read once per policy, not once per grant
                for action, granted in allowed_grants(document):
                    arn = flatten_arn(granted)
                    resource = kafka_resource(arn)
                    if action not in _ACCESS or not resource or resource[0] != "topic":
                        continue
                    for kind, name, trusted, role_name in holders:
                        found.add(Grant(stage, kafka_resource_cluster(arn) or "", resource[1], _ACCESS[action],
                                        kind, name, trusted, stack.stack_name, role_name))
            for policy in stack.resources("AWS::MSK::ClusterPolicy").values():
                cluster = _cluster_named(stack, policy["Properties"].get("ClusterArn"))
                for statement in listed(policy["Properties"].get("Policy", {}).get("Statement", [])):
                    if statement.get("Effect") != "Allow":
                        continue
                    for kind, principals in (statement.get("Principal") or {}).items():
                        for principal in listed(principals):
                            found.add(Grant(stage, cluster, "(cluster)", "vpc-connection",
                                            "account" if kind == "AWS" else "service", flatten_arn(principal), "",
                                            stack.stack_name, ""))
    return sorted(found)


def _cluster_named(stack: SynthesizedStack, arn: Any) -> str:
    """The name of the cluster an ARN (``Fn::GetAtt`` of a cluster in the stack) refers to, else the ARN as text."""
    if isinstance(arn, dict) and "Fn::GetAtt" in arn:
        cluster = stack.resources().get(arn["Fn::GetAtt"][0], {})
        return str(cluster.get("Properties", {}).get("ClusterName", arn["Fn::GetAtt"][0]))
    return flatten_arn(arn)


def _describe_only(grant: Grant) -> bool:
    return grant.access == "describe"


def render_text(rows: list[Grant]) -> str:
    """Per environment and cluster, per topic (or prefix): who reads, who writes, who else may act on it."""
    lines: list[str] = []
    for environment in sorted({g.environment for g in rows}):
        lines.append(f"{environment or '(stacks outside a stage)'}:")
        mine = [g for g in rows if g.environment == environment and not _describe_only(g)]
        for cluster in sorted({g.cluster for g in mine}):
            lines.append(f"  cluster {cluster}")
            on_cluster = [g for g in mine if g.cluster == cluster]
            for topic in sorted({g.topic for g in on_cluster}):
                lines.append(f"    {topic}")
                for access in ("read", "write", "create", "alter", "delete", "all", "vpc-connection"):
                    who = sorted({f"{g.kind} {g.principal}" for g in on_cluster
                                  if g.topic == topic and g.access == access})
                    if who:
                        lines.append(f"      {access + ':':<16}{', '.join(who)}")
    return "\n".join(lines)


def render_csv(rows: list[Grant]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(asdict(g) for g in rows)
    return out.getvalue()


def render_json(rows: list[Grant]) -> str:
    return json.dumps([asdict(g) for g in rows], indent=2) + "\n"


def matching(rows: list[Grant], *, stage: str | None = None, topic: str | None = None,
             principal: str | None = None) -> list[Grant]:
    """The rows of one stage (``Prod`` or ``prod``), on one topic (a prefix grant on it included) and of principals
    whose name contains ``principal``."""
    def on_topic(grant: Grant) -> bool:
        return topic is None or grant.topic == topic or (grant.topic.endswith("*") and
                                                          topic.startswith(grant.topic[:-1]))
    return [g for g in rows
            if (stage is None or g.environment.lower() == stage.lower()) and on_topic(g)
            and (principal is None or principal.lower() in g.principal.lower())]


def write_report(assembly: CloudAssembly, out: Path, *, stage: str | None = None, topic: str | None = None,
                 principal: str | None = None) -> tuple[str, list[Path]]:
    """The text report, and the CSV and JSON files written into ``out`` (the rows the filters keep)."""
    rows = matching(grants(assembly), stage=stage, topic=topic, principal=principal)
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "access.csv", out / "access.json"]
    files[0].write_text(render_csv(rows))
    files[1].write_text(render_json(rows))
    return render_text(rows), files
