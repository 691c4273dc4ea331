"""``PlatformDashboard``: one CloudWatch dashboard per environment that answers a page: a header that says how each
scaling mode is drawn, a row per consumer service, the brokers' health, the Connect cluster, and where the logs are.

Per service (four widgets, so that 80 services stay within a dashboard's widget quota): the backlog per running task
against its thresholds or target, beside the lag and each topic's worst partition (``MaxOffsetLag``: a hot partition
or a poison message shows there first); tasks running, desired, pending and (``needed_tasks``) needed against the
bounds and every scheduled floor, beside the incoming rate; the delay against the acceptable delay, beside the tasks'
CPU and memory; and the state of its scaling and business alarms (an alarm in ALARM is acting). The incoming rate and
the brokers' graphs are SEARCH expressions over MSK's per-broker metrics, so they need no broker count and no
reference to another stack.
"""

from __future__ import annotations

from typing import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from kafka_platform.constructs.cluster_alarms import BROKER_ALARMS, CLUSTER_ALARMS
from kafka_platform.constructs.connect_cluster import DebeziumConnectCluster
from kafka_platform.constructs.consumer_service import KafkaConsumerService
from kafka_platform.domain.lag_scaling import StepScalingPolicy, TargetTrackingPolicy

SCALE_OUT_COLOUR = "#d62728"
SCALE_IN_COLOUR = "#2ca02c"
FLOOR_COLOUR = "#9467bd"
#: How each scaling mode reads on this dashboard (the header lists those in use).
MODE_HEADERS = {
    "steps": "**steps**: the backlog per running task drives scaling: its red line adds tasks, its green line removes "
             "them.",
    "target_tracking": "**target tracking**: the backlog per running task is held at its red line.",
    "needed_tasks": "**needed tasks**: the tasks panel draws the tasks the load needs (an even partition spread of "
                    "the incoming rate and the backlog to drain); desired follows it within the bounds.",
}


def _mode(service: KafkaConsumerService) -> str:
    policy = service.scaling_policy
    if isinstance(policy, StepScalingPolicy):
        return "steps"
    return "target_tracking" if isinstance(policy, TargetTrackingPolicy) else "needed_tasks"


