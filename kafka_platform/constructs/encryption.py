"""Customer-managed KMS keys for logs and alarm notifications, and log groups encrypted with them."""

from __future__ import annotations

from typing import Sequence

from aws_cdk import Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from kafka_platform.domain.aws import log_retention_problem
from kafka_platform.errors import raise_problems


# What administering a key means: everything but using it, creating grants, and rewriting its policy (which each
# need conditions: kafka_platform/gates/rules/kms_key_policy_least_privilege.py).
KEY_ADMINISTRATION_ACTIONS = (
    "kms:Describe*", "kms:Get*", "kms:List*", "kms:Enable*", "kms:Disable*", "kms:Update*", "kms:TagResource",
    "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
    "kms:RevokeGrant")
KEY_USE_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey")
#: Context naming the roles, besides the deploying one, that administer the platform's keys (a stage sets it from its
#: environment's ``key_administrators``; a team's app may set it in cdk.json).
KEY_ADMINISTRATORS_CONTEXT = "kafka-platform:key-administrators"


def key_administrators(scope: Construct) -> list[iam.IPrincipal]:
    """Who administers the platform's keys: the role CloudFormation deploys with (CDK bootstrap's execution role, which
    must keep kms:PutKeyPolicy: KMS refuses to create a key whose policy would lock its creator out), and the roles
    the context names."""
    stack = Stack.of(scope)
    deployer = getattr(stack.synthesizer, "cloud_formation_execution_role_arn", None)
    named = scope.node.try_get_context(KEY_ADMINISTRATORS_CONTEXT) or []
    if deployer is None and not named:
        raise_problems(scope.node.path, [("key administrators", (
            f"the stack's synthesizer ({type(stack.synthesizer).__name__}) names no CloudFormation execution role; "
            f"set context {KEY_ADMINISTRATORS_CONTEXT} to the role that deploys the stack and the roles that "
            "administer its keys"))])
    arns = ([Fn.sub(deployer)] if deployer is not None else []) + [str(arn) for arn in named]
    return [iam.ArnPrincipal(arn) for arn in arns]


def platform_key(scope: Construct, construct_id: str, *, description: str, removal_policy: RemovalPolicy,
                 used_through: Sequence[str], statements: Sequence[iam.PolicyStatement] = ()) -> kms.Key:
    """A rotating key whose policy separates administration from use (security review M5), and keeps the means to
    change who uses it with named roles (issue 30).

    * Named administrators (``key_administrators``) may administer it, and change its policy only with KMS's lockout
      safety kept; they may not use it, nor create grants.
    * The account (its IAM principals, as their own policies allow) may use it only through ``used_through`` (service
      names such as ``secretsmanager``: ``kms:ViaService`` in this region), and let those services create grants
      only for AWS resources (Lambda, MSK). Nobody else may create a grant.
    * ``statements``: the service principals that use the key themselves, each with its own conditions.
    """
    stack = Stack.of(scope)
    account_root = iam.AccountRootPrincipal()
    administrators = key_administrators(scope)
    via = [f"{service}.{stack.region}.amazonaws.com" for service in used_through]
    through = {"kms:ViaService": via, "kms:CallerAccount": stack.account}
    policy = iam.PolicyDocument(statements=[
        iam.PolicyStatement(sid="KeyAdministration", principals=administrators,
                            actions=list(KEY_ADMINISTRATION_ACTIONS), resources=["*"]),
        iam.PolicyStatement(sid="KeyPolicyWithLockoutSafety", principals=administrators,
                            actions=["kms:PutKeyPolicy"], resources=["*"],
                            conditions={"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "false"}}),
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


def unmodifiable(scope: Construct, construct_id: str, key: kms.IKey) -> kms.IKey:
    """``key`` as a reference whose policy aws-cdk-lib cannot extend: a ``Secret`` given a key of its stack adds a
    statement letting the whole account create grants through Secrets Manager (without
    ``kms:GrantIsForAWSResource``). The key's own policy already lets the account use it through Secrets Manager;
    readers are granted ``kms:Decrypt`` in their identity policies (``references.grant_secret_read``)."""
    return kms.Key.from_key_arn(scope, construct_id, key.key_arn)


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
