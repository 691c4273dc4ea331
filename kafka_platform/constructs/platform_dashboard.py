"""``PlatformDashboard``: one CloudWatch dashboard per environment, a row per consumer service."""

from __future__ import annotations

from typing import Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from kafka_platform.constructs.connect_cluster import DebeziumConnectCluster
from kafka_platform.constructs.consumer_service import KafkaConsumerService
from kafka_platform.domain.lag_scaling import StepScalingPolicy, TargetTrackingPolicy

SCALE_OUT_COLOUR = "#d62728"
SCALE_IN_COLOUR = "#2ca02c"


class PlatformDashboard(Construct):
    """Per consumer service: the backlog per running task against its scale-out and scale-in thresholds (or its
    target), beside the lag itself, running and desired tasks against min and max, the delay against the acceptable delay, and the state
    of its scaling and business alarms (the scaling activity: an alarm in ALARM is acting)."""

    def __init__(self, scope: Construct, construct_id: str, *, dashboard_name: str,
                 services: Sequence[KafkaConsumerService] = ()) -> None:
        """A CloudWatch dashboard of the platform.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param dashboard_name: the dashboard's name.
        :param services: consumer services drawn at once; more with ``add_consumer_service``.
        """
        super().__init__(scope, construct_id)
        self.dashboard: cloudwatch.Dashboard = cloudwatch.Dashboard(self, "Resource", dashboard_name=dashboard_name,
                                              default_interval=Duration.hours(6))
        self.dashboard.add_widgets(cloudwatch.TextWidget(
            markdown=f"# {dashboard_name}\nConsumer lag per running task drives scaling: red lines add tasks, green lines remove them.",
            width=24, height=2))
        for service in services:
            self.add_consumer_service(service)

    def add_consumer_service(self, service: KafkaConsumerService) -> None:
        policy = service.scaling_policy
        if isinstance(policy, StepScalingPolicy):
            thresholds = [
                cloudwatch.HorizontalAnnotation(value=policy.scale_out_backlog_per_task, label="scale out",
                                                color=SCALE_OUT_COLOUR),
                cloudwatch.HorizontalAnnotation(value=policy.scale_in_backlog_per_task, label="scale in",
                                                color=SCALE_IN_COLOUR)]
        elif isinstance(policy, TargetTrackingPolicy):
            thresholds = [cloudwatch.HorizontalAnnotation(value=policy.target_backlog_per_task, label="target",
                                                          color=SCALE_OUT_COLOUR)]
        else:
            thresholds = []  # needed_tasks: the tasks panel shows what it asks for
        needed = service.needed_tasks_scaling
        lag = cloudwatch.GraphWidget(
            title=f"{service.consumer_group}: backlog per task (left) and lag (right), messages",
            left=[service.metric_backlog_per_task()], left_annotations=thresholds,
            right=[service.metric_sum_offset_lag()], width=6, height=6)
        tasks = cloudwatch.GraphWidget(
            title=f"{service.consumer_group}: tasks", left=[service.metric_running_tasks(),
                                                            service.metric_desired_tasks(),
                                                            *([needed.even_tasks] if needed else [])],
            left_annotations=[cloudwatch.HorizontalAnnotation(value=service.max_tasks, label="max"),
                              cloudwatch.HorizontalAnnotation(value=service.min_tasks, label="min")],
            width=6, height=6)
        delay = cloudwatch.GraphWidget(
            title=f"{service.consumer_group}: delay (seconds)", left=[service.metric_estimated_max_time_lag()],
            left_annotations=[cloudwatch.HorizontalAnnotation(value=service.max_delay.to_seconds(),
                                                              label="acceptable delay", color=SCALE_OUT_COLOUR)],
            width=6, height=6)
        alarms = [service.alarms.delay_alarm, service.alarms.missing_lag_alarm]
        scaling = service.step_scaling or needed
        if scaling is not None:
            alarms = [scaling.scale_out_alarm, scaling.scale_in_alarm, *alarms]
        activity = cloudwatch.AlarmStatusWidget(title=f"{service.consumer_group}: scaling and alarms",
                                                alarms=alarms, width=6, height=6)
        self.dashboard.add_widgets(lag, tasks, delay, activity)

    def add_connect_cluster(self, connect: DebeziumConnectCluster) -> None:
        """Connectors and their failures, workers, and the Connect alarms."""
        health = cloudwatch.GraphWidget(
            title=f"Kafka Connect {connect.name}: connectors",
            left=[connect.metric_health("Connectors"), connect.metric_health("FailedConnectors"),
                  connect.metric_health("FailedTasks"), connect.metric_health("RestartsRequested"),
                  connect.metric_health("CredentialsRefused")],
            width=8, height=6)
        workers = cloudwatch.GraphWidget(
            title=f"Kafka Connect {connect.name}: workers and CPU", left=[connect.metric_running_workers()],
            right=[connect.service.metric_cpu_utilization(period=Duration.minutes(1))], width=8, height=6)
        alarms = cloudwatch.AlarmStatusWidget(title=f"Kafka Connect {connect.name}: alarms",
                                              alarms=list(connect.alarms.values()), width=8, height=6)
        self.dashboard.add_widgets(health, workers, alarms)
        if connect.slot_lag_alarms:
            # Metrics, not the alarms themselves: one alarm per database would be one cross-stack output each.
            self.dashboard.add_widgets(cloudwatch.GraphWidget(
                title=f"Kafka Connect {connect.name}: WAL held back by replication slots",
                left=[connect.metric_slot_lag(instance) for instance in sorted(connect.slot_lag_alarms)],
                left_annotations=[cloudwatch.HorizontalAnnotation(value=connect.slot_lag_alarm_bytes,
                                                                  label="alarm")],
                width=24, height=6))