class PlatformDashboard(Construct):
    """The environment's dashboard; services, the Connect cluster and the Kafka cluster are added to it."""

    def __init__(self, scope: Construct, construct_id: str, *, dashboard_name: str,
                 services: Sequence[KafkaConsumerService] = ()) -> None:
        """A CloudWatch dashboard of the platform.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param dashboard_name: the dashboard's name.
        :param services: consumer services drawn at once; more with ``add_consumer_service``.
        """
        super().__init__(scope, construct_id)
        self._logs: list[tuple[str, logs.ILogGroup]] = []
        self.dashboard: cloudwatch.Dashboard = cloudwatch.Dashboard(self, "Resource", dashboard_name=dashboard_name,
                                              default_interval=Duration.hours(6))
        # The header explains how each scaling mode drawn here reads; a mode added later gets its line then.
        self._explained: set[str] = {_mode(s) for s in services}
        lines = [f"# {dashboard_name}", *(MODE_HEADERS[m] for m in MODE_HEADERS if m in self._explained),
                 "Each alarm's description links its runbook."]
        self.dashboard.add_widgets(cloudwatch.TextWidget(markdown="\n\n".join(lines), width=24,
                                                         height=2 + len(self._explained)))
        for service in services:
            self.add_consumer_service(service)

    def add_consumer_service(self, service: KafkaConsumerService) -> None:
        policy = service.scaling_policy
        if (mode := _mode(service)) not in self._explained:
            self._explained.add(mode)
            self.dashboard.add_widgets(cloudwatch.TextWidget(markdown=MODE_HEADERS[mode], width=24, height=1))
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
        group, cluster, title = service.consumer_group, service.cluster, service.display_name
        worst = [cluster.metric_max_offset_lag(group, topic, label=f"worst partition, {topic}")
                 for topic in service.topic_names]
        lag = cloudwatch.GraphWidget(
            title=f"{title}: backlog per task (left) and lag (right), messages",
            left=[service.metric_backlog_per_task()], left_annotations=thresholds,
            right=[service.metric_sum_offset_lag(), *worst], width=6, height=6)
        floors = [cloudwatch.HorizontalAnnotation(value=action.min_tasks, label=f"min from {action.name}",
                                                  color=FLOOR_COLOUR)
                  for action in service.scheduled_capacity if action.min_tasks is not None]
        incoming = cloudwatch.MathExpression(
            expression="SUM(SEARCH('{AWS/Kafka,\"Broker ID\",\"Cluster Name\",Topic} MetricName=\"MessagesInPerSec\" "
                       f"\"Cluster Name\"=\"{cluster.cluster_name}\" "
                       + " OR ".join(f"Topic=\"{topic}\"" for topic in service.topic_names) + "', 'Average', 60))",
            label="incoming (messages/s)", period=Duration.minutes(1))
        tasks = cloudwatch.GraphWidget(
            title=f"{title}: tasks", left=[service.metric_running_tasks(), service.metric_desired_tasks(),
                                           service.metric_pending_tasks(),
                                           *([needed.even_tasks] if needed else [])],
            left_annotations=[cloudwatch.HorizontalAnnotation(value=service.max_tasks, label="max"),
                              cloudwatch.HorizontalAnnotation(value=service.min_tasks, label="min"), *floors],
            right=[incoming], width=6, height=6)
        delay = cloudwatch.GraphWidget(
            title=f"{title}: delay (seconds)", left=[service.metric_estimated_max_time_lag()],
            left_annotations=[cloudwatch.HorizontalAnnotation(value=service.max_delay.to_seconds(),
                                                              label="acceptable delay", color=SCALE_OUT_COLOUR)],
            right=[service.service.metric_cpu_utilization(period=Duration.minutes(1), label="CPU %"),
                   service.service.metric_memory_utilization(period=Duration.minutes(1), label="memory %")],
            width=6, height=6)
        alarms = [service.alarms.delay_alarm, service.alarms.missing_lag_alarm]
        scaling = service.step_scaling or needed
        if scaling is not None:
            alarms = [scaling.scale_out_alarm, scaling.scale_in_alarm, *alarms]
        activity = cloudwatch.AlarmStatusWidget(title=f"{title}: scaling and alarms", alarms=alarms, width=6, height=6)
        self.dashboard.add_widgets(lag, tasks, delay, activity)
        self._logs.append((title, service.log_group))

    def add_kafka_cluster(self, *, cluster_name: str, broker_count: int) -> None:
        """The brokers' health: every cluster alarm's state (named as ``KafkaClusterAlarms`` names them, so that no
        reference crosses stacks), and each broker's disk and CPU."""
        names = [f"{cluster_name}-{spec.name}-broker-{b}" for b in range(1, broker_count + 1) for spec in BROKER_ALARMS]
        names += [f"{cluster_name}-{spec.name}" for spec in CLUSTER_ALARMS]
        alarms = [cloudwatch.Alarm.from_alarm_name(self, f"ClusterAlarm-{name}", name) for name in names]

        def per_broker(metric: str, label: str) -> cloudwatch.MathExpression:
            return cloudwatch.MathExpression(
                expression=f"SEARCH('{{AWS/Kafka,\"Broker ID\",\"Cluster Name\"}} MetricName=\"{metric}\" "
                           f"\"Cluster Name\"=\"{cluster_name}\"', 'Maximum', 300)",
                label=label, period=Duration.minutes(5))

        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title=f"Brokers of {cluster_name}: alarms", alarms=alarms, width=12, height=6),
            cloudwatch.GraphWidget(title=f"Brokers of {cluster_name}: data disk used % (left), CPU user % (right)",
                                   left=[per_broker("KafkaDataLogsDiskUsed", "disk")],
                                   right=[per_broker("CpuUser", "cpu")], width=12, height=6))

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
        self._logs.append((f"Kafka Connect {connect.name}", connect.log_group))
        if connect.slot_lag_alarms:
            # Metrics, not the alarms themselves: one alarm per database would be one cross-stack output each.
            self.dashboard.add_widgets(cloudwatch.GraphWidget(
                title=f"Kafka Connect {connect.name}: WAL held back by replication slots",
                left=[connect.metric_slot_lag(instance) for instance in sorted(connect.slot_lag_alarms)],
                left_annotations=[cloudwatch.HorizontalAnnotation(value=connect.slot_lag_alarm_bytes,
                                                                  label="alarm")],
                width=24, height=6))

    def add_log_links(self) -> None:
        """A last row linking each service's and the Connect cluster's log group in the console (their names are
        generated: this is where a responder finds them). CloudFormation names a log group
        ``<stack>-<logical id>-<suffix>``: the link filters on that prefix, known at synthesis, so that the dashboard
        takes no reference (and no output) from another stack."""
        if not self._logs:
            return
        region = Stack.of(self).region
        console = (f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
                   "#logsV2:log-groups$3FlogGroupNameFilter$3D")
        links = []
        for what, group in self._logs:
            stack = Stack.of(group)
            prefix = f"{stack.stack_name}-{stack.resolve(group.node.default_child.logical_id)}"
            links.append(f"* [{what}]({console}{prefix}): `{prefix}-...`")
        self.dashboard.add_widgets(cloudwatch.TextWidget(markdown="### Logs\n\n" + "\n".join(links), width=24,
                                                         height=max(2, 1 + len(links) // 2)))
