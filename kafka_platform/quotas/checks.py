"""The AWS quotas a template must fit: what counts across a stack or an environment as a
function of the environment's stacks (``stack_size``, ``role_policies``, ``security_group_rules``), what one
resource must fit as data (``RESOURCE_QUOTAS``: a type, a measure, a quota and the fix).

Every measure is taken on resolved values; every quota is the default one an account has without a request.

Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html;
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html;
  https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

from kafka_platform.assembly import SynthesizedStack
from kafka_platform.quotas.resolve import Resolver

RESOURCES_PER_STACK = 500
OUTPUTS_PER_STACK = 200
PARAMETERS_PER_STACK = 200
TEMPLATE_BODY_BYTES = 1_048_576  # through S3; the CDK CLI uploads every template larger than 50 KiB there
MANAGED_POLICY_CHARS = 6_144  # whitespace not counted
# What the platform fills a managed policy to: room kept for the document's envelope and for what CDK's statement
# merging does not merge (ManagedPolicyRole and the configuration check of the Connect worker's grants).
MANAGED_POLICY_BUDGET_CHARS = MANAGED_POLICY_CHARS - 300
INLINE_POLICY_CHARS_PER_ROLE = 10_240
MANAGED_POLICIES_PER_ROLE = 10
TRUST_POLICY_CHARS = 2_048
RULES_PER_SECURITY_GROUP = 60  # each way
SECURITY_GROUPS_PER_INTERFACE = 5
CONTAINER_DEFINITIONS_BYTES = 65_536
LAMBDA_ENVIRONMENT_BYTES = 4_096
METRICS_PER_ALARM = 10
STEP_ADJUSTMENTS_PER_POLICY = 20  # Application Auto Scaling's default (adjustable on request)
SCHEDULED_ACTIONS_PER_TARGET = 200  # Application Auto Scaling, not adjustable
WIDGETS_PER_DASHBOARD = 500
# CloudWatch Logs: resource policies per account and region, not adjustable; each at most 5,120 characters
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html).
LOG_RESOURCE_POLICIES_PER_REGION = 10
LOG_RESOURCE_POLICY_CHARS = 5_120
DASHBOARD_BODY_BYTES = 1_048_576


@dataclass(frozen=True)
class QuotaFinding:
    """One quota one resource (or stack) would break."""

    stack: str
    resource: str  # logical id, or "" for the stack itself
    path: str  # the construct path, where the template records it
    quota_name: str
    measured: int
    quota: int
    fix: str

    def __str__(self) -> str:
        where = f"{self.stack}/{self.resource}" if self.resource else self.stack
        path = f" ({self.path})" if self.path else ""
        return (f"{where}{path}: {self.quota_name} is {self.measured:,}, over the quota of {self.quota:,}; "
                f"{self.fix}")


Check = Callable[[Sequence[SynthesizedStack], Resolver], Iterator[QuotaFinding]]


def _resources(stack: SynthesizedStack, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in stack.template.get("Resources", {}).items():
        if resource.get("Type") in types:
            yield logical_id, resource


def _finding(stack: SynthesizedStack, logical_id: str, quota_name: str, measured: int, quota: int,
             fix: str) -> QuotaFinding:
    resource = stack.template.get("Resources", {}).get(logical_id, {}) if logical_id else {}
    path = resource.get("Metadata", {}).get("aws:cdk:path", "")
    return QuotaFinding(stack.stack_name, logical_id, path, quota_name, measured, quota, fix)


def iam_policy_chars(document: Any) -> int:
    """IAM's measure of a policy: its JSON without any whitespace."""
    return len(re.sub(r"\s", "", json.dumps(document, separators=(",", ":"))))


