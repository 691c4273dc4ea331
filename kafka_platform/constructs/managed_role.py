"""IAM roles whose permissions live in one customer-managed policy.

NIST 800-53 rev 5 and PCI DSS 3.2.1 (IAMNoInlinePolicy) reject inline policies, which is what CDK grants write.
``ManagedPolicyRole`` routes every statement added to it, by us or by an L2 construct's grant (log writes, image
pulls, secret reads ...), into a single ``AWS::IAM::ManagedPolicy``, so nothing has to be listed twice.
"""

from __future__ import annotations

from typing import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct


class ManagedPolicyRole(iam.Role):
    """A role whose permissions, grants included, are all in ``policy`` (a customer-managed policy)."""

    def __init__(self, scope: Construct, construct_id: str, *, assumed_by: iam.IPrincipal, description: str,
                 statements: Sequence[iam.PolicyStatement] = ()) -> None:
        super().__init__(scope, construct_id, assumed_by=assumed_by, description=description)
        self.policy = iam.ManagedPolicy(self, "Policy", description=description, roles=[self])
        if statements:
            self.policy.add_statements(*statements)

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        """Every grant lands in the managed policy; resources that must wait for it depend on the policy."""
        self.policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self.policy)

    def attach_inline_policy(self, policy: iam.Policy) -> None:
        raise TypeError(f"{self.node.path} keeps its permissions in one customer-managed policy; add statements "
                        "instead of attaching an inline policy")


def write_logs_statement(log_group: logs.ILogGroup) -> iam.PolicyStatement:
    """What a Lambda function needs on its own log group, and nothing else."""
    return iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                               resources=[log_group.log_group_arn])
