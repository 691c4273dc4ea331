"""Lag scaling wired to Application Auto Scaling: step policies on alarms on the backlog per running task, target
tracking on the same backlog, and the wake-up from zero tasks. Each class turns one policy from ``kafka_platform.domain.lag_scaling`` into
resources; ``KafkaConsumerService.configure_scaling`` chooses between them."""

from __future__ import annotations

from typing import Sequence

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from constructs import Construct

from kafka_platform.constructs.interfaces import IKafkaCluster
from kafka_platform.domain import lag_scaling, msk_metrics, needed_tasks
from kafka_platform.domain.lag_scaling import StepScalingPolicy, TargetTrackingPolicy, backlog_per_task_expression
from kafka_platform.domain.needed_tasks import NeededTasksPolicy


def backlog_per_task(lag_metrics: Sequence[cloudwatch.IMetric], running_tasks: cloudwatch.IMetric,
                     label: str) -> cloudwatch.MathExpression:
    """The step alarms' metric: the group's lag over all its topics per running task, one-minute periods."""
    lags = {f"lag{i}": metric for i, metric in enumerate(lag_metrics)}
    return cloudwatch.MathExpression(expression=backlog_per_task_expression(list(lags), "tasks"),
                                     using_metrics={**lags, "tasks": running_tasks}, period=Duration.minutes(1),
                                     label=label)


class StepScaling(Construct):
    """A scale-out policy on an upper alarm and a scale-in policy on a lower one, around a no-change band, both on
    the backlog per running task (``backlog_per_task``).

    Steps are percent changes of the running tasks (PercentChangeInCapacity, at least one task: MinAdjustmentMagnitude
    1) with bounds written relative to each alarm's threshold, as Application Auto Scaling reads them: above the
    threshold the lower bound is inclusive and the upper exclusive.
    """

    def __init__(self, scope: Construct, construct_id: str, *, target: appscaling.ScalableTarget,
                 policy: StepScalingPolicy, backlog: cloudwatch.IMetric, alarm_name_prefix: str) -> None:
        super().__init__(scope, construct_id)
        threshold = policy.scale_out_backlog_per_task
        self.scale_out: appscaling.StepScalingAction = appscaling.StepScalingAction(
            self, "ScaleOut", scaling_target=target,
            adjustment_type=appscaling.AdjustmentType.PERCENT_CHANGE_IN_CAPACITY, min_adjustment_magnitude=1,
            cooldown=Duration.seconds(policy.scale_out_cooldown_seconds),
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM)
        for step in policy.scale_out_steps:
            self.scale_out.add_adjustment(
                adjustment=step.change_percent, lower_bound=step.lower_backlog_per_task - threshold,
                upper_bound=None if step.upper_backlog_per_task is None else step.upper_backlog_per_task - threshold)
        out_periods, out_datapoints = lag_scaling.SCALE_OUT_EVALUATION
        self.scale_out_alarm: cloudwatch.Alarm = cloudwatch.Alarm(
            self, "ScaleOutAlarm", metric=backlog, threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=out_periods, datapoints_to_alarm=out_datapoints,
            treat_missing_data=cloudwatch.TreatMissingData.MISSING, alarm_name=f"{alarm_name_prefix}-scale-out",
            alarm_description=f"Backlog at or above {threshold} messages per running task: add tasks (a missing "
                              "minute, a rebalance, pauses scale-out)")
        self.scale_out_alarm.add_alarm_action(cloudwatch_actions.ApplicationScalingAction(self.scale_out))

        self.scale_in: appscaling.StepScalingAction = appscaling.StepScalingAction(
            self, "ScaleIn", scaling_target=target,
            adjustment_type=appscaling.AdjustmentType.PERCENT_CHANGE_IN_CAPACITY, min_adjustment_magnitude=1,
            cooldown=Duration.seconds(policy.scale_in_cooldown_seconds),
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM)
        self.scale_in.add_adjustment(adjustment=-policy.scale_in_percent, upper_bound=0)
        in_periods, in_datapoints = lag_scaling.SCALE_IN_EVALUATION
        self.scale_in_alarm: cloudwatch.Alarm = cloudwatch.Alarm(
            self, "ScaleInAlarm", metric=backlog, threshold=policy.scale_in_backlog_per_task,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=in_periods, datapoints_to_alarm=in_datapoints,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_name=f"{alarm_name_prefix}-scale-in",
            alarm_description=f"Backlog at or below {policy.scale_in_backlog_per_task} messages per running task "
                              f"for {in_datapoints} of {in_periods} minutes: remove {policy.scale_in_percent}% of "
                              "the tasks (missing minutes never count as caught up)")
        self.scale_in_alarm.add_alarm_action(cloudwatch_actions.ApplicationScalingAction(self.scale_in))


