"""IAM roles whose permissions live in customer-managed policies, each within IAM's size quota.

NIST 800-53 rev 5 and PCI DSS 3.2.1 (IAMNoInlinePolicy) reject inline policies, which is what CDK grants write.
``ManagedPolicyRole`` routes every statement added to it, by us or by an L2 construct's grant (log writes, image
pulls, secret reads ...), into ``AWS::IAM::ManagedPolicy`` resources, so nothing has to be listed twice.

IAM refuses a managed policy over 6,144 characters (whitespace not counted) and attaches at most 10 to a role. Each
statement is measured as it will deploy (intrinsics replaced by values of realistic length,
``kafka_platform.quotas.resolve.estimate``) and placed in the first policy with room: ``Policy``, then ``Policy2``,
``Policy3`` ... A statement therefore stays in its policy when others are added after it. The deploy-readiness gate
measures the synthesized result again.
"""

from __future__ import annotations

import json
from typing import Sequence

from aws_cdk import FeatureFlags, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from kafka_platform.errors import raise_problems
from kafka_platform.quotas.checks import (MANAGED_POLICIES_PER_ROLE, MANAGED_POLICY_BUDGET_CHARS,
                                          MANAGED_POLICY_CHARS, iam_policy_chars)
from kafka_platform.quotas.resolve import estimate

# Where the stack's account or region is a token (an environment-agnostic library stack): the longest there is.
_LONGEST_REGION = "ap-southeast-4"
_ACCOUNT = "123456789012"
MINIMIZE_POLICIES = "@aws-cdk/aws-iam:minimizePolicies"


class ManagedPolicyRole(iam.Role):
    """A role whose permissions, grants included, are all in customer-managed policies: ``policy`` and, when it is
    full, ``Policy2`` ... (``policies`` lists them all)."""

    def __init__(self, scope: Construct, construct_id: str, *, assumed_by: iam.IPrincipal, description: str,
                 statements: Sequence[iam.PolicyStatement] = (), max_policies: int = MANAGED_POLICIES_PER_ROLE,
                 role_name: str | None = None) -> None:
        """An IAM role whose statements go to managed policies (never inline), split as IAM's size quota needs.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param assumed_by: who assumes it.
        :param description: the role's description (also its policies').
        :param statements: the statements it starts with; more come with ``add_to_principal_policy`` and grants.
        :param max_policies: the most managed policies it may take; default 10 (IAM's quota per role).
        :param role_name: the role's name; default: generated.
        """
        super().__init__(scope, construct_id, assumed_by=assumed_by, description=description, role_name=role_name)
        self._description = description
        self._max_policies = max_policies
        self._minimized = FeatureFlags.of(self).is_enabled(MINIMIZE_POLICIES) is True
        self.policy: iam.ManagedPolicy = iam.ManagedPolicy(self, "Policy", description=description, roles=[self])
        #: Every managed policy of the role, in the order they were opened.
        self.policies: list[iam.ManagedPolicy] = [self.policy]
        self._used: list[int] = [0]
        # Per policy: each statement shape (all but the resources) and the resources it has so far.
        self._shapes: list[dict[str, set[str]]] = [{}]
        self._stack_names: tuple[Stack, str, str, str] | None = None
        self.add_statements(*statements)

    def add_statements(self, *statements: iam.PolicyStatement) -> None:
        for statement in statements:
            self._place(statement)

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        """Every grant lands in a managed policy; resources that must wait for it depend on that policy."""
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self._place(statement))

    def attach_inline_policy(self, policy: iam.Policy) -> None:
        raise TypeError(f"{self.node.path} keeps its permissions in customer-managed policies; add statements "
                        "instead of attaching an inline policy")

    def _place(self, statement: iam.PolicyStatement) -> iam.ManagedPolicy:
        resolved = self._estimate(statement)
        shape = json.dumps({k: v for k, v in resolved.items() if k != "Resource"}, sort_keys=True)
        resources = resolved.get("Resource", [])
        resources = resources if isinstance(resources, list) else [resources]
        costs = [self._cost(index, shape, resources, resolved) for index in range(len(self.policies))]
        index = next((i for i, cost in enumerate(costs) if self._used[i] + cost <= MANAGED_POLICY_BUDGET_CHARS), None)
        if index is None:
            index = self._open_policy()
            costs.append(iam_policy_chars(resolved) + 1)
        self._used[index] += costs[index]
        self._shapes[index].setdefault(shape, set()).update(resources)
        self.policies[index].add_statements(statement)
        return self.policies[index]

    def _cost(self, index: int, shape: str, resources: list[str], resolved: dict) -> int:
        """What the statement adds to policy ``index``. With the minimizePolicies feature flag CDK merges statements
        that differ only in their resources: one whose actions, effect and conditions the policy already has costs
        only its new resources."""
        if not self._minimized or shape not in self._shapes[index]:
            return iam_policy_chars(resolved) + 1
        return sum(iam_policy_chars(r) + 1 for r in resources if r not in self._shapes[index][shape])

    def _open_policy(self) -> int:
        if len(self.policies) >= self._max_policies:
            raise_problems(self.node.path, [(
                "statements", f"need more than {self._max_policies} managed policies of {MANAGED_POLICY_CHARS} "
                              "characters, the most IAM attaches to one role; grant by ARN prefix, or split the "
                              "principal (for Kafka Connect: fewer connectors per Connect cluster)")])
        policy = iam.ManagedPolicy(self, f"Policy{len(self.policies) + 1}",
                                   description=f"{self._description} (part {len(self.policies) + 1})", roles=[self])
        self.policies.append(policy)
        self._used.append(0)
        self._shapes.append({})
        return len(self.policies) - 1

    def _estimate(self, statement: iam.PolicyStatement) -> dict:
        # Two jsii calls a statement: the stack's names are read once per role (a synthesis at the bank's scale
        # places about 2,700 statements).
        if self._stack_names is None:
            stack = Stack.of(self)
            self._stack_names = (stack, stack.stack_name,
                                 _LONGEST_REGION if Token.is_unresolved(stack.region) else stack.region,
                                 _ACCOUNT if Token.is_unresolved(stack.account) else stack.account)
        stack, stack_name, region, account = self._stack_names
        return estimate(stack.resolve(statement.to_statement_json()), stack_name=stack_name, region=region,
                        account=account)


def write_logs_statement(log_group: logs.ILogGroup) -> iam.PolicyStatement:
    """What a Lambda function needs on its own log group, and nothing else."""
    return iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                               resources=[log_group.log_group_arn])
