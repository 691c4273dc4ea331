"""The alarms a consumer service's owners are paged for: the business waits too long, or the lag went dark."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from kafka_platform.constructs.alarm_topic import notify

if TYPE_CHECKING:
    from kafka_platform.constructs.consumer_service import KafkaConsumerService

DELAY_EVALUATION = (3, 3)  # three minutes over the acceptable delay: a surge the scaling did not absorb
MISSING_LAG_EVALUATION = (5, 5)  # a rebalance lasts seconds; five minutes without lag is a stuck or flapping group


class ConsumerAlarms(Construct):
    """``delay_alarm``: EstimatedMaxTimeLag (worst topic) above ``max_delay``. ``missing_lag_alarm``: no lag datapoint
    while tasks run (the lag is filled with -1 where missing, the tasks with 0). Both notify ``alarm_action`` on
    ALARM and OK."""

    def __init__(self, scope: Construct, construct_id: str, *, service: "KafkaConsumerService",
                 alarm_action: cloudwatch.IAlarmAction) -> None:
        super().__init__(scope, construct_id)
        periods, datapoints = DELAY_EVALUATION
        self.delay_alarm: cloudwatch.Alarm = cloudwatch.Alarm(
            self, "Delay", metric=service.metric_estimated_max_time_lag(),
            threshold=service.max_delay.to_seconds(), evaluation_periods=periods, datapoints_to_alarm=datapoints,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.MISSING, alarm_name=f"{service.alarm_name_prefix}-delay",
            alarm_description=f"{service.display_name} is more than {int(service.max_delay.to_seconds())} seconds "
                              "behind (EstimatedMaxTimeLag): the business is waiting")
        periods, datapoints = MISSING_LAG_EVALUATION
        # FILL over a series with no datapoint at all yields the fill value (inferred from CloudWatch's docs); if it
        # yields nothing instead, the alarm stays OK (not breaching) and the dashboard still shows the gap.
        dark = cloudwatch.MathExpression(
            expression="IF(FILL(tasks, 0) > 0 AND FILL(lag, -1) < 0, 1, 0)",
            using_metrics={"tasks": service.metric_running_tasks(), "lag": service.metric_sum_offset_lag()},
            period=Duration.minutes(1), label="Tasks run but no lag is published")
        self.missing_lag_alarm: cloudwatch.Alarm = cloudwatch.Alarm(
            self, "MissingLag", metric=dark, threshold=1, evaluation_periods=periods, datapoints_to_alarm=datapoints,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_name=f"{service.alarm_name_prefix}-lag-missing",
            alarm_description=f"{service.display_name} runs tasks but MSK publishes no lag for it: a stuck "
                              "consumer, a group that keeps rebalancing, or a group that never committed")
        notify(alarm_action, self.delay_alarm, self.missing_lag_alarm)
