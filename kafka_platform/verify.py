"""``kafka-platform verify``: is a deployed environment ready? Read-only calls, driven by the synthesized templates.

For each stack of the environment (and of its standby): the stack is complete; then, each resource its template
declares, found by the physical id CloudFormation reports:

* every MSK cluster ``ACTIVE``;
* every Lambda function ``Active``, its last update ``Successful``;
* every ECS service steady: one deployment, ``COMPLETED``, running what it desires;
* every Connect cluster's connectors running: the health monitor's ``Connectors`` at least the declared count, and no
  ``FailedConnectors`` or ``FailedTasks``, in its latest minute (the monitor reads Connect's REST API, which only the
  VPC reaches);
* no alarm of the templates in ``ALARM``.

Read-only calls it makes (grant them to whoever runs it): ``cloudformation:DescribeStacks``,
``cloudformation:ListStackResources``, ``kafka:DescribeClusterV2``, ``lambda:GetFunctionConfiguration``,
``ecs:DescribeServices``, ``cloudwatch:DescribeAlarms``, ``cloudwatch:GetMetricData``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, Callable, Iterator, Sequence

from kafka_platform.assembly import SynthesizedStack
from kafka_platform.disaster_recovery_plan import CheckResult

Client = Callable[[str, str], Any]
READY_STACK_STATES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
CONNECT_NAMESPACE = "KafkaPlatform/Connect"
_ALARMS_PER_CALL = 100  # DescribeAlarms takes at most 100 names


def _stack(cloudformation: Any, name: str) -> dict[str, Any] | None:
    try:
        return cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    except Exception as error:  # noqa: BLE001 - botocore's ClientError, without importing botocore at module load
        if "does not exist" in str(error):
            return None
        raise


def _physical_ids(cloudformation: Any, name: str) -> dict[str, str]:
    # ListStackResources, page by page: DescribeStackResources returns only a stack's first 100 resources.
    ids = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=name):
        for resource in page["StackResourceSummaries"]:
            if resource.get("PhysicalResourceId"):
                ids[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    return ids


def _clusters(kafka: Any, arns: Sequence[str]) -> Iterator[CheckResult]:
    for arn in arns:
        info = kafka.describe_cluster_v2(ClusterArn=arn)["ClusterInfo"]
        yield CheckResult(f"cluster {info['ClusterName']}", info["State"] == "ACTIVE", info["State"])


def _functions(lambda_: Any, names: Sequence[str]) -> Iterator[CheckResult]:
    for name in names:
        found = lambda_.get_function_configuration(FunctionName=name)
        state, update = found.get("State", "Active"), found.get("LastUpdateStatus", "Successful")
        yield CheckResult(f"function {name}", state == "Active" and update == "Successful",
                          f"{state}, last update {update}")


def _services(ecs: Any, arns: Sequence[str]) -> Iterator[CheckResult]:
    by_cluster: dict[str, list[str]] = defaultdict(list)
    for arn in arns:
        # arn:aws:ecs:<region>:<account>:service/<cluster>/<service>
        by_cluster[arn.split(":service/", 1)[1].split("/")[0]].append(arn)
    for cluster, services in by_cluster.items():
        for start in range(0, len(services), 10):  # DescribeServices takes 10 services a call
            for service in ecs.describe_services(cluster=cluster, services=services[start:start + 10])["services"]:
                deployments = service.get("deployments", [])
                rollout = deployments[0].get("rolloutState", "COMPLETED") if len(deployments) == 1 else "IN_PROGRESS"
                running, desired = service["runningCount"], service["desiredCount"]
                steady = rollout == "COMPLETED" and running == desired
                yield CheckResult(f"service {service['serviceName']}", steady,
                                  f"{running} of {desired} tasks running, deployment {rollout}")


def _alarms(cloudwatch: Any, names: Sequence[str]) -> Iterator[CheckResult]:
    states: dict[str, str] = {}
    for start in range(0, len(names), _ALARMS_PER_CALL):
        for alarm in cloudwatch.describe_alarms(AlarmNames=list(names[start:start + _ALARMS_PER_CALL]))[
                "MetricAlarms"]:
            states[alarm["AlarmName"]] = alarm["StateValue"]
    firing = sorted(name for name in names if states.get(name) == "ALARM")
    missing = sorted(name for name in names if name not in states)
    yield CheckResult(f"{len(names)} alarms", not firing and not missing,
                      "none in ALARM" if not firing and not missing else
                      "; ".join([*(f"{n} in ALARM" for n in firing), *(f"{n} absent" for n in missing)]))


def _connectors(cloudwatch: Any, cluster: str, declared: int, now: dt.datetime) -> CheckResult:
    queries = [{"Id": name.lower(), "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": CONNECT_NAMESPACE, "MetricName": name,
                   "Dimensions": [{"Name": "ConnectCluster", "Value": cluster}]},
        "Period": 60, "Stat": "Maximum"}} for name in ("Connectors", "FailedConnectors", "FailedTasks")]
    found = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=now - dt.timedelta(minutes=10),
                                       EndTime=now, ScanBy="TimestampDescending")["MetricDataResults"]
    latest = {r["Id"]: (r["Values"][0] if r.get("Values") else None) for r in found}
    running, failed, failed_tasks = latest.get("connectors"), latest.get("failedconnectors"), latest.get("failedtasks")
    if running is None:
        return CheckResult(f"connectors of Connect {cluster}", False,
                           "the health monitor published nothing in 10 minutes")
    ok = running >= declared and not failed and not failed_tasks
    return CheckResult(f"connectors of Connect {cluster}", ok,
                       f"{running:g} of {declared} declared, {failed or 0:g} failed, {failed_tasks or 0:g} failed "
                       "tasks")


def verify(stacks: Sequence[SynthesizedStack], client: Client,
           now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> list[CheckResult]:
    """Every check on ``stacks`` (an environment's, its standby's included); ``client(service, region)`` returns a
    boto3 client (tests pass stubbed ones)."""
    results = []
    for stack in stacks:
        cloudformation = client("cloudformation", stack.region)
        found = _stack(cloudformation, stack.stack_name)
        if found is None:
            results.append(CheckResult(f"stack {stack.stack_name}", False, f"not deployed in {stack.region}"))
            continue
        status = found["StackStatus"]
        results.append(CheckResult(f"stack {stack.stack_name}", status in READY_STACK_STATES, status))
        if status not in READY_STACK_STATES:
            continue
        physical = _physical_ids(cloudformation, stack.stack_name)
        declared = stack.resources()

        def ids(resource_type: str) -> list[str]:
            return [physical[k] for k, r in declared.items() if r["Type"] == resource_type and k in physical]

        if clusters := ids("AWS::MSK::Cluster"):
            results += _clusters(client("kafka", stack.region), clusters)
        if functions := ids("AWS::Lambda::Function"):
            results += _functions(client("lambda", stack.region), functions)
        if services := ids("AWS::ECS::Service"):
            results += _services(client("ecs", stack.region), services)
        alarms = [str(r["Properties"]["AlarmName"]) for r in declared.values()
                  if r["Type"] == "AWS::CloudWatch::Alarm" and isinstance(r["Properties"].get("AlarmName"), str)]
        if alarms:
            results += _alarms(client("cloudwatch", stack.region), alarms)
        connectors = sum(1 for r in declared.values() if r["Type"] == "Custom::KafkaConnector")
        monitors = [r["Properties"]["Environment"]["Variables"]["CONNECT_CLUSTER"] for r in declared.values()
                    if r["Type"] == "AWS::Lambda::Function"
                    and "CONNECT_CLUSTER" in r["Properties"].get("Environment", {}).get("Variables", {})]
        for cluster in monitors:
            results.append(_connectors(client("cloudwatch", stack.region), cluster, connectors, now()))
    return results
