"""``AlarmTopic``: the one place an environment's alarms notify, encrypted and reachable over TLS only."""

from __future__ import annotations

from typing import Sequence

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from kafka_platform.constructs.encryption import platform_key


def notify(action: cloudwatch.IAlarmAction, *alarms: cloudwatch.Alarm) -> None:
    """Send each alarm's ALARM and OK transitions to ``action``: a page, and word when it clears."""
    for alarm in alarms:
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)


class AlarmTopic(Construct):
    """An SNS topic under a rotating customer-managed key that CloudWatch alarms may use, publishing over TLS only,
    with optional e-mail subscriptions. ``alarm_action`` is what alarms pass to ``add_alarm_action``."""

    def __init__(self, scope: Construct, construct_id: str, *, display_name: str,
                 email_subscriptions: Sequence[str] = (), removal_policy: RemovalPolicy = RemovalPolicy.RETAIN) -> None:
        """An encrypted SNS topic for alarms.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param display_name: the topic's display name.
        :param email_subscriptions: addresses subscribed by e-mail; default none.
        :param removal_policy: default RETAIN.
        """
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # CloudWatch publishes alarm state changes into the encrypted topic with this key: only for alarms of this
        # account and region. The account may use the key only through SNS.
        cloudwatch_alarms = iam.PolicyStatement(
            sid="CloudWatchAlarmsOfThisAccount", principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"], resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {"aws:SourceArn":
                                    f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"}})
        self.key: kms.Key = platform_key(self, "Key", description=f"Alarm notifications: {display_name}",
                                removal_policy=removal_policy, used_through=("sns",), statements=[cloudwatch_alarms])
        self.topic: sns.Topic = sns.Topic(self, "Topic", display_name=display_name, master_key=self.key, enforce_ssl=True)
        # The topic's policy (publishing over TLS only) replaces SNS's default one, which let the account's alarms
        # publish: CloudWatch publishes as cloudwatch.amazonaws.com for the alarm, so it is admitted by name, for
        # this account's alarms only (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
        self.topic.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchAlarmsOfThisAccount", principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["sns:Publish"], resources=[self.topic.topic_arn],
            conditions={"StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {"aws:SourceArn":
                                    f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"}}))
        for address in email_subscriptions:
            self.topic.add_subscription(subscriptions.EmailSubscription(address))
        self.alarm_action: cloudwatch.IAlarmAction = cloudwatch_actions.SnsAction(self.topic)

    def notify(self, alarm: cloudwatch.Alarm) -> cloudwatch.Alarm:
        """Send ``alarm``'s ALARM and OK transitions to the topic; returns the alarm."""
        notify(self.alarm_action, alarm)
        return alarm
