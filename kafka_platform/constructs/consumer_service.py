"""``KafkaConsumerService``: a Kafka consumer on ECS Fargate that scales on its consumer group's lag.

The Kafka analogue of aws-ecs-patterns' ``QueueProcessingFargateService``. Defaults, as behaviour:

* **Tasks:** at least one (``min_tasks=1``), at most one per partition consumed (``max_tasks`` defaults to the
  partitions; a larger value is an error, never a silent clamp). Zero is allowed only with ``wake_up_on_produce``:
  a group with no task loses its offsets after 7 days and MSK stops publishing its lag.
* **Step scaling** (default) on the **backlog per running task**: ``SumOffsetLag`` (1-minute periods, statistic
  Maximum, the three dimensions, one metric per topic summed with metric math) divided by Container Insights'
  ``RunningTaskCount``, the lag itself while no task runs. At or above ``scale_out_backlog_per_task_messages`` the
  service grows by a percentage of its running tasks that rises with the backlog (+100 %, +200 %, +400 % at 1, 2
  and 4 times the threshold; at least one task); at or below ``scale_in_backlog_per_task_messages`` for 8 of 10
  minutes it shrinks by ``scale_in_percent`` (20 %, at least one task); in between nothing happens. Thresholds
  derive from ``task_throughput_messages_per_second`` and ``max_delay`` when those are given (scale out at a sixth
  of the delay budget of work per task, at least 20 s; scale in at a fortieth; see
  ``kafka_platform.domain.lag_scaling``, and ``make bench`` for how they compare). Cooldowns: 4 minutes out (one
  reaction: metric, task start, rebalance), 5 minutes in.
* **Missing data:** MSK publishes no lag while the group rebalances, and every scale event causes a rebalance. The
  scale-out alarm treats a missing minute as missing: a gap pauses scale-out until the next datapoint, so the
  service never scales on lag it cannot see. The scale-in alarm treats missing minutes as not breaching: a gap never
  counts as "caught up", so scale-in needs 8 of 10 minutes with lag actually seen below the threshold.
* **Needed tasks** (``scaling_mode="needed_tasks"``, what ``make bench`` measured best and prod runs): the tasks
  the load needs, the brokers' per-topic ``MessagesInPerSec`` with ``headroom_percent`` (10) or the backlog to work
  off within a quarter of ``max_delay``, whichever needs more, rounded up to a count that divides the partitions
  evenly; two ExactCapacity step policies set that count, out at once, in after 5 minutes below the desired count
  (``kafka_platform.domain.needed_tasks``). Needs PER_TOPIC_PER_BROKER monitoring and the cluster's broker count.
* **Target tracking** (``scaling_mode="target_tracking"``): the same backlog per running task kept at
  ``target_backlog_per_task_messages`` (default: half the delay budget of work, AWS's queue recipe) through metric
  math on the L1 policy. Target tracking needs several minutes of datapoints before it acts and never scales in
  while its alarm lacks data: the simulator shows it reacting later than the steps to a month-end surge.
* **Scheduled capacity** (``scheduled_capacity``, none by default): Application Auto Scaling scheduled actions that
  move the task bounds at known times, e.g. every partition read before a month-end surge that no reaction can meet
  (``kafka_platform.domain.schedules``); the lag scaling works within whatever bounds are in force.
* **Business alarms** to ``alarm_action``: ``EstimatedMaxTimeLag`` above ``max_delay`` for 3 minutes, and no lag
  datapoint for 5 minutes while tasks run (a stuck consumer or a group that keeps rebalancing).
* **Deployments** never reset the task count (no DesiredCount in the template), keep 100% of tasks running while
  they roll (200% maximum), and roll back when the circuit breaker trips.
* **Security:** private subnets without public IPs; the brokers reached on the IAM port only, as a member of the
  cluster's client security group (no rule per service on the brokers' group);
  a task role that can read exactly its topics as exactly its group (and write ``output_topics``), nothing else.
  Secrets come from Secrets Manager as ECS secrets, never as plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence, Unpack

import jsii
from aws_cdk import Duration, RemovalPolicy, Size, Stack, TimeZone, Token
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from kafka_platform.constructs.aws_api_access import aws_api_groups
from kafka_platform.constructs.consumer_alarms import ConsumerAlarms
from kafka_platform.constructs.encryption import LogsKey, encrypted_log_group
from kafka_platform.constructs.fargate_service import private_fargate_service, task_count_target
from kafka_platform.constructs.interfaces import IKafkaCluster, IKafkaTopic
from kafka_platform.constructs.kafka_topic import KafkaTopicBase
from kafka_platform.constructs.lag_scaling import (NeededTasksScaling, StepScaling, TargetTrackingScaling,
                                                   WakeUpOnProduce, backlog_per_task)
from kafka_platform.constructs.managed_role import ManagedPolicyRole
from kafka_platform.constructs.metric_options import MathExpressionOptions, MetricOptions, SeriesOptions, with_options
from kafka_platform.constructs.props import describe, duration_problem, sequence_problem, unpinned_image_problem
from kafka_platform.constructs.references import container_secret
from kafka_platform.domain import fargate, lag_scaling, msk_iam
from kafka_platform.domain.consumers import SCALABLE_TARGET_METADATA_KEY, WAKE_UP_ALARM_SUFFIX, consumer_problems
from kafka_platform.domain.lag_scaling import ScalingStep, StepScalingPolicy, TargetTrackingPolicy
from kafka_platform.domain.needed_tasks import NeededTasksPolicy, design_needed_tasks_policy
from kafka_platform.domain.schedules import ScheduledCapacity
from kafka_platform.errors import raise_problems, show
from kafka_platform.gates.acknowledge import acknowledge

ScalingMode = Literal["steps", "target_tracking", "needed_tasks"]


@dataclass(frozen=True)
class ConsumedTopic:
    """A topic owned elsewhere, with the partition count the service sizes itself by."""

    topic_name: str
    partitions: int


@dataclass(frozen=True)
class ConsumerSecret:
    """An environment variable filled from Secrets Manager when the task starts (a JSON ``field`` if given)."""

    secret: secretsmanager.ISecret
    field: str | None = None


@jsii.implements(ec2.IConnectable, iam.IGrantable)
class KafkaConsumerService(Construct):
    """A lag-scaled Kafka consumer on Fargate; see the module docstring for every default.

    Like aws-cdk-lib's services it is ``IConnectable`` (``cluster.connections.allow_default_port_from(service)``)
    and ``IGrantable`` (``topic.grant_consume(service, group)``, ``secret.grant_read(service)``: the task role)."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster: IKafkaCluster,
                 topics: Sequence[IKafkaTopic | ConsumedTopic], consumer_group: str, image: ecs.ContainerImage,
                 max_delay: Duration, alarm_action: cloudwatch.IAlarmAction,
                 ecs_cluster: ecs.ICluster | None = None, vpc: ec2.IVpc | None = None,
                 vpc_subnets: ec2.SubnetSelection | None = None, cpu: int = 512, memory_limit_mib: int = 1024,
                 cpu_architecture: ecs.CpuArchitecture = ecs.CpuArchitecture.X86_64,
                 environment: Mapping[str, str] | None = None, secrets: Mapping[str, ConsumerSecret] | None = None,
                 output_topics: Sequence[str] = (), min_tasks: int = 1, max_tasks: int | None = None,
                 scaling_mode: ScalingMode = "steps", task_throughput_messages_per_second: float | None = None,
                 scale_out_backlog_per_task_messages: int | None = None,
                 scale_in_backlog_per_task_messages: int | None = None,
                 scale_out_steps: Sequence[ScalingStep] | None = None, scale_in_percent: int | None = None,
                 scale_out_cooldown: Duration | None = None, scale_in_cooldown: Duration | None = None,
                 target_backlog_per_task_messages: int | None = None, headroom_percent: int | None = None,
                 wake_up_on_produce: bool = False, scheduled_capacity: Sequence[ScheduledCapacity] = (),
                 logs_key: kms.IKey | None = None, log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
                 removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
                 aws_api_security_group: ec2.ISecurityGroup | None = None) -> None:
        """A lag-scaled Kafka consumer on Fargate; every default is in the module docstring.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param cluster: the MSK cluster, owned (``KafkaCluster``) or imported
            (``KafkaCluster.from_cluster_attributes``).
        :param topics: the topics it consumes: ``KafkaTopic`` (owned or imported, of the same cluster) or
            ``ConsumedTopic``; their partitions bound the tasks.
        :param consumer_group: its consumer group; one service per group and cluster.
        :param image: its container image, pinned by a version tag or a digest (never ``latest``).
        :param max_delay: the delay the business accepts (a ``Duration`` of whole seconds): the delay alarm fires above
            it and, with ``task_throughput_messages_per_second``, the scaling thresholds derive from it.
        :param alarm_action: where every alarm of the construct goes, on ALARM and on OK: ``AlarmTopic.alarm_action``,
            or any ``cloudwatch.IAlarmAction`` (aws-cdk-lib's ``SnsAction``).
        :param ecs_cluster: the ECS cluster to run in; default: a new one with Container Insights on (the scaling
            metrics need it).
        :param vpc: the VPC the tasks run in; needed when ``ecs_cluster`` is not given.
        :param vpc_subnets: where the tasks run; default: the VPC's private subnets with egress.
        :param cpu: task CPU units (Fargate's sizes); default 512.
        :param memory_limit_mib: task memory in MiB, a size Fargate offers for ``cpu``; default 1024.
        :param cpu_architecture: ``X86_64`` (default) or ``ARM64``.
        :param environment: the container's own variables; the platform's (the container contract) are reserved.
        :param secrets: variables filled from Secrets Manager at start (``ConsumerSecret``, by complete ARN).
        :param output_topics: topics it writes, by name: the task role may write exactly these.
        :param min_tasks: the fewest tasks; default 1 (0 only with ``wake_up_on_produce``).
        :param max_tasks: the most tasks; default and maximum: the partitions consumed.
        :param scaling_mode: ``steps`` (default), ``target_tracking``, or ``needed_tasks`` (sized from the incoming
            rate plus the backlog, in task counts that divide the partitions evenly; needs the cluster's
            ``PER_TOPIC_PER_BROKER`` monitoring and ``task_throughput_messages_per_second``; what ``make bench``
            measured best).
        :param task_throughput_messages_per_second: what one task processes per second: with ``max_delay`` it sets the
            thresholds.
        :param scale_out_backlog_per_task_messages: backlog per running task that adds tasks; default: derived.
        :param scale_in_backlog_per_task_messages: backlog per running task below which tasks are removed; default:
            derived.
        :param scale_out_steps: the scale-out steps (``ScalingStep``); default +100 %, +200 %, +400 % at 1, 2, 4 times
            the threshold.
        :param scale_in_percent: tasks removed per scale-in, in percent; default 20.
        :param scale_out_cooldown: wait after adding tasks (a ``Duration``); default 4 minutes.
        :param scale_in_cooldown: wait after removing tasks (a ``Duration``); default 5 minutes.
        :param target_backlog_per_task_messages: the backlog per task target tracking keeps; default: half the delay
            budget.
        :param headroom_percent: with ``needed_tasks``, capacity kept above the incoming rate; default 10.
        :param wake_up_on_produce: with ``min_tasks=0``, start a task when messages arrive (needs the cluster's
            ``PER_TOPIC_PER_BROKER`` monitoring); default off.
        :param scheduled_capacity: scheduled actions on the task bounds (``ScheduledCapacity``: a ``cron(...)`` or
            ``at(...)`` schedule, in its time zone, and the new min and/or max tasks), e.g. the peak's tasks before a
            month-end surge and the usual minimum after it; the lag scaling works within whatever bounds are in force.
            Default: none.
        :param logs_key: the KMS key its log groups are encrypted with; default: a new key (``LogsKey``).
        :param log_retention: how long its logs are kept (``logs.RetentionDays``); default a year.
        :param removal_policy: what happens to its stateful resources when removed from the stack; default RETAIN
            (DESTROY only outside protected environments).
        :param aws_api_security_group: the clients group of the VPC's AWS API endpoints
            (``PlatformNetwork.aws_api.clients``) its tasks and functions join; default: none (they then need another
            route to AWS).
        """
        super().__init__(scope, construct_id)
        # What Python's hints do not enforce, before anything reads the props (a string would be iterated).
        raise_problems(self.node.path, prop_problems(
            cluster=cluster, topics=topics, output_topics=output_topics, max_delay=max_delay,
            scale_out_cooldown=scale_out_cooldown, scale_in_cooldown=scale_in_cooldown, environment=environment,
            secrets=secrets, cpu=cpu, memory_limit_mib=memory_limit_mib, scheduled_capacity=scheduled_capacity))
        self.cluster = cluster
        self.consumer_group = consumer_group
        self.topic_names: list[str] = [t.topic_name for t in topics]
        self.partitions: int = sum(t.partitions for t in topics)
        self.max_delay = max_delay
        out_cooldown = (lag_scaling.default_scale_out_cooldown_seconds(scaling_mode) if scale_out_cooldown is None
                        else int(scale_out_cooldown.to_seconds()))
        in_cooldown = (lag_scaling.DEFAULT_SCALE_IN_COOLDOWN_SECONDS if scale_in_cooldown is None
                       else int(scale_in_cooldown.to_seconds()))
        raise_problems(self.node.path, service_problems(
            consumer_group=consumer_group, topic_names=self.topic_names, partitions=self.partitions,
            ecs_cluster=ecs_cluster, vpc=vpc, environment=environment or {}, min_tasks=min_tasks,
            max_tasks=max_tasks, wake_up_on_produce=wake_up_on_produce, scaling_mode=scaling_mode,
            task_throughput=task_throughput_messages_per_second,
            max_delay_seconds=int(max_delay.to_seconds()),
            scale_out_backlog_per_task=scale_out_backlog_per_task_messages,
            scale_in_backlog_per_task=scale_in_backlog_per_task_messages, scale_out_steps=scale_out_steps,
            scale_in_percent=scale_in_percent, scale_out_cooldown_seconds=out_cooldown, scale_in_cooldown_seconds=in_cooldown,
            target_backlog_per_task=target_backlog_per_task_messages, headroom_percent=headroom_percent,
            scheduled_capacity=tuple(scheduled_capacity), cluster=cluster))

        #: The effective scaling, as read-only data: a StepScalingPolicy, a TargetTrackingPolicy or a
        #: NeededTasksPolicy.
        self.scaling_policy: StepScalingPolicy | TargetTrackingPolicy | NeededTasksPolicy
        if scaling_mode == "needed_tasks":
            assert task_throughput_messages_per_second is not None
            self.scaling_policy = design_needed_tasks_policy(
                partitions=self.partitions, min_tasks=min_tasks, max_tasks=max_tasks,
                task_throughput=task_throughput_messages_per_second, max_delay_seconds=int(max_delay.to_seconds()),
                headroom_percent=headroom_percent, scale_out_cooldown_seconds=out_cooldown,
                scale_in_cooldown_seconds=in_cooldown)
        elif scaling_mode == "steps":
            self.scaling_policy = lag_scaling.design_step_policy(
                partitions=self.partitions, min_tasks=min_tasks, max_tasks=max_tasks,
                task_throughput=task_throughput_messages_per_second, max_delay_seconds=int(max_delay.to_seconds()),
                scale_out_backlog_per_task=scale_out_backlog_per_task_messages,
                scale_in_backlog_per_task=scale_in_backlog_per_task_messages, scale_out_steps=scale_out_steps,
                scale_in_percent=scale_in_percent, scale_out_cooldown_seconds=out_cooldown,
                scale_in_cooldown_seconds=in_cooldown)
        else:
            self.scaling_policy = lag_scaling.design_target_tracking_policy(
                partitions=self.partitions, min_tasks=min_tasks, max_tasks=max_tasks,
                task_throughput=task_throughput_messages_per_second, max_delay_seconds=int(max_delay.to_seconds()),
                target_backlog_per_task=target_backlog_per_task_messages,
                scale_out_cooldown_seconds=out_cooldown, scale_in_cooldown_seconds=in_cooldown)
        self.min_tasks: int = self.scaling_policy.min_tasks
        self.max_tasks: int = self.scaling_policy.max_tasks
        self.wake_up_on_produce = wake_up_on_produce

        self.ecs_cluster: ecs.ICluster = ecs_cluster or ecs.Cluster(self, "EcsCluster", vpc=vpc,
                                                      container_insights_v2=ecs.ContainerInsights.ENHANCED)
        logs_key = logs_key or LogsKey(self, "LogsKey", description=f"Logs of consumer {consumer_group}",
                                       removal_policy=removal_policy).key
        self.log_group: logs.LogGroup = encrypted_log_group(self, "Logs", key=logs_key, retention=log_retention,
                                             removal_policy=removal_policy)
        self.execution_role: ManagedPolicyRole = ManagedPolicyRole(
            self, "ExecutionRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description=f"Starts tasks of consumer {consumer_group}: image pull, logs, secrets")
        self.task_role: ManagedPolicyRole = ManagedPolicyRole(
            self, "TaskRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description=f"Consumer {consumer_group}: reads {', '.join(self.topic_names)} as {consumer_group}",
            statements=[*cluster.consume_statements(self.topic_names, consumer_group),
                        *(cluster.produce_statements(list(output_topics)) if output_topics else [])])
        self.task_role.node.default_child.add_metadata(msk_iam.PRINCIPAL_METADATA_KEY,
                                                       {"Kind": "service", "Name": self.node.id})

        self.task_definition: ecs.FargateTaskDefinition = ecs.FargateTaskDefinition(
            self, "TaskDefinition", cpu=cpu, memory_limit_mib=memory_limit_mib, execution_role=self.execution_role,
            task_role=self.task_role, runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=cpu_architecture, operating_system_family=ecs.OperatingSystemFamily.LINUX))
        self.container: ecs.ContainerDefinition = self.task_definition.add_container(
            "Consumer", image=image, readonly_root_filesystem=True,
            environment={**self._kafka_environment(output_topics), **(environment or {})},
            secrets={name: container_secret(self.task_definition, s.secret, s.field)
                     for name, s in (secrets or {}).items()},
            logging=ecs.LogDrivers.aws_logs(stream_prefix=consumer_group, log_group=self.log_group,
                                            mode=ecs.AwsLogDriverMode.NON_BLOCKING,
                                            max_buffer_size=Size.mebibytes(25)))
        raise_problems(self.node.path, [("image", p)] if (p := unpinned_image_problem(self.container.image_name))
                       else [])
        # An image named by its private ECR URI (ContainerImage.from_registry) gets its pull permission here, as
        # ContainerImage.from_ecr_repository's does: the execution role pulls it. Another account's repository also
        # needs that account's repository policy to admit this role.
        if not Token.is_unresolved(self.container.image_name) and (
                found := fargate.ECR_IMAGE.match(self.container.image_name)) is not None:
            ecr.Repository.from_repository_attributes(
                self, "ImageRepository", repository_name=found["repository"],
                repository_arn=f"arn:{Stack.of(self).partition}:ecr:{found['region']}:{found['account']}:repository/"
                               f"{found['repository']}",
            ).grant_pull(self.execution_role)
        _register_consumer_group(cluster, consumer_group, self.node.path)
        acknowledge(self.execution_role.policy.node.default_child, "AwsSolutions-IAM5[Resource::*]",
                    "ecr:GetAuthorizationToken has no resource-level permissions (it returns a registry login); "
                    "image pulls themselves are limited to the service's one repository.")
        acknowledge(self.task_definition.node.default_child, "AwsSolutions-ECS2",
                    "The environment holds the Kafka settings the platform derives (bootstrap brokers, topics, "
                    "group) and the team's non-secret settings; secrets arrive as ECS secrets from Secrets Manager, "
                    "and KafkaPlatform-NoSecretInEnvironment rejects any secret-looking value.")

        self.security_group: ec2.SecurityGroup = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=self.ecs_cluster.vpc, allow_all_outbound=False,
            description=f"Consumer {consumer_group}: out to the MSK IAM port and to AWS APIs over HTTPS")
        self.service: ecs.FargateService = private_fargate_service(
            self, "Service", cluster=self.ecs_cluster, task_definition=self.task_definition,
            security_groups=[*cluster.client_security_groups(self, self.security_group, f"Consumer {consumer_group}"),
                             *aws_api_groups(self.security_group, aws_api_security_group, "Consumer")],
            vpc_subnets=vpc_subnets or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS))
        self._connections = self.service.connections

        self.scalable_target: appscaling.ScalableTarget = task_count_target(self, "TaskCount", ecs_cluster=self.ecs_cluster, service=self.service,
                                                 min_capacity=self.min_tasks, max_capacity=self.max_tasks)
        # What the KafkaPlatform-ConsumerTasksWithinPartitions rule checks MaxCapacity against, and what the scaling
        # simulator needs beside the deployed policy: the consumer it scales (kafka_platform.deployed_scaling).
        self.scalable_target.node.default_child.add_metadata(SCALABLE_TARGET_METADATA_KEY, {
            "Service": construct_id, "ConsumerGroup": consumer_group, "Topics": self.topic_names,
            "Partitions": self.partitions, "MaxDelaySeconds": int(max_delay.to_seconds()),
            **({} if task_throughput_messages_per_second is None
               else {"TaskThroughputMessagesPerSecond": task_throughput_messages_per_second}),
            **({"NeededTasks": {"HeadroomPercent": self.scaling_policy.headroom_percent,
                                "DrainSeconds": self.scaling_policy.drain_seconds}}
               if isinstance(self.scaling_policy, NeededTasksPolicy) else {})})
        self.configure_scaling()
        #: The scheduled actions on the task bounds, as given.
        self.scheduled_capacity: tuple[ScheduledCapacity, ...] = tuple(scheduled_capacity)
        for action in self.scheduled_capacity:
            self.scalable_target.scale_on_schedule(
                action.name, schedule=appscaling.Schedule.expression(action.schedule),
                min_capacity=action.min_tasks, max_capacity=action.max_tasks,
                time_zone=None if action.timezone == "UTC" else TimeZone.of(action.timezone))
        self.alarms: ConsumerAlarms = ConsumerAlarms(self, "Alarms", service=self, alarm_action=alarm_action)

    @property
    def connections(self) -> ec2.Connections:
        """The tasks' network connections (their own security group)."""
        return self._connections

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The task role: what the service's code runs as."""
        return self.task_role

    # ---- scaling -----------------------------------------------------------------------------------------------
    def configure_scaling(self) -> None:
        """Wire ``scaling_policy`` to the scalable target; override to scale differently."""
        self.needed_tasks_scaling: NeededTasksScaling | None = None
        if isinstance(self.scaling_policy, StepScalingPolicy):
            self.step_scaling: StepScaling | None = StepScaling(
                self, "LagScaling", target=self.scalable_target, policy=self.scaling_policy,
                backlog=self.metric_backlog_per_task(), alarm_name_prefix=self.alarm_name_prefix)
        elif isinstance(self.scaling_policy, NeededTasksPolicy):
            self.step_scaling = None
            self.needed_tasks_scaling = NeededTasksScaling(
                self, "NeededTasks", target=self.scalable_target, policy=self.scaling_policy, cluster=self.cluster,
                consumer_group=self.consumer_group, topics=self.topic_names,
                desired_tasks=self.metric_desired_tasks(), alarm_name_prefix=self.alarm_name_prefix)
        else:
            self.step_scaling = None
            TargetTrackingScaling(self, "TargetTracking", target=self.scalable_target,
                                  policy=self.scaling_policy, lag_metrics=self._lag_metrics_by_topic(),
                                  running_tasks=self.metric_running_tasks())
        if self.wake_up_on_produce:
            WakeUpOnProduce(self, "WakeUp", target=self.scalable_target, cluster=self.cluster,
                            topics=self.topic_names, running_tasks=self.metric_running_tasks(),
                            alarm_name=f"{self.alarm_name_prefix}{WAKE_UP_ALARM_SUFFIX}")

    # ---- metrics -----------------------------------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        """How a responder reads the service: its name, and its consumer group where that differs
        (``repayments-processor (group repayments-processing)``): the alarms' descriptions and the dashboard's rows
        use it, the alarms' names keep the group (renaming an alarm replaces it, and whoever routes on it)."""
        name = self.node.id
        return name if name == self.consumer_group else f"{name} (group {self.consumer_group})"

    @property
    def alarm_name_prefix(self) -> str:
        """Alarm names: ``<cluster>-<consumer group>-<what>``, unique per account and region."""
        return f"{self.cluster.cluster_name}-{self.consumer_group}"

    def metric_sum_offset_lag(self, **options: Unpack[SeriesOptions]) -> cloudwatch.IMetric:
        """The group's lag over all its topics, one-minute Maximum: a plain metric for one topic, a math expression
        (``SUM``) for several."""
        # One topic stays unlabelled, so that an alarm on it is written in CloudWatch's plain metric form.
        label: SeriesOptions = {} if len(self.topic_names) == 1 else {"label": f"{self.consumer_group} lag (messages)"}
        series = self.cluster.metric_sum_offset_lag_across(self.consumer_group, self.topic_names, **label)
        return with_options(self.node.path, "metric_sum_offset_lag", series, options, SeriesOptions)

    def metric_backlog_per_task(self, **options: Unpack[MathExpressionOptions]) -> cloudwatch.MathExpression:
        """The group's lag over all its topics per running task (the lag itself while none runs), one minute: what
        the step alarms watch. Divided by the per-task throughput it is the seconds the tasks need to catch up.
        Always a math expression."""
        series = backlog_per_task(self._lag_metrics_by_topic(), self.metric_running_tasks(),
                                  label=f"{self.consumer_group} backlog per task (messages)")
        return with_options(self.node.path, "metric_backlog_per_task", series, options, MathExpressionOptions)

    def _lag_metrics_by_topic(self) -> list[cloudwatch.Metric]:
        return [self.cluster.metric_sum_offset_lag(self.consumer_group, topic) for topic in self.topic_names]

    def metric_estimated_max_time_lag(self, **options: Unpack[SeriesOptions]) -> cloudwatch.IMetric:
        """Seconds to drain the worst partition, worst topic first: the delay the business feels. A plain metric for
        one topic, a math expression (``MAX``) for several."""
        metrics = {f"delay{i}": self.cluster.metric_estimated_max_time_lag(self.consumer_group, topic)
                   for i, topic in enumerate(self.topic_names)}
        series: cloudwatch.IMetric = next(iter(metrics.values())) if len(metrics) == 1 else cloudwatch.MathExpression(
            expression=f"MAX([{', '.join(metrics)}])", using_metrics=metrics, period=Duration.minutes(1),
            label=f"{self.consumer_group} delay (s)")
        return with_options(self.node.path, "metric_estimated_max_time_lag", series, options, SeriesOptions)

    def metric_running_tasks(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Container Insights' running task count (the ECS cluster must have Container Insights on)."""
        return with_options(self.node.path, "metric_running_tasks", self._insights_metric("RunningTaskCount"),
                            options, MetricOptions)

    def metric_desired_tasks(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Container Insights' desired task count: what the scaling policies asked for."""
        return with_options(self.node.path, "metric_desired_tasks", self._insights_metric("DesiredTaskCount"),
                            options, MetricOptions)

    def metric_pending_tasks(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Container Insights' pending task count: tasks asked for that have not started (placement, image pull,
        secrets)."""
        return with_options(self.node.path, "metric_pending_tasks", self._insights_metric("PendingTaskCount"),
                            options, MetricOptions)

    def _insights_metric(self, name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(namespace="ECS/ContainerInsights", metric_name=name, statistic="Average",
                                 period=Duration.minutes(1), dimensions_map={
                                     "ClusterName": self.ecs_cluster.cluster_name,
                                     "ServiceName": self.service.service_name})

    def _kafka_environment(self, output_topics: Sequence[str]) -> dict[str, str]:
        """What every consumer needs to connect with MSK IAM, derived so that no team writes it by hand."""
        environment = {"KAFKA_BOOTSTRAP_SERVERS": self.cluster.bootstrap_brokers,
                       "KAFKA_TOPICS": ",".join(self.topic_names), "KAFKA_CONSUMER_GROUP": self.consumer_group,
                       "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "AWS_MSK_IAM"}
        if output_topics:
            environment["KAFKA_OUTPUT_TOPICS"] = ",".join(output_topics)
        return environment


#: The variables the platform sets in every consumer task (the container contract); a team's environment or secrets
#: may not replace them.
RESERVED_VARIABLES = ("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_TOPICS", "KAFKA_CONSUMER_GROUP", "KAFKA_SECURITY_PROTOCOL",
                      "KAFKA_SASL_MECHANISM", "KAFKA_OUTPUT_TOPICS")


def prop_problems(*, cluster: IKafkaCluster, topics: Any, output_topics: Any, max_delay: Any,
                  scale_out_cooldown: Any, scale_in_cooldown: Any, environment: Any, secrets: Any, cpu: int,
                  memory_limit_mib: int, scheduled_capacity: Any = ()) -> list[tuple[str, str]]:
    """The props' shapes: lists that are lists, Durations of whole seconds, topics of this cluster, secrets by
    complete ARN, no reserved variable, a Fargate size."""
    problems: list[tuple[str, str]] = []
    if (p := sequence_problem(topics, (KafkaTopicBase, ConsumedTopic), "KafkaTopic or ConsumedTopic",
                              'ConsumedTopic("repayments", partitions=24)')) is not None:
        problems.append(("topics", p))
    else:
        for topic in topics:
            if isinstance(topic, KafkaTopicBase) and topic.cluster.cluster_name != cluster.cluster_name:
                problems.append(("topics", f"{show(topic.topic_name)} is a topic of cluster "
                                           f"{show(topic.cluster.cluster_name)}, not of this service's cluster "
                                           f"{show(cluster.cluster_name)}: its grant would land on the wrong cluster; "
                                           "pass the topic of this cluster, or a ConsumedTopic"))
    if (p := sequence_problem(output_topics, str, "topic names", '"collections-outcomes"')) is not None:
        problems.append(("output_topics", p))
    if (p := sequence_problem(scheduled_capacity, ScheduledCapacity, "ScheduledCapacity",
                              'ScheduledCapacity("month-end", "cron(50 8 L * ? *)", min_tasks=24)')) is not None:
        problems.append(("scheduled_capacity", p))
    for name, value in (("max_delay", max_delay), ("scale_out_cooldown", scale_out_cooldown),
                        ("scale_in_cooldown", scale_in_cooldown)):
        if (value is not None or name == "max_delay") and (p := duration_problem(value)) is not None:
            problems.append((name, p))
    for name, given in (("environment", environment), ("secrets", secrets)):
        for variable in sorted(set(given or {}) & set(RESERVED_VARIABLES)):
            problems.append((f"{name}.{variable}", "is set by the platform (the container contract); remove it, or "
                                                   "use a name of your own"))
    for variable, secret in sorted((secrets or {}).items()):
        arn = getattr(getattr(secret, "secret", None), "secret_full_arn", None)
        if not isinstance(secret, ConsumerSecret):
            problems.append((f"secrets.{variable}", f"{describe(secret)} is not a ConsumerSecret; pass "
                                                    "ConsumerSecret(secretsmanager.Secret.from_secret_complete_arn(...))"))
        elif arn is None:
            problems.append((f"secrets.{variable}", "names its secret without the complete ARN (by name or partial "
                                                    "ARN), so its readers cannot be granted exactly it; use "
                                                    "Secret.from_secret_complete_arn with the ARN's six-character "
                                                    "suffix"))
    if (size := fargate.task_size_problem(cpu, memory_limit_mib)) is not None:
        problems.append(({"memory_mib": "memory_limit_mib"}.get(size[0], size[0]), size[1]))
    return problems


def _register_consumer_group(cluster: IKafkaCluster, consumer_group: str, path: str) -> None:
    """Two services in one consumer group split its partitions between them, each scaling on the group's whole lag,
    and their alarms collide by name: refused."""
    services = cluster.__dict__.setdefault("_consumer_services", {})
    if consumer_group in services and services[consumer_group] != path:
        raise_problems(path, [("consumer_group", f"{show(consumer_group)} is already the group of "
                                                 f"{services[consumer_group]} on cluster {show(cluster.cluster_name)}; "
                                                 "each service needs a consumer group of its own")])
    services[consumer_group] = path


# Where a prop is named differently from the configuration field the domain check is keyed by.
_PROP_NAMES = {"max_delay_seconds": "max_delay", "scale_out_cooldown_seconds": "scale_out_cooldown",
               "scale_in_cooldown_seconds": "scale_in_cooldown"}


def service_problems(*, ecs_cluster: ecs.ICluster | None, vpc: ec2.IVpc | None, cluster: IKafkaCluster,
                     **settings: Any) -> list[tuple[str, str]]:
    """Every prop check, keyed by prop name: the domain checks the configuration loader runs, plus the props that
    only exist here."""
    problems: list[tuple[str, str]] = []
    if (ecs_cluster is None) == (vpc is None):
        problems.append(("ecs_cluster", "and vpc are both set or both missing; pass ecs_cluster (an existing ECS "
                                        "cluster) or vpc (a new cluster is created), not both"))
    if settings["scaling_mode"] not in ("steps", "target_tracking", "needed_tasks"):
        return problems + [("scaling_mode", f"{settings['scaling_mode']!r} is not a scaling mode; use steps, "
                                            "target_tracking or needed_tasks")]
    for field, message in consumer_problems(broker_count=cluster.broker_count, **settings):
        problems.append((_PROP_NAMES.get(field, field), message))
    return problems