class NeededTasksScaling(Construct):
    """Scaling on the tasks the load needs (``kafka_platform.domain.needed_tasks``): the incoming rate (each broker's
    per-topic ``MessagesInPerSec``) plus the backlog to drain, in task counts that divide the partitions evenly.

    Two alarms on one metric-math signal, each driving an ExactCapacity step policy whose steps map each even task
    count to itself: scale out the minute the count exceeds the desired tasks; scale in to the largest count of the
    last minutes once every one of them was below the desired tasks.
    """

    def __init__(self, scope: Construct, construct_id: str, *, target: appscaling.ScalableTarget,
                 policy: NeededTasksPolicy, cluster: IKafkaCluster, consumer_group: str, topics: Sequence[str],
                 desired_tasks: cloudwatch.IMetric, alarm_name_prefix: str) -> None:
        super().__init__(scope, construct_id)
        assert cluster.broker_count is not None
        rates = {f"in{i}": cluster.metric("MessagesInPerSec", {msk_metrics.BROKER_ID: str(broker),
                                                              msk_metrics.TOPIC: topic}, statistic="Average")
                 for i, (broker, topic) in enumerate((b, t) for t in topics
                                                    for b in range(1, cluster.broker_count + 1))}
        lags = {f"lag{i}": cluster.metric_sum_offset_lag(consumer_group, topic) for i, topic in enumerate(topics)}
        needed = cloudwatch.MathExpression(
            expression=needed_tasks.needed_expression(policy, list(rates), list(lags)),
            using_metrics={**rates, **lags}, period=Duration.minutes(1),
            label=f"{consumer_group} tasks' worth of work (rate with headroom, or backlog)")
        #: Tasks whose even partition spread carries the incoming rate (with headroom) and drains the backlog.
        self.even_tasks: cloudwatch.MathExpression = cloudwatch.MathExpression(
            expression=needed_tasks.even_expression("needed", policy.partitions), using_metrics={"needed": needed},
            period=Duration.minutes(1),
            label=f"{consumer_group} tasks needed (an even spread of {policy.partitions} partitions)")
        counts = [c for c in policy.counts if c > 0] or [policy.max_tasks]

        self.scale_out: appscaling.StepScalingAction = appscaling.StepScalingAction(
            self, "ScaleOut", scaling_target=target, adjustment_type=appscaling.AdjustmentType.EXACT_CAPACITY,
            cooldown=Duration.seconds(policy.scale_out_cooldown_seconds),
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM)
        for i, count in enumerate(counts):  # threshold 1: the signal is a count, so a step's bounds are count - 1
            self.scale_out.add_adjustment(adjustment=count, lower_bound=0 if i == 0 else count - 1,
                                          upper_bound=counts[i + 1] - 1 if i + 1 < len(counts) else None)
        self.scale_out_alarm: cloudwatch.Alarm = cloudwatch.Alarm(
            self, "ScaleOutAlarm", threshold=1, evaluation_periods=1, datapoints_to_alarm=1,
            metric=cloudwatch.MathExpression(
                expression=needed_tasks.scale_out_expression("even", "desired"), period=Duration.minutes(1),
                using_metrics={"even": self.even_tasks, "desired": desired_tasks},
                label=f"{consumer_group} tasks needed above those asked for"),
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.MISSING, alarm_name=f"{alarm_name_prefix}-scale-out",
            alarm_description="More tasks needed than asked for (incoming rate plus the backlog to drain, in an "
                              "even partition spread): set the count needed")
        self.scale_out_alarm.add_alarm_action(cloudwatch_actions.ApplicationScalingAction(self.scale_out))

        partitions = policy.partitions
        self.scale_in: appscaling.StepScalingAction = appscaling.StepScalingAction(
            self, "ScaleIn", scaling_target=target, adjustment_type=appscaling.AdjustmentType.EXACT_CAPACITY,
            cooldown=Duration.seconds(policy.scale_in_cooldown_seconds),
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM)
        in_counts = [c for c in policy.counts if c < policy.max_tasks] or [policy.min_tasks]
        for i, count in enumerate(in_counts):  # threshold P, at or below: a step's bounds are count - P
            self.scale_in.add_adjustment(adjustment=count,
                                         lower_bound=None if i == 0 else in_counts[i - 1] - partitions,
                                         upper_bound=count - partitions if i + 1 < len(in_counts) else 0)
        self.scale_in_alarm: cloudwatch.Alarm = cloudwatch.Alarm(
            self, "ScaleInAlarm", threshold=partitions, evaluation_periods=needed_tasks.SCALE_IN_MINUTES,
            datapoints_to_alarm=needed_tasks.SCALE_IN_MINUTES,
            metric=cloudwatch.MathExpression(
                expression=needed_tasks.scale_in_expression("even", "desired", partitions),
                period=Duration.minutes(1), using_metrics={"even": self.even_tasks, "desired": desired_tasks},
                label=f"{consumer_group} tasks needed below those asked for"),
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING, alarm_name=f"{alarm_name_prefix}-scale-in",
            alarm_description=f"Fewer tasks needed than run for {needed_tasks.SCALE_IN_MINUTES} minutes: set the "
                              "most any of them needed (missing minutes never count)")
        self.scale_in_alarm.add_alarm_action(cloudwatch_actions.ApplicationScalingAction(self.scale_in))


