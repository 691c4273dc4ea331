"""``kafka-platform status``: what a responder needs first, read from AWS (read-only) for the services and the Connect
cluster an environment's synthesized assembly declares.

Per consumer service: tasks running, desired and pending against the bounds in force (a scheduled action may have
set them) and the template's; the last scaling activity; the scheduled actions; the delay alarm's state and its
latest datapoint as CloudWatch states it (the delay against the target). For the Connect cluster: the health
monitor's last published counts. Then every alarm of the environment in ALARM.

The calls, all read-only: ``cloudformation:DescribeStackResources``, ``ecs:DescribeServices``,
``application-autoscaling:DescribeScalableTargets``, ``DescribeScheduledActions`` and ``DescribeScalingActivities``,
``cloudwatch:DescribeAlarms`` and ``GetMetricData``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from kafka_platform.assembly import CloudAssembly, SynthesizedStack
from kafka_platform.deployed_scaling import DeployedService, read_services
from kafka_platform.domain.connect_worker import WORKERS_METADATA_KEY
from kafka_platform.domain.consumers import SCALABLE_TARGET_METADATA_KEY
from kafka_platform.errors import ConfigurationError, Problem

Client = Callable[[str, str], Any]
#: The health monitor's counts, as it publishes them every minute (``lambda/connect_health.py``).
CONNECT_COUNTS = ("Connectors", "FailedConnectors", "FailedTasks", "CredentialsRefused", "DriftedConnectors")


@dataclass
class ServiceStatus:
    service: DeployedService
    resource_id: str
    running: int | None = None
    desired: int | None = None
    pending: int | None = None
    bounds: tuple[int, int] | None = None
    last_activity: str | None = None
    scheduled: list[str] = field(default_factory=list)
    delay: str | None = None


@dataclass
class Status:
    stage: str
    region: str
    services: list[ServiceStatus]
    connect: dict[str, dict[str, float | None]]
    in_alarm: list[str]

    @property
    def needs_attention(self) -> bool:
        return bool(self.in_alarm) or any(s.running is not None and s.desired is not None and s.running < s.desired
                                          for s in self.services)


def _alarm_name(stack: SynthesizedStack, service: str, alarm: str) -> str | None:
    for resource in stack.resources("AWS::CloudWatch::Alarm").values():
        if resource.get("Metadata", {}).get("aws:cdk:path", "").endswith(f"/{service}/Alarms/{alarm}/Resource"):
            return resource["Properties"].get("AlarmName")
    return None


def read_status(assembly: CloudAssembly, stage: str, client: Client, *, service: str | None = None,
                now: datetime | None = None) -> Status:
    stacks = {s.name: s for s in assembly.stacks(stage)}
    if not stacks:
        raise ValueError(f"the assembly has no stage {stage}")
    region = next(iter(stacks.values())).region
    services = [s for s in read_services(assembly, stage) if service is None or s.name == service]
    if service is not None and not services:
        raise ConfigurationError([Problem(str(assembly.directory), "", f"stage {stage} has no consumer service "
                                          f"{service!r}; kafka-platform summary lists them")])
    cloudformation, autoscaling = client("cloudformation", region), client("application-autoscaling", region)
    ecs, cloudwatch = client("ecs", region), client("cloudwatch", region)
    physical: dict[str, dict[str, str]] = {}
    statuses = []
    for deployed in services:
        stack = stacks[deployed.stack]
        if stack.stack_name not in physical:
            found = cloudformation.describe_stack_resources(StackName=stack.stack_name)["StackResources"]
            physical[stack.stack_name] = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in found}
        target_id = next(i for i, r in stack.resources("AWS::ApplicationAutoScaling::ScalableTarget").items()
                         if r.get("Metadata", {}).get(SCALABLE_TARGET_METADATA_KEY, {}).get("Service") == deployed.name)
        # service/<ECS cluster>/<ECS service>|ecs:service:DesiredCount|ecs: the target names the service.
        resource_id = physical[stack.stack_name].get(target_id, "").split("|")[0]
        status = ServiceStatus(deployed, resource_id)
        if resource_id.count("/") == 2:
            _, cluster, name = resource_id.split("/")
            [found] = ecs.describe_services(cluster=cluster, services=[name])["services"] or [{}]
            status.running, status.desired, status.pending = (found.get("runningCount"), found.get("desiredCount"),
                                                              found.get("pendingCount"))
            targets = autoscaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource_id])
            for target in targets["ScalableTargets"]:
                status.bounds = (target["MinCapacity"], target["MaxCapacity"])
            activities = autoscaling.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=resource_id,
                                                                 MaxResults=1)["ScalingActivities"]
            if activities:
                last = activities[0]
                status.last_activity = f"{last['StartTime']:%Y-%m-%d %H:%M} {last['StatusCode']}: " \
                                       f"{last['Description']}"
            actions = autoscaling.describe_scheduled_actions(ServiceNamespace="ecs",
                                                             ResourceId=resource_id)["ScheduledActions"]
            status.scheduled = [f"{a['ScheduledActionName']} {a['Schedule']} {a.get('Timezone', 'UTC')}: "
                                + ", ".join(f"{k[:3].lower()} {v}" for k, v in
                                            sorted(a.get("ScalableTargetAction", {}).items())) for a in actions]
        delay = _alarm_name(stack, deployed.name, "Delay")
        if delay:
            for alarm in cloudwatch.describe_alarms(AlarmNames=[delay])["MetricAlarms"]:
                status.delay = f"{alarm['StateValue']} ({alarm.get('StateReason', '')})"
        statuses.append(status)
    connect = {}
    now = now or datetime.now(timezone.utc)
    for stack in stacks.values():
        for resource in stack.resources("AWS::ApplicationAutoScaling::ScalableTarget").values():
            name = resource.get("Metadata", {}).get(WORKERS_METADATA_KEY, {}).get("ConnectCluster")
            if name and service is None:
                connect[name] = _connect_counts(cloudwatch, name, now)
    in_alarm = sorted(a["AlarmName"] for a in _alarms_in_alarm(cloudwatch, stacks.values()))
    return Status(stage, region, statuses, connect, in_alarm)


def _connect_counts(cloudwatch: Any, name: str, now: datetime) -> dict[str, float | None]:
    queries = [{"Id": f"m{n}", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "KafkaPlatform/Connect", "MetricName": metric,
                   "Dimensions": [{"Name": "ConnectCluster", "Value": name}]},
        "Period": 60, "Stat": "Maximum"}} for n, metric in enumerate(CONNECT_COUNTS)]
    answer = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=now - timedelta(minutes=10),
                                        EndTime=now, ScanBy="TimestampDescending")
    values = {r["Id"]: (r.get("Values") or [None])[0] for r in answer["MetricDataResults"]}
    return {metric: values.get(f"m{n}") for n, metric in enumerate(CONNECT_COUNTS)}


def _alarms_in_alarm(cloudwatch: Any, stacks: Any) -> list[dict[str, Any]]:
    names = {r["Properties"]["AlarmName"] for s in stacks for r in s.resources("AWS::CloudWatch::Alarm").values()
             if isinstance(r["Properties"].get("AlarmName"), str)}
    found, token = [], None
    while True:
        page = cloudwatch.describe_alarms(StateValue="ALARM", MaxRecords=100, **({"NextToken": token} if token else {}))
        found += [a for a in page["MetricAlarms"] if a["AlarmName"] in names]
        token = page.get("NextToken")
        if not token:
            return found


def render(status: Status) -> str:
    lines = [f"{status.stage} ({status.region}):"]
    for s in status.services:
        service = s.service
        template = f"{service.min_capacity}-{service.max_capacity}"
        if s.running is None:
            where = s.resource_id or "no scalable target"
            lines.append(f"  {service.name} (group {service.consumer_group}): not found in AWS ({where}): is the "
                         "stack deployed?")
            continue
        bounds = f"{s.bounds[0]}-{s.bounds[1]}" if s.bounds else "unknown"
        lines.append(f"  {service.name} (group {service.consumer_group}): {s.running} running, {s.desired} desired, "
                     f"{s.pending} pending; bounds in force {bounds} (template {template}"
                     + (", a scheduled action or a hand has changed them)" if s.bounds and bounds != template else ")"))
        lines.append(f"    delay (target {service.max_delay_seconds:g} s): {s.delay or 'no alarm found'}")
        lines.append(f"    last scaling: {s.last_activity or 'none recorded'}")
        lines += [f"    scheduled: {a}" for a in s.scheduled]
    for name, counts in status.connect.items():
        shown = ", ".join(f"{metric} {'-' if value is None else f'{value:g}'}" for metric, value in counts.items())
        lines.append(f"  connect {name} (health monitor, last published minute): {shown}")
    lines.append("  alarms in ALARM: " + (", ".join(status.in_alarm) if status.in_alarm else "none"))
    return "\n".join(lines)
