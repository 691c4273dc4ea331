"""IAM roles whose permissions live in one customer-managed policy.

NIST 800-53 rev 5 and PCI DSS 3.2.1 (IAMNoInlinePolicy) reject inline policies, which is what CDK grants write.
Roles built here carry a single ``AWS::IAM::ManagedPolicy``; L2 constructs that would add inline statements receive
``role.sealed`` instead, and the statements they need are written into the managed policy explicitly.
"""

from __future__ import annotations

from typing import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct


class ManagedPolicyRole(Construct):
    """A role and the one managed policy that holds all of its permissions."""

    def __init__(self, scope: Construct, construct_id: str, *, assumed_by: iam.IPrincipal, description: str,
                 statements: Sequence[iam.PolicyStatement]) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(self, "Role", assumed_by=assumed_by, description=description)
        self.policy = iam.ManagedPolicy(self, "Policy", description=description, roles=[self.role],
                                        statements=list(statements))

    @property
    def sealed(self) -> iam.IRole:
        """The role as seen by L2 constructs: statements they try to add are dropped, so every permission must be
        in ``policy``. Callers pair this with explicit statements for what the L2 would have granted."""
        return self.role.without_policy_updates()

    def add_statements(self, *statements: iam.PolicyStatement) -> None:
        self.policy.add_statements(*statements)


def write_logs_statement(log_group: logs.ILogGroup) -> iam.PolicyStatement:
    """What a Lambda function, a flow log or an ECS log driver needs on its own log group, and nothing else."""
    return iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                               resources=[log_group.log_group_arn])
