"""Consumer services' scaling as synthesized: scalable targets, their step or target-tracking policies, and the
alarms whose actions point at those policies, read from the templates in cdk.out.

The link is the one CloudFormation itself follows: a policy's ``ScalingTargetId`` refers to the target, an alarm's
``AlarmActions`` refer to the policy. The synth summary and the scaling simulator both read this, so they describe
what is deployed, not a second description of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kafka_platform.assembly import CloudAssembly, SynthesizedStack
from kafka_platform.errors import ConfigurationError, Problem
from kafka_platform.domain.consumers import SCALABLE_TARGET_METADATA_KEY, WAKE_UP_ALARM_SUFFIX
from kafka_platform.domain.needed_tasks import NeededTasksPolicy
from kafka_platform.domain.schedules import ScheduledCapacity


# What KafkaConsumerService writes on its scalable target (TaskThroughputMessagesPerSecond only when declared).
REQUIRED_METADATA = ("Service", "ConsumerGroup", "Topics", "Partitions", "MaxDelaySeconds")


@dataclass(frozen=True)
class StepAdjustment:
    """Relative to the alarm threshold: lower bound inclusive, upper exclusive above it (the reverse below)."""

    lower: float | None
    upper: float | None
    adjustment: int


@dataclass(frozen=True)
class DeployedAlarm:
    name: str
    threshold: float
    comparison: str
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    period_seconds: int
    metrics: tuple[dict[str, Any], ...]  # metric queries (or the single metric), as in the template


@dataclass(frozen=True)
class DeployedStepPolicy:
    adjustment_type: str
    cooldown_seconds: int | None  # None: omitted, Application Auto Scaling then applies 300 s
    metric_aggregation: str
    steps: tuple[StepAdjustment, ...]
    min_adjustment_magnitude: int | None
    alarms: tuple[DeployedAlarm, ...]


@dataclass(frozen=True)
class DeployedTargetTracking:
    target_value: float
    scale_out_cooldown_seconds: int | None
    scale_in_cooldown_seconds: int | None
    metrics: tuple[dict[str, Any], ...]


@dataclass
class DeployedService:
    stage: str
    stack: str
    name: str
    consumer_group: str
    topics: tuple[str, ...]
    min_capacity: int
    max_capacity: int
    partitions: int
    max_delay_seconds: float
    task_throughput: float | None  # messages per second one task processes, when the service declared it
    step_policies: list[DeployedStepPolicy] = field(default_factory=list)
    target_tracking: DeployedTargetTracking | None = None
    needed_tasks: NeededTasksPolicy | None = None  # scaling_mode needed_tasks: its settings, from the metadata
    scheduled: tuple[ScheduledCapacity, ...] = ()  # the scalable target's ScheduledActions

    @property
    def path(self) -> str:
        """``Prod/loan-approvals``, or the bare name in an app without stages."""
        return f"{self.stage}/{self.name}" if self.stage else self.name

    @property
    def scale_out(self) -> DeployedStepPolicy | None:
        """The step policy on an upper alarm that only adds tasks (a wake-up policy is told apart by its alarm)."""
        return next((p for p in self.step_policies if p.alarms and all(s.adjustment > 0 for s in p.steps)
                     and "GreaterThan" in p.alarms[0].comparison
                     and not p.alarms[0].name.endswith(WAKE_UP_ALARM_SUFFIX)), None)

    @property
    def scale_in(self) -> DeployedStepPolicy | None:
        """The step policy that only removes tasks: negative steps, or exact counts on a lower alarm."""
        return next((p for p in self.step_policies if p.alarms and (
            all(s.adjustment < 0 for s in p.steps)
            or (p.adjustment_type == "ExactCapacity" and "LessThan" in p.alarms[0].comparison))), None)

    @property
    def wake_up(self) -> DeployedStepPolicy | None:
        return next((p for p in self.step_policies
                     if p.alarms and p.alarms[0].name.endswith(WAKE_UP_ALARM_SUFFIX)), None)


def read_services(assembly: CloudAssembly, stage: str | None = None) -> list[DeployedService]:
    return [service for stack in assembly.stacks(stage) for service in _services(stack)]


def _services(stack: SynthesizedStack) -> list[DeployedService]:
    resources = stack.template.get("Resources", {})
    services = []
    for target_id, target in resources.items():
        consumer = target.get("Metadata", {}).get(SCALABLE_TARGET_METADATA_KEY)
        if target["Type"] != "AWS::ApplicationAutoScaling::ScalableTarget" or not consumer:
            continue
        if missing := [key for key in REQUIRED_METADATA if key not in consumer]:
            field = f"{target_id}.Metadata.{SCALABLE_TARGET_METADATA_KEY}"
            raise ConfigurationError([Problem(str(stack.template_path), field,
                                              f"lacks {', '.join(missing)}: synthesized by an older kafka-platform; "
                                              "synthesize again (make synth)")])
        service = DeployedService(stage=stack.stage, stack=stack.name, name=consumer["Service"],
                                  consumer_group=consumer["ConsumerGroup"], topics=tuple(consumer["Topics"]),
                                  min_capacity=target["Properties"]["MinCapacity"],
                                  max_capacity=target["Properties"]["MaxCapacity"],
                                  partitions=consumer["Partitions"], max_delay_seconds=consumer["MaxDelaySeconds"],
                                  task_throughput=consumer.get("TaskThroughputMessagesPerSecond"),
                                  scheduled=_scheduled(target["Properties"].get("ScheduledActions", [])))
        if (settings := consumer.get("NeededTasks")) is not None:
            service.needed_tasks = NeededTasksPolicy(
                min_tasks=service.min_capacity, max_tasks=service.max_capacity, partitions=service.partitions,
                task_throughput=consumer["TaskThroughputMessagesPerSecond"], drain_seconds=settings["DrainSeconds"],
                headroom_percent=settings["HeadroomPercent"])
        for policy_id, policy in resources.items():
            if policy["Type"] != "AWS::ApplicationAutoScaling::ScalingPolicy":
                continue
            properties = policy["Properties"]
            if properties.get("ScalingTargetId") != {"Ref": target_id}:
                continue
            if properties["PolicyType"] == "StepScaling":
                service.step_policies.append(_step_policy(properties["StepScalingPolicyConfiguration"],
                                                          _alarms_acting_on(resources, policy_id)))
            else:
                configuration = properties["TargetTrackingScalingPolicyConfiguration"]
                service.target_tracking = DeployedTargetTracking(
                    target_value=configuration["TargetValue"],
                    scale_out_cooldown_seconds=configuration.get("ScaleOutCooldown"),
                    scale_in_cooldown_seconds=configuration.get("ScaleInCooldown"),
                    metrics=tuple(configuration["CustomizedMetricSpecification"]["Metrics"]))
        services.append(service)
    return services


def _scheduled(actions: list[dict[str, Any]]) -> tuple[ScheduledCapacity, ...]:
    """The target's scheduled actions as ``ScheduledCapacity`` (a missing ``Timezone`` is UTC)."""
    return tuple(ScheduledCapacity(name=a["ScheduledActionName"], schedule=a["Schedule"],
                                   min_tasks=a.get("ScalableTargetAction", {}).get("MinCapacity"),
                                   max_tasks=a.get("ScalableTargetAction", {}).get("MaxCapacity"),
                                   timezone=a.get("Timezone", "UTC")) for a in actions)


