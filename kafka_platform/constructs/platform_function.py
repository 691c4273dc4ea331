"""Python Lambda functions whose code ships in ``kafka_platform/lambda/`` (standard library and boto3 only, so the
code asset is the folder itself: no bundling, no Docker)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Literal, Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from kafka_platform.constructs.aws_api_access import aws_api_groups
from kafka_platform.constructs.encryption import encrypted_log_group
from kafka_platform.constructs.managed_role import ManagedPolicyRole, write_logs_statement
from kafka_platform.constructs.subnets import selection_arguments
from kafka_platform.domain.guardrail import CONTROL_PLANE_TAG
from kafka_platform.gates.acknowledge import acknowledge, acknowledge_wildcard_resources
from kafka_platform.gates.template_metadata import ignore_cfn_lint, skip_checkov

DESCRIBE_REASON = ("ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets work only on '*' (Lambda's documentation); "
                   "they read no data. Where the function may call cloudwatch:PutMetricData, which has no "
                   "resource-level permissions, a cloudwatch:namespace condition limits it to the platform's "
                   "namespace. Every other statement names exact ARNs or interfaces in the function's own VPC.")
INTERFACE_REASON = ("Lambda names a network interface only when it creates it: the function may create interfaces only "
                    "in its own subnets with its own security group, and delete or re-address only interfaces in its "
                    "own VPC (ec2:Vpc condition).")
CLOUDFORMATION_DLQ_REASON = (
    "CloudFormation custom-resource handler: every path, a malformed event and a failed operation included, answers "
    "CloudFormation through the response URL (retried when the PUT fails), and each custom resource sets "
    "ServiceTimeout, so CloudFormation never waits past it; a dead-letter queue would only hold events "
    "CloudFormation has already been told about.")
ROTATION_DLQ_REASON = (
    "Secrets Manager's rotation function: Secrets Manager invokes each step and keeps the current version when a step "
    "fails (a failure pages through the rotation alarm, and the next rotation starts over); a dead-letter queue would "
    "hold steps that must not be replayed out of order.")
SCHEDULE_DLQ_REASON = (
    "Invoked every minute by a schedule: a failed run is superseded by the next one, and the metrics it did not "
    "publish trip alarms that treat missing data as breaching; a dead-letter queue of stale runs has no use.")
ROLE_DEPENDENCY_REASON = ("The Lambda L2 adds DependsOn on the role it is given although Role: GetAtt already orders "
                          "them; the redundant edge changes nothing at deploy time.")

LAMBDA_CODE_DIRECTORY = Path(__file__).resolve().parent.parent / "lambda"


def lambda_module(name: str) -> ModuleType:
    """A module of the Lambda code that imports nothing but the standard library (``declaration``), loaded from the
    folder that ships to Lambda: the construct and the function share one implementation."""
    spec = importlib.util.spec_from_file_location(f"kafka_platform_lambda_{name}", LAMBDA_CODE_DIRECTORY / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# cdk-nag AwsSolutions-L1 wants the newest runtime the installed aws-cdk-lib knows; pinned so a bump is deliberate.
PYTHON_RUNTIME = lambda_.Runtime.PYTHON_3_14

# Lambda in a VPC manages its own network interfaces with the function's role. Describe works only on "*"; the rest
# is scoped to the function's subnets, the security groups it joins and interfaces in its VPC (Lambda's documentation
# allows unique resource ids for these actions).
_DESCRIBE_ACTIONS = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
_INTERFACE_ACTIONS = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]


def network_interface_statements(scope: Construct, vpc: ec2.IVpc, subnet_ids: Sequence[str],
                                 security_groups: Sequence[ec2.ISecurityGroup]) -> list[iam.PolicyStatement]:
    """What a VPC function's role needs for its own network interfaces, and no more: create them only in the
    function's subnets with the security groups it joins, delete and re-address only interfaces in its VPC.

    EC2 authorizes ``CreateNetworkInterface`` against the subnet, the interface and **every** security group of the
    request, and Lambda makes that request with the function's role when the function is created or its VPC
    configuration changes (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-
    permissions; https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html): pass the
    function's own list (``function.connections.security_groups``), never a second one."""
    stack = Stack.of(scope)

    def arn(resource: str) -> str:
        return f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}:{resource}"

    in_vpc = {"ArnEquals": {"ec2:Vpc": arn(f"vpc/{vpc.vpc_id}")}}
    return [
        iam.PolicyStatement(actions=_DESCRIBE_ACTIONS, resources=["*"]),
        iam.PolicyStatement(actions=["ec2:CreateNetworkInterface"], conditions=in_vpc, resources=[
            arn("network-interface/*"), *(arn(f"subnet/{subnet}") for subnet in subnet_ids),
            *(arn(f"security-group/{group.security_group_id}") for group in security_groups)]),
        iam.PolicyStatement(actions=_INTERFACE_ACTIONS, resources=[arn("network-interface/*")], conditions=in_vpc),
    ]


