"""``KafkaReplicator``: MSK Replicator from a primary cluster in another region to a standby cluster here, with a
least-privilege execution role, its logs, and alarms on what a regulator asks about.

Defaults, as behaviour:

* **Identical topic names** (``TopicNameConfiguration: IDENTICAL``): clients switch clusters without renaming.
* **zstd** between the regions (the bank's default; fixed when the replicator is created).
* **Topics** by exact name (an allow-list; each name escaped, as Replicator reads regular expressions), their
  configurations copied, new topics matching the list detected; the starting position of the configuration.
* **Consumer groups** by name or prefix, offsets synchronised (LEGACY mode: ENHANCED needs a reverse replicator).
* **Execution role** assumed by ``kafka.amazonaws.com``: on the primary, read exactly the replicated topics and
  describe exactly the synchronised groups (and keep Replicator's own internal topics); on the standby, which only
  the replicator writes until failover, create, configure and write its topics and commit its groups. No
  ``kafka-cluster:*`` anywhere.
* **Alarms** to ``alarm_action``: replication latency above the RPO; message lag growing for 15 minutes;
  throughput at 0 while messages wait on the primary; any replicator failure. ``dashboard_widgets`` draws them.

Sources: https://docs.aws.amazon.com/msk/latest/developerguide/msk-replicator.html.
"""

from __future__ import annotations

from typing import Sequence, Unpack

from aws_cdk import Duration, Fn, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_msk as msk
from constructs import Construct

from kafka_platform.constructs.alarm_topic import notify
from kafka_platform.constructs.encryption import admit_log_delivery, encrypted_log_group
from kafka_platform.constructs.kafka_cluster import KafkaCluster
from kafka_platform.constructs.managed_role import ManagedPolicyRole
from kafka_platform.constructs.metric_options import MetricOptions, with_options
from kafka_platform.constructs.props import sequence_problem
from kafka_platform.domain import msk_iam
from kafka_platform.domain.disaster_recovery import StartingPosition, replicator_name
from kafka_platform.domain.msk_iam import ClusterArnParts
from kafka_platform.errors import raise_problems
from kafka_platform.gates.acknowledge import acknowledge_wildcard_resources

REPLICATOR_NAMESPACE = "AWS/Kafka"
#: The prefix of the internal topics MSK Replicator keeps on the clusters it replicates between (its heartbeats and
#: offset translation). Assumption: the AWS-managed AWSMSKReplicatorExecutionRole grants topic/* for them; this
#: narrows to the prefix. Should the service name them otherwise, replication fails at once, visibly (the
#: ReplicatorFailure alarm), rather than silently.
INTERNAL_TOPIC_PREFIX = "__amazon_msk_"
_READ = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:DescribeTopicDynamicConfiguration"]
_WRITE = [*msk_iam.CONNECTOR_TOPIC_ACTIONS, "kafka-cluster:AlterTopic", "kafka-cluster:ReadData",
          "kafka-cluster:DescribeTopicDynamicConfiguration", "kafka-cluster:AlterTopicDynamicConfiguration"]


def _patterns(names: Sequence[str]) -> list[str]:
    """Replicator reads topic and group lists as regular expressions: names exact (a topic or group name's only
    special character is the dot), ``prefix*`` a prefix."""
    return [n[:-1].replace(".", r"\.") + ".*" if n.endswith("*") else n.replace(".", r"\.") for n in names]