def _step_policy(configuration: dict[str, Any], alarms: list[DeployedAlarm]) -> DeployedStepPolicy:
    return DeployedStepPolicy(
        adjustment_type=configuration["AdjustmentType"], cooldown_seconds=configuration.get("Cooldown"),
        metric_aggregation=configuration.get("MetricAggregationType", "Average"),
        min_adjustment_magnitude=configuration.get("MinAdjustmentMagnitude"),
        steps=tuple(StepAdjustment(s.get("MetricIntervalLowerBound"), s.get("MetricIntervalUpperBound"),
                                   s["ScalingAdjustment"]) for s in configuration["StepAdjustments"]),
        alarms=tuple(alarms))


def _alarms_acting_on(resources: dict[str, Any], policy_id: str) -> list[DeployedAlarm]:
    alarms = []
    for alarm in resources.values():
        if alarm["Type"] != "AWS::CloudWatch::Alarm" or {"Ref": policy_id} not in alarm["Properties"].get(
                "AlarmActions", []):
            continue
        p = alarm["Properties"]
        metrics = tuple(p["Metrics"]) if "Metrics" in p else ({
            "Id": "m0", "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": p["Namespace"], "MetricName": p["MetricName"],
                           "Dimensions": p.get("Dimensions", [])}, "Stat": p.get("Statistic"),
                "Period": p.get("Period")}},)
        periods = [m["MetricStat"].get("Period") for m in metrics if "MetricStat" in m] + [
            m.get("Period") for m in metrics if "Expression" in m]
        alarms.append(DeployedAlarm(
            name=p.get("AlarmName", ""), threshold=p["Threshold"], comparison=p["ComparisonOperator"],
            evaluation_periods=p["EvaluationPeriods"], datapoints_to_alarm=p.get("DatapointsToAlarm",
                                                                                 p["EvaluationPeriods"]),
            treat_missing_data=p.get("TreatMissingData", "missing"),
            period_seconds=next((x for x in periods if x), 60), metrics=metrics))
    return alarms
