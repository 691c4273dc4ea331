"""Values read from AWS at deployment, never at synthesis: CDK's ``AwsCustomResource``, with the platform's habits.

Each lookup gets an encrypted log group of its own, a role whose permissions are customer-managed policies (only the
calls it makes), and the findings its singleton provider function raises in the compliance packs acknowledged with
the lookup's reason: the function runs outside the VPC on purpose (it answers CloudFormation, and may call another
region), is invoked only by CloudFormation, and handles no data.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from kafka_platform.constructs.encryption import encrypted_log_group
from kafka_platform.constructs.managed_role import ManagedPolicyRole, write_logs_statement
from kafka_platform.gates.acknowledge import acknowledge
from kafka_platform.gates.template_metadata import ignore_cfn_lint, skip_checkov

# AwsCustomResource's singleton provider function, one per stack, at the stack's root.
PROVIDER_ID_PREFIX = "AWS679f53fac002430cb0da5b7982bd2287"


def deploy_time_lookups(scope: Construct, name: str, *, calls: Mapping[str, cr.AwsSdkCall],
                        statements: Sequence[iam.PolicyStatement], description: str, reason: str, key: kms.IKey,
                        retention: logs.RetentionDays, removal_policy: RemovalPolicy,
                        wildcard_reason: str | None = None) -> dict[str, cr.AwsCustomResource]:
    """One ``AwsCustomResource`` per call (by construct id), sharing the log group ``<name>Logs`` and the role
    ``<name>Role``. ``wildcard_reason`` acknowledges a ``Resource: *`` statement (an API without resource-level
    permissions)."""
    stack = Stack.of(scope)
    log_group = encrypted_log_group(scope, f"{name}Logs", key=key, retention=retention,
                                    removal_policy=removal_policy)
    role = ManagedPolicyRole(scope, f"{name}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description=description, statements=[write_logs_statement(log_group), *statements])
    if wildcard_reason is not None:
        acknowledge(role.policy.node.default_child, "AwsSolutions-IAM5[Resource::*]", wildcard_reason)
        skip_checkov(role.policy.node.default_child, "CKV_AWS_111", wildcard_reason)
    lookups = {}
    for construct_id, call in calls.items():
        lookup = cr.AwsCustomResource(scope, construct_id, on_create=call, on_update=call, role=role,
                                      install_latest_aws_sdk=False, timeout=Duration.minutes(2),
                                      service_timeout=Duration.minutes(5), log_group=log_group)
        lookup.node.add_dependency(role.policy)
        lookups[construct_id] = lookup
    function = next(child for child in stack.node.children if child.node.id.startswith(PROVIDER_ID_PREFIX))
    for finding in ("NIST.800.53.R5-LambdaInsideVPC", "PCI.DSS.321-LambdaInsideVPC",
                    "NIST.800.53.R5-LambdaConcurrency", "NIST.800.53.R5-LambdaDLQ"):
        acknowledge(function.node.default_child, finding, reason)
    for check in ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"):
        skip_checkov(function.node.default_child, check, reason)
    ignore_cfn_lint(function.node.default_child, "W3005", "AwsCustomResource's provider declares DependsOn on "
                    "its role although Role: GetAtt already orders them; the redundant edge changes nothing.")
    return lookups
