"""Customer-managed KMS keys for logs and alarm notifications, and log groups encrypted with them."""

from __future__ import annotations

from typing import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from kafka_platform.domain.aws import log_retention_problem
from kafka_platform.errors import raise_problems


# What administering a key means (the account's IAM administrators may do it), and what using it means (nobody may do
# it directly: only through the AWS services named for that key, or as the service principals named for it).
KEY_ADMINISTRATION_ACTIONS = (
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
    "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand")
KEY_USE_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey")


def platform_key(scope: Construct, construct_id: str, *, description: str, removal_policy: RemovalPolicy,
                 used_through: Sequence[str], statements: Sequence[iam.PolicyStatement] = ()) -> kms.Key:
    """A rotating key whose policy separates administration from use (security review M5).

    * The account (its IAM principals, as their own policies allow) may administer the key, never use it directly.
    * It may use the key only through ``used_through`` (service names such as ``secretsmanager``: ``kms:ViaService``
      in this region), and let those services create grants only for AWS resources (Lambda, MSK).
    * ``statements``: the service principals that use the key themselves, each with its own conditions.
    """
    stack = Stack.of(scope)
    account_root = iam.AccountRootPrincipal()
    via = [f"{service}.{stack.region}.amazonaws.com" for service in used_through]
    through = {"kms:ViaService": via, "kms:CallerAccount": stack.account}
    policy = iam.PolicyDocument(statements=[
        iam.PolicyStatement(sid="KeyAdministration", principals=[account_root],
                            actions=list(KEY_ADMINISTRATION_ACTIONS), resources=["*"]),
        *([iam.PolicyStatement(sid="UseThroughServices", principals=[account_root], actions=list(KEY_USE_ACTIONS),
                               resources=["*"], conditions={"StringEquals": through}),
           iam.PolicyStatement(sid="GrantsForServiceResources", principals=[account_root],
                               actions=["kms:CreateGrant"], resources=["*"],
                               conditions={"StringEquals": through,
                                           "Bool": {"kms:GrantIsForAWSResource": "true"}})] if via else []),
        *statements,
    ])
    return kms.Key(scope, construct_id, description=description, enable_key_rotation=True,
                   rotation_period=Duration.days(365), removal_policy=removal_policy,
                   pending_window=Duration.days(30), policy=policy)


class LogsKey(Construct):
    """The key of a stack's logs and function environments: CloudWatch Logs may use it for this stack's log groups
    only (their generated names begin with the stack's name); the account may use it only through Lambda (function
    environments) and Secrets Manager (secrets the stack encrypts with it)."""

    def __init__(self, scope: Construct, construct_id: str, *, description: str,
                 removal_policy: RemovalPolicy = RemovalPolicy.RETAIN) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        logs = iam.PolicyStatement(
            sid="CloudWatchLogsOfThisStack", principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                    f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:"
                                    f"{stack.stack_name}-*"}})
        self.key: kms.Key = platform_key(self, "Key", description=description, removal_policy=removal_policy,
                                used_through=("lambda", "secretsmanager"), statements=[logs])


def encrypted_log_group(scope: Construct, construct_id: str, *, key: kms.IKey, retention: logs.RetentionDays,
                        removal_policy: RemovalPolicy, log_group_name: str | None = None) -> logs.LogGroup:
    """A log group encrypted with ``key`` that keeps events for ``retention``."""
    return logs.LogGroup(scope, construct_id, encryption_key=key, retention=retention,
                         removal_policy=removal_policy, log_group_name=log_group_name)


def admit_log_delivery(scope: Construct, construct_id: str, log_group: logs.ILogGroup) -> logs.ResourcePolicy:
    """Let CloudWatch Logs' log delivery (``delivery.logs.amazonaws.com``: MSK's broker logs, MSK Replicator's logs)
    write into ``log_group``, for this account's deliveries only. Declared here, it is reviewed and deployed with
    the rest; without it, AWS writes an account-wide policy itself the first time, and only if the deploying principal
    holds ``logs:PutResourcePolicy`` (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
    AWS-logs-infrastructure-CWL.html). Each is one of the region's 10 CloudWatch Logs resource policies (the quota
    gate counts them)."""
    stack = Stack.of(scope)
    return logs.ResourcePolicy(scope, construct_id, policy_statements=[iam.PolicyStatement(
        sid="LogDeliveryWrite", principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
        actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn],
        conditions={"StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:*"}})])


def retention_days(days: int, where: str = "log_retention_days") -> logs.RetentionDays:
    """The configuration's retention in days (readable in YAML) as aws-cdk-lib's ``RetentionDays``, which the
    constructs take; ``days`` must be a value CloudWatch Logs offers (the configuration checks it first)."""
    raise_problems(where, [("days", p)] if (p := log_retention_problem(days)) else [])
    return _RETENTION[days]


# jsii enum members carry their names, not their lengths in days.
_RETENTION = {
    1: logs.RetentionDays.ONE_DAY, 3: logs.RetentionDays.THREE_DAYS, 5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK, 14: logs.RetentionDays.TWO_WEEKS, 30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS, 90: logs.RetentionDays.THREE_MONTHS, 120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS, 180: logs.RetentionDays.SIX_MONTHS, 365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS, 545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS, 1096: logs.RetentionDays.THREE_YEARS, 1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS, 2557: logs.RetentionDays.SEVEN_YEARS, 2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS, 3653: logs.RetentionDays.TEN_YEARS,
}