def _json_bytes(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


# ---- CloudFormation --------------------------------------------------------------------------------------------
def stack_size(stacks: Sequence[SynthesizedStack], resolver: Resolver) -> Iterator[QuotaFinding]:
    for stack in stacks:
        template = stack.template
        for section, quota in (("Resources", RESOURCES_PER_STACK), ("Outputs", OUTPUTS_PER_STACK),
                               ("Parameters", PARAMETERS_PER_STACK)):
            count = len(template.get(section, {}))
            if count > quota:
                yield _finding(stack, "", f"the number of {section.lower()}", count, quota,
                               "spread the stack's constructs over more stacks (consumer services go to the stack of "
                               "their team: set consumers[].team)")
        size = stack.template_path.stat().st_size
        if size > TEMPLATE_BODY_BYTES:
            yield _finding(stack, "", "the template body in bytes", size, TEMPLATE_BODY_BYTES,
                           "split the stack; CloudFormation reads templates of at most 1 MB from S3")


# ---- IAM -------------------------------------------------------------------------------------------------------
def _role_names(stacks: Sequence[SynthesizedStack], resolver: Resolver) -> dict[str, tuple[SynthesizedStack, str]]:
    return {str(resolver.resolve(stack, {"Ref": logical_id})): (stack, logical_id)
            for stack in stacks for logical_id, _ in _resources(stack, "AWS::IAM::Role")}


def role_policies(stacks: Sequence[SynthesizedStack], resolver: Resolver) -> Iterator[QuotaFinding]:
    """Per role: the trust policy, the inline policies together, and the managed policies attached (from any stack
    of the environment)."""
    roles = _role_names(stacks, resolver)
    inline: dict[str, int] = defaultdict(int)
    attached: dict[str, int] = defaultdict(int)
    for stack in stacks:
        for logical_id, resource in _resources(stack, "AWS::IAM::Role"):
            properties = resolver.resolve(stack, resource.get("Properties", {}))
            name = str(resolver.resolve(stack, {"Ref": logical_id}))
            trust = iam_policy_chars(properties.get("AssumeRolePolicyDocument", {}))
            if trust > TRUST_POLICY_CHARS:
                yield _finding(stack, logical_id, "the role's trust policy in characters", trust, TRUST_POLICY_CHARS,
                               "trust fewer principals, or one principal per service")
            inline[name] += sum(iam_policy_chars(p.get("PolicyDocument", {})) for p in properties.get("Policies", []))
            attached[name] += len(properties.get("ManagedPolicyArns", []))
        for _, resource in _resources(stack, "AWS::IAM::Policy"):
            properties = resolver.resolve(stack, resource["Properties"])
            for role in properties.get("Roles", []):
                inline[str(role)] += iam_policy_chars(properties["PolicyDocument"])
        for _, resource in _resources(stack, "AWS::IAM::ManagedPolicy"):
            for role in resolver.resolve(stack, resource["Properties"].get("Roles", [])):
                attached[str(role)] += 1
    for name, (stack, logical_id) in roles.items():
        if inline[name] > INLINE_POLICY_CHARS_PER_ROLE:
            yield _finding(stack, logical_id, "the role's inline policies together in characters", inline[name],
                           INLINE_POLICY_CHARS_PER_ROLE, "move the statements into customer-managed policies")
        if attached[name] > MANAGED_POLICIES_PER_ROLE:
            yield _finding(stack, logical_id, "the managed policies attached to the role", attached[name],
                           MANAGED_POLICIES_PER_ROLE,
                           "grant by ARN prefix so that fewer, smaller policies suffice, or split the principal "
                           "(for Kafka Connect: fewer connectors per Connect cluster)")


# ---- EC2 -------------------------------------------------------------------------------------------------------
def security_group_rules(stacks: Sequence[SynthesizedStack], resolver: Resolver) -> Iterator[QuotaFinding]:
    """Rules each way per security group, wherever they are declared: inline, or as separate resources in any stack
    of the environment (a client stack adding itself to the brokers' group counts against the brokers' group)."""
    groups: dict[str, tuple[SynthesizedStack, str]] = {}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for stack in stacks:
        for logical_id, resource in _resources(stack, "AWS::EC2::SecurityGroup"):
            group = str(resolver.resolve(stack, {"Ref": logical_id}))
            groups[group] = (stack, logical_id)
            properties = resource.get("Properties", {})
            counts[(group, "inbound")] += len(properties.get("SecurityGroupIngress", []))
            # Without egress rules a group keeps its default rule (all traffic out): that one counts too.
            counts[(group, "outbound")] += len(properties.get("SecurityGroupEgress", [])) or 1
        for kind, direction in (("AWS::EC2::SecurityGroupIngress", "inbound"),
                                ("AWS::EC2::SecurityGroupEgress", "outbound")):
            for _, resource in _resources(stack, kind):
                counts[(str(resolver.resolve(stack, resource["Properties"]["GroupId"])), direction)] += 1
    for (group, direction), count in sorted(counts.items()):
        if count > RULES_PER_SECURITY_GROUP and group in groups:
            stack, logical_id = groups[group]
            yield _finding(stack, logical_id, f"the number of {direction} rules of the security group, counted "
                                              "across the environment's stacks", count, RULES_PER_SECURITY_GROUP,
                           "let clients join one shared client security group instead of adding a rule each "
                           "(KafkaCluster.client_security_group)")


# ---- one measure of one resource against one quota ------------------------------------------------------------
@dataclass(frozen=True)
class ResourceQuota:
    resource_type: str
    quota_name: str
    quota: int
    fix: str
    measure: Callable[[Mapping[str, Any], SynthesizedStack, Resolver], int]  # resolved where it must be


def _security_groups(*path: str) -> Callable[[Mapping[str, Any], SynthesizedStack, Resolver], int]:
    def count(properties: Mapping[str, Any], stack: SynthesizedStack, resolver: Resolver) -> int:
        node: Any = properties
        for key in path:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        return len(node) if isinstance(node, list) else 0
    return count


def _dashboard_body(properties: Mapping[str, Any], stack: SynthesizedStack, resolver: Resolver) -> str:
    return str(resolver.resolve(stack, properties["DashboardBody"]))


def _policy_text(properties: Mapping[str, Any], stack: SynthesizedStack, resolver: Resolver) -> str:
    document = resolver.resolve(stack, properties.get("PolicyDocument", ""))
    return document if isinstance(document, str) else json.dumps(document, separators=(",", ":"))


_SECURITY_GROUPS = ("the security groups of one network interface", SECURITY_GROUPS_PER_INTERFACE,
                    "merge security groups")
_DASHBOARD_FIX = "split the dashboard (one per team)"
RESOURCE_QUOTAS: tuple[ResourceQuota, ...] = (
    ResourceQuota("AWS::IAM::ManagedPolicy", "the customer-managed policy in characters (whitespace not counted, "
                                             "intrinsics resolved)", MANAGED_POLICY_CHARS,
                  "grant by ARN prefix where one prefix covers what the principal owns, or spread the statements "
                  "over several policies (ManagedPolicyRole does so by size)",
                  lambda p, s, r: iam_policy_chars(r.resolve(s, p["PolicyDocument"]))),
    ResourceQuota("AWS::ECS::Service", *_SECURITY_GROUPS,
                  _security_groups("NetworkConfiguration", "AwsvpcConfiguration", "SecurityGroups")),
    ResourceQuota("AWS::Lambda::Function", *_SECURITY_GROUPS, _security_groups("VpcConfig", "SecurityGroupIds")),
    ResourceQuota("AWS::MSK::Cluster", *_SECURITY_GROUPS, _security_groups("BrokerNodeGroupInfo", "SecurityGroups")),
    ResourceQuota("AWS::ECS::TaskDefinition", "the container definitions in bytes", CONTAINER_DEFINITIONS_BYTES,
                  "move settings out of the environment (a file in the image, an SSM parameter), or split the workers",
                  lambda p, s, r: _json_bytes(r.resolve(s, p.get("ContainerDefinitions", [])))),
    ResourceQuota("AWS::Lambda::Function", "the function's environment variables in bytes", LAMBDA_ENVIRONMENT_BYTES,
                  "pass large settings through an SSM parameter or S3",
                  lambda p, s, r: _json_bytes(r.resolve(s, p.get("Environment", {})).get("Variables", {}))
                  if p.get("Environment", {}).get("Variables") else 0),
    ResourceQuota("AWS::CloudWatch::Alarm", "the metrics in the alarm's metric math", METRICS_PER_ALARM,
                  "alarm on fewer topics per expression (one alarm per group of 10 topics)",
                  lambda p, s, r: sum(1 for query in p.get("Metrics", []) if "MetricStat" in query)),
    ResourceQuota("AWS::ApplicationAutoScaling::ScalingPolicy", "the step adjustments of the step scaling policy",
                  STEP_ADJUSTMENTS_PER_POLICY, "use fewer steps (needed_tasks: a service on 100 partitions or fewer)",
                  lambda p, s, r: len(p.get("StepScalingPolicyConfiguration", {}).get("StepAdjustments", []))),
    ResourceQuota("AWS::ApplicationAutoScaling::ScalableTarget", "the scheduled actions of the scalable target",
                  SCHEDULED_ACTIONS_PER_TARGET, "schedule fewer actions (a cron that repeats instead of dated ones)",
                  lambda p, s, r: len(p.get("ScheduledActions", []))),
    ResourceQuota("AWS::CloudWatch::Dashboard", "the widgets of the dashboard", WIDGETS_PER_DASHBOARD, _DASHBOARD_FIX,
                  lambda p, s, r: len(json.loads(_dashboard_body(p, s, r)).get("widgets", []))),
    ResourceQuota("AWS::CloudWatch::Dashboard", "the dashboard body in bytes", DASHBOARD_BODY_BYTES, _DASHBOARD_FIX,
                  lambda p, s, r: len(_dashboard_body(p, s, r).encode())),
    ResourceQuota("AWS::Logs::ResourcePolicy", "the CloudWatch Logs resource policy in characters",
                  LOG_RESOURCE_POLICY_CHARS, "admit the log groups by a shared name prefix",
                  lambda p, s, r: len(_policy_text(p, s, r))),
)


def resource_quotas(stacks: Sequence[SynthesizedStack], resolver: Resolver) -> Iterator[QuotaFinding]:
    """Every ``RESOURCE_QUOTAS`` measure on every resource of its type."""
    by_type: dict[str, list[ResourceQuota]] = defaultdict(list)
    for quota in RESOURCE_QUOTAS:
        by_type[quota.resource_type].append(quota)
    for stack in stacks:
        for logical_id, resource in stack.template.get("Resources", {}).items():
            for quota in by_type.get(resource.get("Type"), []):
                measured = quota.measure(resource.get("Properties", {}), stack, resolver)
                if measured > quota.quota:
                    yield _finding(stack, logical_id, quota.quota_name, measured, quota.quota, quota.fix)


CHECKS: tuple[Check, ...] = (stack_size, role_policies, security_group_rules, resource_quotas)


def log_resource_policies(stacks: Sequence[SynthesizedStack], resolver: Resolver) -> Iterator[QuotaFinding]:
    """CloudWatch Logs resource policies count per account and region, whichever stage declares them."""
    declared = [(stack, logical_id) for stack in stacks
                for logical_id, _ in _resources(stack, "AWS::Logs::ResourcePolicy")]
    if len(declared) > LOG_RESOURCE_POLICIES_PER_REGION:
        stack, logical_id = declared[-1]
        yield _finding(stack, logical_id, "the CloudWatch Logs resource policies of the account in the region",
                       len(declared), LOG_RESOURCE_POLICIES_PER_REGION,
                       "admit several log groups in one policy (a shared name prefix), or deploy the stages to "
                       "separate accounts")


#: Quotas of an account in a region, measured across every stage deployed there.
ACCOUNT_CHECKS: tuple[Check, ...] = (log_resource_policies,)