class KafkaReplicator(Construct):
    """MSK Replicator from ``source`` (another region's cluster, known at deployment) to ``target``."""

    def __init__(self, scope: Construct, construct_id: str, *, source_cluster_arn: str, source_cluster_name: str,
                 source_region: str, source_subnet_ids: Sequence[str], source_security_group_ids: Sequence[str],
                 target: KafkaCluster, target_subnet_ids: Sequence[str],
                 target_security_groups: Sequence[ec2.ISecurityGroup], topics: Sequence[str],
                 consumer_groups: Sequence[str], alarm_action: cloudwatch.IAlarmAction, rpo: Duration,
                 starting_position: StartingPosition = "EARLIEST", logs_key: kms.IKey,
                 log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR, removal_policy: RemovalPolicy = RemovalPolicy.RETAIN) -> None:
        super().__init__(scope, construct_id)
        problems = []
        for prop, value, example in (("topics", topics, "loan-applications"),
                                     ("consumer_groups", consumer_groups, "loan-approvals")):
            if (p := sequence_problem(value, str, "names", example)) is not None:
                problems.append((prop, p))
        raise_problems(self.node.path, problems)
        if not topics:
            problems.append(("topics", "is empty; name the topics to replicate"))
        if starting_position not in ("EARLIEST", "LATEST"):
            problems.append(("starting_position", f"{starting_position!r} is not EARLIEST or LATEST"))
        raise_problems(self.node.path, problems)
        self.name: str = replicator_name(source_cluster_name)
        self._target_name = target.cluster_name
        self.topics: tuple[str, ...] = tuple(topics)
        self.consumer_groups: tuple[str, ...] = tuple(consumer_groups)
        self.rpo = rpo
        source = ClusterArnParts(target.arn_parts.partition, source_region, target.arn_parts.account,
                                 source_cluster_name, Fn.select(2, Fn.split("/", source_cluster_arn)))
        self.role: ManagedPolicyRole = ManagedPolicyRole(
            self, "ExecutionRole", assumed_by=iam.ServicePrincipal("kafka.amazonaws.com"),
            description=f"MSK Replicator {self.name}: reads the replicated topics of {source_cluster_name}, writes "
                        f"them to {target.cluster_name}",
            statements=self._statements(source, source_cluster_arn, target))
        self.role.node.default_child.add_metadata(msk_iam.PRINCIPAL_METADATA_KEY,
                                                  {"Kind": "replicator", "Name": self.name})
        acknowledge_wildcard_resources(self, lambda: [p.node.default_child for p in self.role.policies],
                                       self._wildcard_reason)
        self.log_group: logs.LogGroup = encrypted_log_group(self, "Logs", key=logs_key, retention=log_retention,
                                             removal_policy=removal_policy)
        admit_log_delivery(self, "LogDelivery", self.log_group)
        self.resource: msk.CfnReplicator = msk.CfnReplicator(
            self, "Resource", replicator_name=self.name, service_execution_role_arn=self.role.role_arn,
            description=f"{source_cluster_name} ({source_region}) to {target.cluster_name}, identical topic names",
            kafka_clusters=[
                msk.CfnReplicator.KafkaClusterProperty(
                    amazon_msk_cluster=msk.CfnReplicator.AmazonMskClusterProperty(msk_cluster_arn=source_cluster_arn),
                    vpc_config=msk.CfnReplicator.KafkaClusterClientVpcConfigProperty(
                        subnet_ids=list(source_subnet_ids), security_group_ids=list(source_security_group_ids))),
                msk.CfnReplicator.KafkaClusterProperty(
                    amazon_msk_cluster=msk.CfnReplicator.AmazonMskClusterProperty(msk_cluster_arn=target.cluster_arn),
                    vpc_config=msk.CfnReplicator.KafkaClusterClientVpcConfigProperty(
                        subnet_ids=list(target_subnet_ids),
                        security_group_ids=[g.security_group_id for g in target_security_groups])),
            ],
            replication_info_list=[msk.CfnReplicator.ReplicationInfoProperty(
                source_kafka_cluster_arn=source_cluster_arn, target_kafka_cluster_arn=target.cluster_arn,
                target_compression_type="ZSTD",
                topic_replication=msk.CfnReplicator.TopicReplicationProperty(
                    topics_to_replicate=_patterns(topics), copy_topic_configurations=True,
                    copy_access_control_lists_for_topics=False, detect_and_copy_new_topics=True,
                    starting_position=msk.CfnReplicator.ReplicationStartingPositionProperty(type=starting_position),
                    topic_name_configuration=msk.CfnReplicator.ReplicationTopicNameConfigurationProperty(
                        type="IDENTICAL")),
                consumer_group_replication=msk.CfnReplicator.ConsumerGroupReplicationProperty(
                    consumer_groups_to_replicate=_patterns(consumer_groups) or ["^$"],
                    synchronise_consumer_group_offsets=True, detect_and_copy_new_consumer_groups=True,
                    consumer_group_offset_sync_mode="LEGACY"))],
            log_delivery=msk.CfnReplicator.LogDeliveryProperty(
                replicator_log_delivery=msk.CfnReplicator.ReplicatorLogDeliveryProperty(
                    cloud_watch_logs=msk.CfnReplicator.CloudWatchLogsProperty(
                        enabled=True, log_group=self.log_group.log_group_name))))
        self.resource.node.add_dependency(*self.role.policies)
        self.alarms: dict[str, cloudwatch.Alarm] = self._alarms(alarm_action)

    # ---- IAM -------------------------------------------------------------------------------------------------
    def _statements(self, source: ClusterArnParts, source_arn: str, target: KafkaCluster) -> list[iam.PolicyStatement]:
        """On the primary, exactly the replicated topics (read) and groups (describe), one statement each so that
        the role's policies stay within IAM's size quota at any count; on the standby, which only the replicator
        writes before failover, its topics and groups."""
        groups = [g[:-1] + "*" if g.endswith("*") else g for g in self.consumer_groups]
        internal = f"{INTERNAL_TOPIC_PREFIX}*"
        return [
            iam.PolicyStatement(actions=[msk_iam.CONNECT, msk_iam.DESCRIBE_CLUSTER], resources=[source_arn]),
            *(iam.PolicyStatement(actions=_READ, resources=[source.topic_arn(t)]) for t in self.topics),
            iam.PolicyStatement(actions=[*_WRITE], resources=[source.topic_arn(internal)]),
            *(iam.PolicyStatement(actions=["kafka-cluster:DescribeGroup"], resources=[source.group_arn(g)])
              for g in groups),
            iam.PolicyStatement(actions=[msk_iam.CONNECT, msk_iam.DESCRIBE_CLUSTER, "kafka-cluster:AlterCluster",
                                         msk_iam.IDEMPOTENT_PRODUCE_CLUSTER_ACTION], resources=[target.cluster_arn]),
            iam.PolicyStatement(actions=_WRITE, resources=[target.topic_arn("*")]),
            iam.PolicyStatement(actions=list(msk_iam.CONSUME_GROUP_ACTIONS), resources=[target.group_arn("*")]),
        ]

    def _wildcard_reason(self, resource: str) -> str | None:
        on_standby = (f":topic/{self._target_name}/", f":group/{self._target_name}/")
        if resource.endswith("/*") and any(part in resource for part in on_standby):
            return ("The standby cluster holds only what this replicator copies into it (its topics, with their "
                    "configurations, and the consumer groups' offsets) until failover, when the replicator is removed: "
                    "it writes every topic and group there, and nothing else does.")
        if resource.endswith(f"/{INTERNAL_TOPIC_PREFIX}*"):
            return ("MSK Replicator keeps internal topics (heartbeats, offset translation) under this prefix on the "
                    "clusters it replicates between; it owns them, and no platform topic starts with it.")
        group = next((g for g in self.consumer_groups if g.endswith("*") and resource.endswith(f"/{g}")), None)
        if group is not None:
            return (f"The consumer groups under the data team prefix {group[:-1]} have their offsets synchronised "
                    "to the standby; the prefix is the team's own (checked against every other group).")
        return None

    # ---- alarms ----------------------------------------------------------------------------------------------
    def metric(self, metric_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """``ReplicationLatency`` (ms), ``MessageLag``, ``ReplicatorThroughput`` (bytes/s) or ``ReplicatorFailure``
        of this replicator, one-minute Maximum unless ``options`` say otherwise."""
        metric = cloudwatch.Metric(namespace=REPLICATOR_NAMESPACE, metric_name=metric_name, statistic="Maximum",
                                   period=Duration.minutes(1), dimensions_map={"ReplicatorName": self.name})
        return with_options(self.node.path, "metric", metric, options, MetricOptions)

    def _alarms(self, action: cloudwatch.IAlarmAction) -> dict[str, cloudwatch.Alarm]:
        gte = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        rpo_seconds = int(self.rpo.to_seconds())
        lag = self.metric("MessageLag")
        stalled = cloudwatch.MathExpression(
            expression="IF(lag > 0 AND throughput <= 0, 1, 0)", label="Messages wait, nothing replicated",
            using_metrics={"lag": lag, "throughput": self.metric("ReplicatorThroughput", statistic="Sum")},
            period=Duration.minutes(1))
        growing = cloudwatch.MathExpression(expression="RATE(lag)", label="MessageLag per second",
                                            using_metrics={"lag": lag}, period=Duration.minutes(1))
        alarms = {
            "latency": cloudwatch.Alarm(
                self, "LatencyAlarm", metric=self.metric("ReplicationLatency"), threshold=rpo_seconds * 1000,
                comparison_operator=gte, evaluation_periods=5, datapoints_to_alarm=5,
                treat_missing_data=cloudwatch.TreatMissingData.BREACHING, alarm_name=f"{self.name}-latency",
                alarm_description=f"Replication to the standby runs {rpo_seconds} s or more behind (the declared "
                                  "RPO) for 5 minutes, or reports nothing: a failover now loses more than declared"),
            "lag-growing": cloudwatch.Alarm(
                self, "LagGrowingAlarm", metric=growing, threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluation_periods=15,
                datapoints_to_alarm=15, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_name=f"{self.name}-lag-growing",
                alarm_description="The replicator's message lag grew every minute for 15 minutes: it falls behind"),
            "stalled": cloudwatch.Alarm(
                self, "StalledAlarm", metric=stalled, threshold=1, comparison_operator=gte, evaluation_periods=5,
                datapoints_to_alarm=5, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_name=f"{self.name}-stalled",
                alarm_description="Messages wait on the primary and the replicator copies nothing, for 5 minutes"),
            "failed": cloudwatch.Alarm(
                self, "FailureAlarm", metric=self.metric("ReplicatorFailure"), threshold=1, comparison_operator=gte,
                evaluation_periods=1, datapoints_to_alarm=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING, alarm_name=f"{self.name}-failed",
                alarm_description="MSK Replicator reports a failure: replication to the standby has stopped"),
        }
        notify(action, *alarms.values())
        return alarms

    def dashboard_widgets(self) -> list[cloudwatch.IWidget]:
        return [
            cloudwatch.GraphWidget(title="Replication latency (ms)", left=[self.metric("ReplicationLatency")],
                                   left_annotations=[cloudwatch.HorizontalAnnotation(
                                       value=self.rpo.to_seconds() * 1000, label="RPO")], width=12),
            cloudwatch.GraphWidget(title="Message lag", left=[self.metric("MessageLag")], width=12),
            cloudwatch.GraphWidget(title="Throughput (bytes/s)", left=[self.metric("ReplicatorThroughput", statistic="Sum")],
                                   width=12),
            cloudwatch.AlarmStatusWidget(title="Replication alarms", alarms=list(self.alarms.values()), width=12),
        ]