class PlatformFunction(Construct):
    """A function that passes the bank's gates by construction: in the VPC's private subnets behind its own security
    group (egress only where given), its own encrypted log group with retention, every permission in one
    customer-managed policy, and reserved concurrency so that it can neither starve nor flood its account.
    ``invoked_by`` says who calls it; a CloudFormation custom-resource handler reports failures to CloudFormation
    and so needs no dead-letter queue."""

    def __init__(self, scope: Construct, construct_id: str, *, handler: str, description: str, vpc: ec2.IVpc,
                 vpc_subnets: ec2.SubnetSelection, logs_key: kms.IKey, log_retention: logs.RetentionDays,
                 removal_policy: RemovalPolicy, statements: Sequence[iam.PolicyStatement], timeout: Duration,
                 invoked_by: Literal["cloudformation", "schedule", "secretsmanager"], memory_size: int = 256,
                 reserved_concurrent_executions: int = 1, environment: Mapping[str, str] | None = None,
                 aws_api_security_group: ec2.ISecurityGroup | None = None, control_plane: bool = False) -> None:
        super().__init__(scope, construct_id)
        self.security_group: ec2.SecurityGroup = ec2.SecurityGroup(self, "SecurityGroup", vpc=vpc, allow_all_outbound=False,
                                                description=f"{description} (Lambda)")
        # AWS APIs and CloudFormation's pre-signed response URL (S3): through the VPC's endpoints when given.
        security_groups = [self.security_group, *aws_api_groups(self.security_group, aws_api_security_group,
                                                                 "Function")]
        self.connections: ec2.Connections = self.security_group.connections
        self.log_group: logs.LogGroup = encrypted_log_group(self, "Logs", key=logs_key, retention=log_retention,
                                             removal_policy=removal_policy)
        subnet_ids = vpc.select_subnets(**selection_arguments(vpc_subnets)).subnet_ids
        self.role: ManagedPolicyRole = ManagedPolicyRole(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                                      description=description, statements=[write_logs_statement(self.log_group)])
        self.function: lambda_.Function = lambda_.Function(
            self, "Function", runtime=PYTHON_RUNTIME, architecture=lambda_.Architecture.ARM_64,
            handler=handler, description=description,
            code=lambda_.Code.from_asset(str(LAMBDA_CODE_DIRECTORY), exclude=["__pycache__", "*.pyc"]),
            role=self.role, vpc=vpc, vpc_subnets=vpc_subnets, security_groups=security_groups,
            log_group=self.log_group, timeout=timeout, memory_size=memory_size,
            reserved_concurrent_executions=reserved_concurrent_executions,
            environment=dict(environment or {}),
            # Nothing secret lives in a function's environment (a gate checks that), yet it is encrypted with the
            # stack's customer-managed key like everything else at rest.
            environment_encryption=logs_key if environment else None)
        # Lambda creates the function's interfaces with the role, in every group the function joins: the statement
        # is derived from the function's own list.
        self.role.add_statements(*network_interface_statements(self, vpc, subnet_ids,
                                                               self.function.connections.security_groups))
        if environment:
            # Lambda decrypts the environment with the function's role, through Lambda, at each cold start
            # (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html).
            self.role.add_statements(iam.PolicyStatement(
                actions=["kms:Decrypt"], resources=[logs_key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"lambda.{Stack.of(self).region}.amazonaws.com"}}))
        self.role.add_statements(*statements)
        if control_plane:
            # What the organization's guardrail protects (kafka_platform.domain.guardrail): only CloudFormation's
            # deployment role may invoke or change it.
            Tags.of(self.function).add(CONTROL_PLANE_TAG, "true")
        # The function must not be created (Lambda checks the role then) or run before its permissions exist.
        self.function.node.add_dependency(*self.role.policies)
        policy = self.role.policy.node.default_child
        acknowledge(policy, "AwsSolutions-IAM5[Resource::*]", DESCRIBE_REASON)
        acknowledge_wildcard_resources(self, lambda: [policy],
                                       lambda arn: INTERFACE_REASON if arn.endswith(":network-interface/*") else None)
        skip_checkov(policy, "CKV_AWS_111", DESCRIBE_REASON)
        function = self.function.node.default_child
        ignore_cfn_lint(function, "W3005", ROLE_DEPENDENCY_REASON)
        dlq_reason = {"cloudformation": CLOUDFORMATION_DLQ_REASON, "schedule": SCHEDULE_DLQ_REASON,
                      "secretsmanager": ROTATION_DLQ_REASON}[invoked_by]
        acknowledge(function, "NIST.800.53.R5-LambdaDLQ", dlq_reason)
        skip_checkov(function, "CKV_AWS_116", dlq_reason)
