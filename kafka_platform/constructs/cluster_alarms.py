"""``KafkaClusterAlarms``: MSK's best-practice alarms for a cluster, declared as data.

Sources: https://docs.aws.amazon.com/msk/latest/developerguide/bestpractices.html.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from kafka_platform.constructs.alarm_topic import notify
from kafka_platform.constructs.interfaces import IKafkaCluster
from kafka_platform.domain import msk_metrics
from kafka_platform.errors import raise_problems

GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD


@dataclass(frozen=True)
class ClusterAlarmSpec:
    """One alarm: ``expression`` over ``metrics`` (name -> (metric name, statistic)), compared with ``threshold``."""

    name: str
    description: str
    metrics: dict[str, tuple[str, str]]
    expression: str
    threshold: float
    period: Duration
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.MISSING


# Per broker: sustained pressure, judged over 15 minutes so that a compaction or a burst does not page anybody.
BROKER_ALARMS = (
    ClusterAlarmSpec("cpu", "CPU (user + system) above 60%: brokers need headroom to take over a failed peer's load",
                     {"user": ("CpuUser", "Average"), "system": ("CpuSystem", "Average")}, "user + system", 60,
                     Duration.minutes(5), 3, 3),
    ClusterAlarmSpec("disk", "Data log disk above 85% used: expand storage before the broker stops accepting writes",
                     {"used": ("KafkaDataLogsDiskUsed", "Maximum")}, "used", 85, Duration.minutes(5), 2, 2),
    ClusterAlarmSpec("heap", "JVM heap after GC above 60%: the broker is close to long pauses",
                     {"heap": ("HeapMemoryAfterGC", "Maximum")}, "heap", 60, Duration.minutes(5), 3, 3),
    ClusterAlarmSpec("under-min-isr", "Partitions below min.insync.replicas: writes with acks=all are failing",
                     {"partitions": ("UnderMinIsrPartitionCount", "Maximum")}, "partitions", 0,
                     Duration.minutes(1), 3, 3),
)
# Per cluster: conditions that stop the business at once.
CLUSTER_ALARMS = (
    ClusterAlarmSpec("offline-partitions", "Offline partitions: some data can be neither read nor written",
                     {"offline": ("OfflinePartitionsCount", "Sum")}, "offline", 0, Duration.minutes(1), 1, 1),
    # Exactly one active controller: none means no leader elections, several means a split brain.
    ClusterAlarmSpec("active-controller", "Active controller count is not exactly 1",
                     {"controllers": ("ActiveControllerCount", "Sum")}, "ABS(controllers - 1)", 0,
                     Duration.minutes(1), 3, 3, cloudwatch.TreatMissingData.BREACHING),
)


class KafkaClusterAlarms(Construct):
    """Every alarm in BROKER_ALARMS for each broker (MSK numbers them from 1) and every alarm in CLUSTER_ALARMS,
    notifying ``alarm_action`` on ALARM and OK, as every alarm of the library does (``AlarmTopic.alarm_action``, or
    any ``cloudwatch.IAlarmAction``). Alarm names: ``<cluster>-<alarm>[-broker-<id>]``. An imported cluster needs its
    ``broker_count``."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster: IKafkaCluster,
                 alarm_action: cloudwatch.IAlarmAction) -> None:
        """MSK's best-practice alarms for a cluster.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param cluster: the cluster, owned or imported with its ``broker_count``.
        :param alarm_action: where every alarm of the construct goes, on ALARM and on OK: ``AlarmTopic.alarm_action``,
            or any ``cloudwatch.IAlarmAction`` (aws-cdk-lib's ``SnsAction``).
        """
        super().__init__(scope, construct_id)
        if cluster.broker_count is None:
            raise_problems(self.node.path, [("cluster", f"{cluster.cluster_name} has no known broker count, and an "
                                                        "alarm is made per broker; import it with broker_count=...")])
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for broker_id in range(1, (cluster.broker_count or 0) + 1):
            for spec in BROKER_ALARMS:
                self._alarm(cluster, alarm_action, spec, f"{spec.name}-broker-{broker_id}",
                            {msk_metrics.BROKER_ID: str(broker_id)})
        for spec in CLUSTER_ALARMS:
            self._alarm(cluster, alarm_action, spec, spec.name, {})

    def _alarm(self, cluster: IKafkaCluster, alarm_action: cloudwatch.IAlarmAction, spec: ClusterAlarmSpec, key: str,
               dimensions: dict[str, str]) -> None:
        using = {name: cluster.metric(metric_name, dimensions, statistic=statistic, period=spec.period)
                 for name, (metric_name, statistic) in spec.metrics.items()}
        metric: cloudwatch.IMetric = (next(iter(using.values())) if spec.expression in using else
                                      cloudwatch.MathExpression(expression=spec.expression, using_metrics=using,
                                                                period=spec.period, label=spec.name))
        alarm = cloudwatch.Alarm(
            self, key, metric=metric, threshold=spec.threshold, comparison_operator=GT,
            evaluation_periods=spec.evaluation_periods, datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=spec.treat_missing_data, alarm_name=f"{cluster.cluster_name}-{key}",
            alarm_description=spec.description)
        notify(alarm_action, alarm)
        self.alarms[key] = alarm