class TargetTrackingScaling(Construct):
    """Target tracking on ``SUM(lag) / running tasks`` through metric math on the L1 policy (the L2 refuses math).

    With no running task the backlog itself is the signal, so that a service at zero tasks still scales out.
    """

    def __init__(self, scope: Construct, construct_id: str, *, target: appscaling.ScalableTarget,
                 policy: TargetTrackingPolicy, lag_metrics: Sequence[cloudwatch.Metric],
                 running_tasks: cloudwatch.Metric) -> None:
        super().__init__(scope, construct_id)
        lags = {f"lag{i}": metric for i, metric in enumerate(lag_metrics)}
        queries = [_query(query_id, metric) for query_id, metric in {**lags, "tasks": running_tasks}.items()]
        queries.append(appscaling.CfnScalingPolicy.TargetTrackingMetricDataQueryProperty(
            id="backlog_per_task", label="Backlog per running task (messages)", return_data=True,
            expression=backlog_per_task_expression(list(lags), "tasks")))
        self.policy: appscaling.CfnScalingPolicy = appscaling.CfnScalingPolicy(
            self, "Resource", policy_name="backlog-per-task",
            policy_type="TargetTrackingScaling", scaling_target_id=target.scalable_target_id,
            target_tracking_scaling_policy_configuration=appscaling.CfnScalingPolicy
            .TargetTrackingScalingPolicyConfigurationProperty(
                target_value=policy.target_backlog_per_task,
                scale_out_cooldown=policy.scale_out_cooldown_seconds,
                scale_in_cooldown=policy.scale_in_cooldown_seconds,
                customized_metric_specification=appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty(
                    metrics=queries)))


class WakeUpOnProduce(Construct):
    """Scale from zero tasks when messages arrive on the consumed topics.

    Lag cannot wake a service at zero: an empty group's offsets expire (7 days) and its lag metrics vanish. The
    brokers' per-topic ``MessagesInPerSec`` (PER_TOPIC_PER_BROKER monitoring) exists whatever the group's state.
    The alarm only fires while no task runs, so it never adds tasks to a running service.
    """

    def __init__(self, scope: Construct, construct_id: str, *, target: appscaling.ScalableTarget,
                 cluster: IKafkaCluster, topics: Sequence[str], running_tasks: cloudwatch.Metric,
                 alarm_name: str) -> None:
        super().__init__(scope, construct_id)
        assert cluster.broker_count is not None
        produced = {f"in{i}": cluster.metric("MessagesInPerSec", {msk_metrics.BROKER_ID: str(broker),
                                                                 msk_metrics.TOPIC: topic}, statistic="Sum")
                    for i, (broker, topic) in enumerate((b, t) for b in range(1, cluster.broker_count + 1)
                                                       for t in topics)}
        # No datapoint from Container Insights is read as no task running (inferred: it publishes nothing at zero).
        signal = cloudwatch.MathExpression(
            expression=f"IF(FILL(tasks, 0) < 1 AND SUM([{', '.join(produced)}]) > 0, 1, 0)",
            using_metrics={"tasks": running_tasks, **produced}, period=Duration.minutes(1),
            label="Messages produced while no task runs")
        self.action: appscaling.StepScalingAction = appscaling.StepScalingAction(
            self, "WakeUp", scaling_target=target, adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            cooldown=Duration.seconds(lag_scaling.MIN_SCALE_OUT_COOLDOWN_SECONDS),
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM)
        self.action.add_adjustment(adjustment=1, lower_bound=0)
        self.alarm: cloudwatch.Alarm = cloudwatch.Alarm(
            self, "Alarm", metric=signal, threshold=1, evaluation_periods=1, datapoints_to_alarm=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING, alarm_name=alarm_name,
            alarm_description="Messages arrive on the consumed topics while no task runs: start one")
        self.alarm.add_alarm_action(cloudwatch_actions.ApplicationScalingAction(self.action))


def _query(query_id: str, metric: cloudwatch.Metric) -> appscaling.CfnScalingPolicy.TargetTrackingMetricDataQueryProperty:
    return appscaling.CfnScalingPolicy.TargetTrackingMetricDataQueryProperty(
        id=query_id, return_data=False, metric_stat=appscaling.CfnScalingPolicy.TargetTrackingMetricStatProperty(
            stat=metric.statistic, metric=appscaling.CfnScalingPolicy.TargetTrackingMetricProperty(
                namespace=metric.namespace, metric_name=metric.metric_name,
                dimensions=[appscaling.CfnScalingPolicy.TargetTrackingMetricDimensionProperty(name=k, value=v)
                            for k, v in (metric.dimensions or {}).items()])))

