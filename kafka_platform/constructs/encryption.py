"""Customer-managed KMS keys for logs and alarm notifications, and log groups encrypted with them."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from kafka_platform.domain.aws import log_retention_problem
from kafka_platform.errors import raise_problems


class LogsKey(Construct):
    """A rotating KMS key that CloudWatch Logs may use for log groups in this stack's account and region."""

    def __init__(self, scope: Construct, construct_id: str, *, description: str,
                 removal_policy: RemovalPolicy = RemovalPolicy.RETAIN) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(self, "Key", description=description, enable_key_rotation=True,
                           rotation_period=Duration.days(365), removal_policy=removal_policy,
                           pending_window=Duration.days(30))
        # CloudWatch Logs encrypts with the key only for log groups of this account and region.
        self.key.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                    f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"}},
        ))


def encrypted_log_group(scope: Construct, construct_id: str, *, key: kms.IKey, retention_days: int,
                        removal_policy: RemovalPolicy, log_group_name: str | None = None) -> logs.LogGroup:
    """A log group encrypted with ``key`` that keeps events ``retention_days`` (a value CloudWatch Logs offers)."""
    raise_problems(f"{scope.node.path}/{construct_id}",
                   [("retention_days", p)] if (p := log_retention_problem(retention_days)) else [])
    return logs.LogGroup(scope, construct_id, encryption_key=key, retention=_RETENTION[retention_days],
                         removal_policy=removal_policy, log_group_name=log_group_name)


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
