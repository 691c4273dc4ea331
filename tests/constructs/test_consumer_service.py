"""Every shipped consumer service in every environment: scaling, alarms, capacity, IAM, network, deployment."""

import json

import pytest
from aws_cdk import Duration
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Template

from kafka_platform.constructs.alarm_topic import AlarmTopic
from kafka_platform.constructs.consumer_service import ConsumedTopic, KafkaConsumerService
from kafka_platform.constructs.kafka_cluster import KafkaCluster
from kafka_platform.domain.lag_scaling import ScalingStep
from kafka_platform.domain.schedules import ScheduledCapacity
from kafka_platform.errors import ConfigurationError
from tests.conftest import ENVIRONMENT_NAMES
from tests.support import new_stack, new_vpc, resources

SHIPPED = [(environment, name) for environment in ENVIRONMENT_NAMES
           for name in ("loan-approvals", "repayments-processor", "credit-assessment", "card-fraud-screening")]
# Prod sizes every service on the tasks its load needs; dev scales card fraud screening by target tracking (the
# alternative mode); everything else scales on steps.
TRACKING_SERVICES = [("dev", "card-fraud-screening")]
NEEDED_SERVICES = [(environment, name) for environment, name in SHIPPED if environment == "prod"]
STEP_SERVICES = [service for service in SHIPPED if service not in TRACKING_SERVICES + NEEDED_SERVICES]
BACKLOG = "IF(FILL(tasks, 0) > 0, FILL(lag0, REPEAT) / FILL(tasks, 1), FILL(lag0, REPEAT))"


def consumer_resources(synthesized, environment, name, resource_type):
    template = synthesized.raw(environment, "Consumers")
    return {k: r for k, r in resources(template, resource_type).items()
            if r["Metadata"]["aws:cdk:path"].split("/")[2] == name}


def one(synthesized, environment, name, resource_type, path_suffix=""):
    found = [r for r in consumer_resources(synthesized, environment, name, resource_type).values()
             if r["Metadata"]["aws:cdk:path"].endswith(path_suffix)]
    assert len(found) == 1, (environment, name, resource_type, path_suffix, len(found))
    return found[0]["Properties"]


def config(environments, environment, name):
    return next(c for c in environments[environment].consumers if c.name == name)


def partitions(environments, environment, consumer):
    return sum(environments[environment].topic(t).partitions for t in consumer.topics)


@pytest.mark.parametrize("environment,name", SHIPPED)
def test_capacity_runs_from_min_tasks_to_at_most_the_partitions(synthesized, environments, environment, name):
    consumer = config(environments, environment, name)
    target = one(synthesized, environment, name, "AWS::ApplicationAutoScaling::ScalableTarget")
    expected_max = consumer.max_tasks or partitions(environments, environment, consumer)
    assert (target["MinCapacity"], target["MaxCapacity"]) == (consumer.min_tasks, expected_max)
    assert target["MaxCapacity"] <= partitions(environments, environment, consumer)
    assert target["ScalableDimension"] == "ecs:service:DesiredCount"
    assert "AWSServiceRoleForApplicationAutoScaling_ECSService" in json.dumps(target["RoleARN"])


def backlog_queries(alarm):
    return {m["Id"]: m for m in alarm["Metrics"]}


@pytest.mark.parametrize("environment,name", STEP_SERVICES)
def test_scaling_alarms_watch_the_group_lag_per_running_task_every_minute(synthesized, environments, environment,
                                                                          name):
    consumer = config(environments, environment, name)
    service = synthesized.stages[environment].consumer_services[name]
    for kind in ("ScaleOutAlarm", "ScaleInAlarm"):
        queries = backlog_queries(one(synthesized, environment, name, "AWS::CloudWatch::Alarm", f"{kind}/Resource"))
        assert set(queries) == {"lag0", "tasks", "expr_1"}
        lag = queries["lag0"]["MetricStat"]
        assert (lag["Metric"]["Namespace"], lag["Metric"]["MetricName"], lag["Stat"], lag["Period"]) == (
            "AWS/Kafka", "SumOffsetLag", "Maximum", 60)
        assert sorted(lag["Metric"]["Dimensions"], key=lambda d: d["Name"]) == [
            {"Name": "Cluster Name", "Value": environments[environment].kafka.cluster_name},
            {"Name": "Consumer Group", "Value": consumer.consumer_group},
            {"Name": "Topic", "Value": consumer.topics[0]}]
        tasks = queries["tasks"]["MetricStat"]
        assert (tasks["Metric"]["Namespace"], tasks["Metric"]["MetricName"], tasks["Stat"], tasks["Period"]) == (
            "ECS/ContainerInsights", "RunningTaskCount", "Average", 60)
        assert {d["Name"] for d in tasks["Metric"]["Dimensions"]} == {"ClusterName", "ServiceName"}
        assert queries["expr_1"]["Expression"] == BACKLOG
        assert queries["expr_1"]["ReturnData"] is True
        assert not any(q.get("ReturnData") for i, q in queries.items() if i != "expr_1")
    assert service.metric_backlog_per_task().expression == BACKLOG


@pytest.mark.parametrize("environment,name", STEP_SERVICES)
def test_scale_out_alarm_acts_on_the_first_minute_above_a_sixth_of_the_delay_budget(synthesized, environments,
                                                                                   environment, name):
    consumer = config(environments, environment, name)
    alarm = one(synthesized, environment, name, "AWS::CloudWatch::Alarm", "ScaleOutAlarm/Resource")
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    rate, delay = consumer.task_throughput_messages_per_second, consumer.max_delay_seconds
    assert alarm["Threshold"] == round(rate * max(delay / 6, 20))
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (1, 1)
    assert alarm["TreatMissingData"] == "missing"


@pytest.mark.parametrize("environment,name", STEP_SERVICES)
def test_scale_in_alarm_needs_sustained_low_backlog_and_never_counts_gaps(synthesized, environments, environment,
                                                                          name):
    consumer = config(environments, environment, name)
    alarm = one(synthesized, environment, name, "AWS::CloudWatch::Alarm", "ScaleInAlarm/Resource")
    assert alarm["ComparisonOperator"] == "LessThanOrEqualToThreshold"
    assert alarm["Threshold"] == round(consumer.task_throughput_messages_per_second * consumer.max_delay_seconds / 40)
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (10, 8)
    assert alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("environment,name", STEP_SERVICES)
def test_step_adjustments_grow_with_the_backlog_relative_to_the_thresholds(synthesized, environment, name):
    threshold = one(synthesized, environment, name, "AWS::CloudWatch::Alarm", "ScaleOutAlarm/Resource")["Threshold"]
    out = one(synthesized, environment, name, "AWS::ApplicationAutoScaling::ScalingPolicy", "ScaleOut/Resource")
    # +100 % from the threshold, +200 % from twice it, +400 % from four times it: bounds relative to the threshold.
    assert out["StepScalingPolicyConfiguration"]["StepAdjustments"] == [
        {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": threshold, "ScalingAdjustment": 100},
        {"MetricIntervalLowerBound": threshold, "MetricIntervalUpperBound": 3 * threshold, "ScalingAdjustment": 200},
        {"MetricIntervalLowerBound": 3 * threshold, "ScalingAdjustment": 400}]
    scale_in = one(synthesized, environment, name, "AWS::ApplicationAutoScaling::ScalingPolicy", "ScaleIn/Resource")
    assert scale_in["StepScalingPolicyConfiguration"]["StepAdjustments"] == [
        {"MetricIntervalUpperBound": 0, "ScalingAdjustment": -20}]


@pytest.mark.parametrize("environment,name", STEP_SERVICES)
def test_percent_steps_move_at_least_one_task_with_explicit_cooldowns(synthesized, environment, name):
    out = one(synthesized, environment, name, "AWS::ApplicationAutoScaling::ScalingPolicy", "ScaleOut/Resource")
    scale_in = one(synthesized, environment, name, "AWS::ApplicationAutoScaling::ScalingPolicy", "ScaleIn/Resource")
    assert out["StepScalingPolicyConfiguration"]["Cooldown"] == 240
    assert scale_in["StepScalingPolicyConfiguration"]["Cooldown"] == 300
    for policy in (out, scale_in):
        configuration = policy["StepScalingPolicyConfiguration"]
        assert configuration["AdjustmentType"] == "PercentChangeInCapacity"
        assert configuration["MinAdjustmentMagnitude"] == 1
        assert configuration["MetricAggregationType"] == "Maximum"


@pytest.mark.parametrize("environment,name", STEP_SERVICES)
def test_each_scaling_alarm_drives_its_own_policy(synthesized, environment, name):
    template = synthesized.raw(environment, "Consumers")
    for kind in ("ScaleOut", "ScaleIn"):
        [policy_id] = [k for k, r in consumer_resources(synthesized, environment, name,
                                                        "AWS::ApplicationAutoScaling::ScalingPolicy").items()
                       if r["Metadata"]["aws:cdk:path"].endswith(f"{kind}/Resource")]
        alarm = one(synthesized, environment, name, "AWS::CloudWatch::Alarm", f"{kind}Alarm/Resource")
        assert alarm["AlarmActions"] == [{"Ref": policy_id}]
        assert template["Resources"][policy_id]["Properties"]["PolicyType"] == "StepScaling"


@pytest.mark.parametrize("environment,name", TRACKING_SERVICES)
def test_target_tracking_keeps_the_backlog_per_task_through_metric_math(synthesized, environments, environment,
                                                                        name):
    consumer = config(environments, environment, name)
    policy = one(synthesized, environment, name, "AWS::ApplicationAutoScaling::ScalingPolicy")
    assert policy["PolicyType"] == "TargetTrackingScaling"
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    # AWS's queue recipe with half the budget in reserve: 200 messages/s x 120 s / 2.
    assert tracking["TargetValue"] == consumer.task_throughput_messages_per_second * consumer.max_delay_seconds / 2
    assert (tracking["ScaleOutCooldown"], tracking["ScaleInCooldown"]) == (60, 300)
    metrics = {m["Id"]: m for m in tracking["CustomizedMetricSpecification"]["Metrics"]}
    assert metrics["backlog_per_task"]["Expression"] == BACKLOG
    assert metrics["backlog_per_task"]["ReturnData"] is True
    assert metrics["lag0"]["MetricStat"]["Metric"]["MetricName"] == "SumOffsetLag"
    assert metrics["tasks"]["MetricStat"]["Metric"]["Namespace"] == "ECS/ContainerInsights"
    assert metrics["tasks"]["MetricStat"]["Metric"]["MetricName"] == "RunningTaskCount"
    assert not any(r["Metadata"]["aws:cdk:path"].endswith("ScaleOutAlarm/Resource") for r in consumer_resources(
        synthesized, environment, name, "AWS::CloudWatch::Alarm").values())


@pytest.mark.parametrize("environment,name", SHIPPED)
def test_delay_above_the_acceptable_delay_notifies_the_alarm_topic(synthesized, environments, environment, name):
    consumer = config(environments, environment, name)
    alarm = one(synthesized, environment, name, "AWS::CloudWatch::Alarm", "Alarms/Delay/Resource")
    assert (alarm["MetricName"], alarm["Threshold"]) == ("EstimatedMaxTimeLag", consumer.max_delay_seconds)
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"], alarm["Period"]) == (3, 3, 60)
    [action] = alarm["AlarmActions"]
    assert action["Fn::GetStackOutput"]["StackName"] == f"{environments[environment].stage_name}-Alerting"


@pytest.mark.parametrize("environment,name", SHIPPED)
def test_lag_going_dark_while_tasks_run_notifies_the_alarm_topic(synthesized, environment, name):
    alarm = one(synthesized, environment, name, "AWS::CloudWatch::Alarm", "Alarms/MissingLag/Resource")
    expression = next(m for m in alarm["Metrics"] if "Expression" in m)
    assert expression["Expression"] == "IF(FILL(tasks, 0) > 0 AND FILL(lag, -1) < 0, 1, 0)"
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (5, 5)
    assert alarm["TreatMissingData"] == "notBreaching" and alarm["AlarmActions"]


def test_scale_to_zero_comes_with_a_wake_up_on_produced_messages(synthesized):
    alarm = one(synthesized, "dev", "credit-assessment", "AWS::CloudWatch::Alarm", "WakeUp/Alarm/Resource")
    expression = next(m for m in alarm["Metrics"] if "Expression" in m)["Expression"]
    assert expression == "IF(FILL(tasks, 0) < 1 AND SUM([in0, in1, in2]) > 0, 1, 0)"
    produced = [m["MetricStat"]["Metric"] for m in alarm["Metrics"] if m.get("Id", "").startswith("in")]
    assert {d["Value"] for m in produced for d in m["Dimensions"] if d["Name"] == "Broker ID"} == {"1", "2", "3"}
    assert all(m["MetricName"] == "MessagesInPerSec" for m in produced)
    policy = one(synthesized, "dev", "credit-assessment", "AWS::ApplicationAutoScaling::ScalingPolicy",
                 "WakeUp/WakeUp/Resource")
    assert policy["StepScalingPolicyConfiguration"]["StepAdjustments"] == [
        {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]
    assert one(synthesized, "dev", "credit-assessment", "AWS::ApplicationAutoScaling::ScalableTarget")[
        "MinCapacity"] == 0


@pytest.mark.parametrize("environment,name", SHIPPED)
def test_the_task_role_reads_exactly_its_topics_as_exactly_its_group(synthesized, environments, environment, name):
    consumer = config(environments, environment, name)
    policy = one(synthesized, environment, name, "AWS::IAM::ManagedPolicy", "TaskRole/Policy/Resource")
    statements = policy["PolicyDocument"]["Statement"]
    text = json.dumps(statements)
    assert '"*"' not in text and "/*" not in text
    reads = [s for s in statements if "kafka-cluster:ReadData" in s["Action"]]
    assert [_arn_tail(s["Resource"]) for s in reads] == [f"/{t}" for t in consumer.topics]
    groups = [s for s in statements if "kafka-cluster:AlterGroup" in s["Action"]]
    assert [_arn_tail(s["Resource"]) for s in groups] == [f"/{consumer.consumer_group}"]
    writes = [s for s in statements if "kafka-cluster:WriteData" in s["Action"]]
    assert [_arn_tail(s["Resource"]) for s in writes] == [f"/{t}" for t in consumer.output_topics]
    kinds = {part.split(":")[-1].split("/")[0] for s in statements for part in _arn_literals(s["Resource"])}
    assert kinds <= {"topic", "group", ""}


def _arn_tail(resource):
    return resource["Fn::Join"][1][-1]


def _arn_literals(resource):
    if isinstance(resource, dict) and "Fn::Join" in resource:
        return [p for p in resource["Fn::Join"][1] if isinstance(p, str) and ":kafka:" in p]
    return []


@pytest.mark.parametrize("environment,name", SHIPPED)
def test_topic_arns_use_the_cluster_uuid_attribute_not_a_split_of_another_stack_value(synthesized, environment,
                                                                                      name):
    policy = one(synthesized, environment, name, "AWS::IAM::ManagedPolicy", "TaskRole/Policy/Resource")
    text = json.dumps(policy)
    assert "Fn::Split" not in text
    assert "ClusterUuid" in text


@pytest.mark.parametrize("environment,name", SHIPPED)
def test_secrets_reach_the_task_as_ecs_secrets_and_the_execution_role_reads_only_those(synthesized, environments,
                                                                                      environment, name):
    consumer = config(environments, environment, name)
    container = one(synthesized, environment, name, "AWS::ECS::TaskDefinition")["ContainerDefinitions"][0]
    secrets = {s["Name"]: s["ValueFrom"] for s in container.get("Secrets", [])}
    assert set(secrets) == set(consumer.secrets)
    for key, secret in consumer.secrets.items():
        assert secrets[key].startswith(secret.secret_arn)
    assert not set(consumer.secrets) & {e["Name"] for e in container["Environment"]}
    execution = one(synthesized, environment, name, "AWS::IAM::ManagedPolicy", "ExecutionRole/Policy/Resource")
    reads = [s for s in execution["PolicyDocument"]["Statement"] if "secretsmanager:GetSecretValue" in s["Action"]]
    assert sorted(s["Resource"] for s in reads) == sorted(s.secret_arn for s in consumer.secrets.values())


@pytest.mark.parametrize("environment,name", SHIPPED)
def test_images_are_pulled_only_from_the_service_repository(synthesized, environments, environment, name):
    consumer = config(environments, environment, name)
    execution = one(synthesized, environment, name, "AWS::IAM::ManagedPolicy", "ExecutionRole/Policy/Resource")
    pulls = [s for s in execution["PolicyDocument"]["Statement"] if "ecr:BatchGetImage" in s["Action"]]
    repository = consumer.image.split("/", 1)[1].split(":")[0]
    assert [s["Resource"] for s in pulls] == [f"arn:aws:ecr:eu-west-2:{environments[environment].account}:"
                                              f"repository/{repository}"]


@pytest.mark.parametrize("environment,name", SHIPPED)
def test_deployments_never_reset_the_task_count_and_roll_back_on_failure(synthesized, environment, name):
    service = one(synthesized, environment, name, "AWS::ECS::Service")
    assert "DesiredCount" not in service
    configuration = service["DeploymentConfiguration"]
    assert configuration["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert (configuration["MinimumHealthyPercent"], configuration["MaximumPercent"]) == (100, 200)


@pytest.mark.parametrize("environment,name", SHIPPED)
def test_tasks_run_in_private_subnets_and_reach_brokers_only_on_the_iam_port(synthesized, environment, name):
    service = one(synthesized, environment, name, "AWS::ECS::Service")
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    group = one(synthesized, environment, name, "AWS::EC2::SecurityGroup")
    assert "SecurityGroupIngress" not in group
    egress = sorted((e["FromPort"], e.get("CidrIp", "group")) for e in group["SecurityGroupEgress"])
    assert egress == [(252, "255.255.255.255/32")]  # aws-cdk-lib's "no egress" placeholder: nothing of its own
    # The brokers are reached as a member of the cluster's client security group, AWS APIs as a member of the
    # network's AWS API clients group: no rule of the service's own.
    own, client_group, aws_api = network["SecurityGroups"]
    assert aws_api["Fn::GetStackOutput"]["StackName"].endswith("-Network")
    assert "AwsApiClients" in aws_api["Fn::GetStackOutput"]["OutputName"]
    assert own["Fn::GetAtt"][1] == "GroupId"
    assert client_group["Fn::GetStackOutput"]["StackName"].endswith("-Kafka")
    assert "ClientSecurityGroup" in client_group["Fn::GetStackOutput"]["OutputName"]
    assert resources(synthesized.raw(environment, "Consumers"), "AWS::EC2::SecurityGroupIngress") == {}


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_the_ecs_cluster_has_container_insights(synthesized, environment):
    [cluster] = resources(synthesized.raw(environment, "Consumers"), "AWS::ECS::Cluster").values()
    assert {"Name": "containerInsights", "Value": "enhanced"} in cluster["Properties"]["ClusterSettings"]


@pytest.mark.parametrize("environment,name", SHIPPED)
def test_logs_are_encrypted_and_kept_a_year(synthesized, environment, name):
    group = one(synthesized, environment, name, "AWS::Logs::LogGroup")
    assert group["RetentionInDays"] == 365 and "KmsKeyId" in group


def test_effective_values_are_exposed_read_only(synthesized):
    service = synthesized.stages["staging"].consumer_services["loan-approvals"]
    assert (service.min_tasks, service.max_tasks, service.partitions) == (1, 24, 24)
    assert service.scaling_policy.scale_out_backlog_per_task == 800  # 40 messages/s x 20 s (a sixth of 120 s)
    assert service.step_scaling.scale_out_alarm.alarm_name  # the alarms themselves, for dashboards and tests
    needed = synthesized.stages["prod"].consumer_services["loan-approvals"]
    assert needed.step_scaling is None and needed.needed_tasks_scaling.scale_in_alarm.alarm_name
    assert (needed.scaling_policy.drain_seconds, needed.scaling_policy.headroom_percent) == (30, 10)


# ---- needed_tasks ------------------------------------------------------------------------------------------------

def _queries(alarm):
    return {m["Id"]: m for m in alarm["Metrics"]}


@pytest.mark.parametrize("environment,name", NEEDED_SERVICES)
def test_needed_tasks_alarms_read_each_brokers_rate_the_lag_and_the_desired_count(synthesized, environments,
                                                                                   environment, name):
    consumer = config(environments, environment, name)
    env = environments[environment]
    policy = synthesized.stages[environment].consumer_services[name].scaling_policy
    for kind, outer in (("ScaleOutAlarm", "IF(even > FILL(desired, REPEAT), even, 0)"),
                        ("ScaleInAlarm", f"IF(even < FILL(desired, REPEAT), even, {policy.partitions + 1})")):
        queries = _queries(one(synthesized, environment, name, "AWS::CloudWatch::Alarm", f"{kind}/Resource"))
        rates = sorted(i for i in queries if i.startswith("in"))
        assert len(rates) == env.kafka.broker_count * len(consumer.topics)
        assert sum("MetricStat" in q for q in queries.values()) <= 10  # CloudWatch's limit per alarm
        for rate_id in rates:
            metric = queries[rate_id]["MetricStat"]
            assert (metric["Metric"]["MetricName"], metric["Stat"], metric["Period"]) == (
                "MessagesInPerSec", "Average", 60)
            assert {d["Name"] for d in metric["Metric"]["Dimensions"]} == {"Cluster Name", "Broker ID", "Topic"}
        assert {d["Value"] for i in rates for d in queries[i]["MetricStat"]["Metric"]["Dimensions"]
                if d["Name"] == "Broker ID"} == {str(b) for b in range(1, env.kafka.broker_count + 1)}
        assert queries["lag0"]["MetricStat"]["Metric"]["MetricName"] == "SumOffsetLag"
        assert queries["desired"]["MetricStat"]["Metric"]["MetricName"] == "DesiredTaskCount"
        [(outer_id, returned)] = [(i, q) for i, q in queries.items() if q.get("ReturnData")]
        assert returned["Expression"] == outer
        assert queries["even"]["Expression"] == (f"IF(needed <= 0, 0, IF(needed >= {policy.partitions}, "
                                                 f"{policy.partitions}, CEIL({policy.partitions} / "
                                                 f"FLOOR({policy.partitions} / needed))))")
        assert queries["needed"]["Expression"].endswith(f" / {policy.drain_seconds}]) / "
                                                         f"{policy.task_throughput:g}")
        assert sum("Expression" in q for q in queries.values()) == 3


@pytest.mark.parametrize("environment,name", NEEDED_SERVICES)
def test_needed_tasks_steps_set_each_count_worth_running_exactly(synthesized, environment, name):
    policy = synthesized.stages[environment].consumer_services[name].scaling_policy
    counts = list(policy.counts)
    out = one(synthesized, environment, name, "AWS::ApplicationAutoScaling::ScalingPolicy", "ScaleOut/Resource")
    scale_in = one(synthesized, environment, name, "AWS::ApplicationAutoScaling::ScalingPolicy", "ScaleIn/Resource")
    out_config, in_config = out["StepScalingPolicyConfiguration"], scale_in["StepScalingPolicyConfiguration"]
    assert out_config["AdjustmentType"] == in_config["AdjustmentType"] == "ExactCapacity"
    assert (out_config["Cooldown"], in_config["Cooldown"]) == (60, 300)
    assert out_config["MetricAggregationType"] == in_config["MetricAggregationType"] == "Maximum"
    # Threshold 1: each count c from c - 1 (the first from 0) to the next count - 1.
    assert [s["ScalingAdjustment"] for s in out_config["StepAdjustments"]] == counts
    assert [s.get("MetricIntervalLowerBound") for s in out_config["StepAdjustments"]] == [0, *[c - 1 for c in
                                                                                              counts[1:]]]
    assert "MetricIntervalUpperBound" not in out_config["StepAdjustments"][-1]
    # Threshold P, at or below: each count below the max up to c - P, the last up to 0.
    below = counts[:-1]
    partitions = policy.partitions
    assert [s["ScalingAdjustment"] for s in in_config["StepAdjustments"]] == below
    assert [s.get("MetricIntervalUpperBound") for s in in_config["StepAdjustments"]] == [
        *[c - partitions for c in below[:-1]], 0]
    out_alarm = one(synthesized, environment, name, "AWS::CloudWatch::Alarm", "ScaleOutAlarm/Resource")
    in_alarm = one(synthesized, environment, name, "AWS::CloudWatch::Alarm", "ScaleInAlarm/Resource")
    assert (out_alarm["Threshold"], out_alarm["ComparisonOperator"], out_alarm["EvaluationPeriods"]) == (
        1, "GreaterThanOrEqualToThreshold", 1)
    assert (in_alarm["Threshold"], in_alarm["ComparisonOperator"], in_alarm["EvaluationPeriods"],
            in_alarm["DatapointsToAlarm"], in_alarm["TreatMissingData"]) == (
        partitions, "LessThanOrEqualToThreshold", 5, 5, "notBreaching")


def test_needed_tasks_needs_per_topic_metrics_a_throughput_and_few_enough_metrics():
    with pytest.raises(ConfigurationError) as raised:
        service(scaling_mode="needed_tasks", task_throughput_messages_per_second=None)
    assert "task_throughput_messages_per_second: is missing; scaling_mode needed_tasks sizes the fleet" in str(
        raised.value)
    with pytest.raises(ConfigurationError) as raised:
        service(scaling_mode="needed_tasks", scale_in_percent=10)
    assert "scale_in_percent: applies to scaling_mode steps or target_tracking, not needed_tasks" in str(raised.value)
    with pytest.raises(ConfigurationError) as raised:
        service(headroom_percent=20)
    assert "headroom_percent: applies to scaling_mode needed_tasks" in str(raised.value)
    consumer = service(scaling_mode="needed_tasks", headroom_percent=20)
    assert consumer.scaling_policy.headroom_percent == 20 and consumer.scaling_policy.drain_seconds == 30


# ---- props -------------------------------------------------------------------------------------------------------

def service(**props):
    stack = new_stack()
    vpc = new_vpc(stack)
    cluster = KafkaCluster(stack, "Kafka", vpc=vpc, cluster_name="test-cluster", kafka_version="4.1.x.kraft")
    topic = ConsumedTopic("repayments", 12)
    defaults = dict(cluster=cluster, topics=[topic], consumer_group="repayment-processing",
                    image=ecs.ContainerImage.from_registry("public.ecr.aws/bank/repayments:1.0.0"),
                    max_delay=Duration.seconds(120), alarm_action=AlarmTopic(stack, "Alarms",
                                                                            display_name="t").alarm_action,
                    vpc=vpc, task_throughput_messages_per_second=40)
    return KafkaConsumerService(stack, "Consumer", **{**defaults, **props})


def test_a_team_adds_a_lag_scaled_service_in_one_statement():
    consumer = service()
    template = Template.from_stack(consumer.node.scope).to_json()
    assert len(resources(template, "AWS::ECS::Service")) == 1
    assert len(resources(template, "AWS::ApplicationAutoScaling::ScalingPolicy")) == 2
    assert (consumer.min_tasks, consumer.max_tasks) == (1, 12)


def test_several_topics_are_summed_before_dividing_by_the_running_tasks():
    consumer = service(topics=[ConsumedTopic("repayments", 12), ConsumedTopic("repayments-retry", 6)])
    template = Template.from_stack(consumer.node.scope).to_json()
    [alarm] = [r["Properties"] for r in resources(template, "AWS::CloudWatch::Alarm").values()
               if r["Properties"]["AlarmName"].endswith("-scale-out")]
    queries = backlog_queries(alarm)
    lags = "SUM([FILL(lag0, REPEAT), FILL(lag1, REPEAT)])"
    assert queries["expr_1"]["Expression"] == f"IF(FILL(tasks, 0) > 0, {lags} / FILL(tasks, 1), {lags})"
    assert [queries[i]["MetricStat"]["Metric"]["Dimensions"][2]["Value"] for i in ("lag0", "lag1")] == [
        "repayments", "repayments-retry"]
    assert consumer.max_tasks == 18


@pytest.mark.parametrize("props,expected", [
    ({"scale_out_backlog_per_task_messages": 1000, "scale_in_backlog_per_task_messages": 5000},
     "Test/Consumer: scale_in_backlog_per_task_messages: 5000 is not below scale_out_backlog_per_task_messages 1000; "
     "the service would scale in and out on the same backlog: leave a no-change band, for example 100"),
    ({"scale_out_backlog_per_task_messages": 1000,
      "scale_out_steps": [ScalingStep(1000, 3000, 100), ScalingStep(2000, None, 200)]},
     "Test/Consumer: scale_out_steps[0].upper_backlog_per_task: 3000 overlaps the next step, which starts at 2000; "
     "make them meet"),
    ({"scale_out_backlog_per_task_messages": 1000,
      "scale_out_steps": [ScalingStep(1000, 3000, 100), ScalingStep(5000, None, 200)]},
     "Test/Consumer: scale_out_steps[0].upper_backlog_per_task: 3000 leaves a gap before the next step at 5000; "
     "backlogs in between would add nothing: make them meet"),
    ({"scale_in_percent": 75},
     "Test/Consumer: scale_in_percent: 75 is not between 1 and 50; scale in gradually (each removal rebalances the "
     "group), 20 is a good start"),
    ({"topics": [ConsumedTopic(f"topic-{i}", 1) for i in range(10)]},
     "Test/Consumer: topics: has 10 topics; the scaling alarms divide one lag metric per topic by the running tasks, "
     "and CloudWatch allows 10 metrics per alarm: consume 9 topics or fewer, or split the service"),
    ({"max_tasks": 20},
     "Test/Consumer: max_tasks: 20 is above the 12 partitions consumed; tasks beyond the partitions get no partition "
     "and sit idle: use 12 or fewer"),
    ({"min_tasks": 8, "max_tasks": 4}, "Test/Consumer: min_tasks: 8 is above max_tasks 4; lower min_tasks or raise "
                                       "max_tasks"),
    ({"scale_out_cooldown": Duration.seconds(10)},
     "Test/Consumer: scale_out_cooldown: 10 is shorter than the one-minute lag metric: the next action would act on "
     "lag from before the last one; use 60 or more (240 covers a whole reaction)"),
    ({"scale_in_cooldown": Duration.seconds(120)},
     "Test/Consumer: scale_in_cooldown: 120 lets the service scale in faster than it settles after a rebalance or "
     "scales out, so it would flap; use 300 or more"),
    ({"consumer_group": "lending:approvals"},
     "Test/Consumer: consumer_group: \"lending:approvals\" has ':' or non-ASCII characters, for which MSK publishes "
     "no lag metrics; use letters, digits, '.', '_' and '-'"),
    ({"environment": {"DB_PASSWORD": "hunter2"}},
     "Test/Consumer: environment.DB_PASSWORD: DB_PASSWORD looks like a secret by its name; pass it under secrets, "
     "from Secrets Manager"),
    ({"scaling_mode": "target_tracking", "scale_out_backlog_per_task_messages": 1000},
     "Test/Consumer: scale_out_backlog_per_task_messages: applies to step scaling; remove it, or set scaling_mode: "
     "steps (one mode per service)"),
    ({"scaling_mode": "target_tracking", "scale_in_percent": 20},
     "Test/Consumer: scale_in_percent: applies to step scaling; remove it, or set scaling_mode: steps (one mode per "
     "service)"),
    ({"scaling_mode": "backlog_per_task"},
     "Test/Consumer: scaling_mode: 'backlog_per_task' is not a scaling mode; use steps, target_tracking or needed_tasks"),
    ({"max_delay": Duration.seconds(30)},
     "Test/Consumer: max_delay: 30 is below the one-minute lag metric; use 60 or more"),
    ({"ecs_cluster": "both"},
     "Test/Consumer: ecs_cluster: and vpc are both set or both missing; pass ecs_cluster (an existing ECS cluster) or "
     "vpc (a new cluster is created), not both"),
])
def test_inconsistent_props_are_refused_with_the_prop_named(props, expected):
    if props.get("ecs_cluster") == "both":
        stack = new_stack()
        props["ecs_cluster"] = ecs.Cluster(stack, "Other", vpc=new_vpc(stack))
    with pytest.raises(ConfigurationError) as raised:
        service(**props)
    assert str(raised.value) == expected


# ---- scheduled capacity --------------------------------------------------------------------------------------------

def test_scheduled_capacity_becomes_the_scalable_targets_scheduled_actions():
    consumer = service(scheduled_capacity=[
        ScheduledCapacity("month-end-prewarm", "cron(50 8 L * ? *)", min_tasks=12, timezone="Europe/London"),
        ScheduledCapacity("month-end-over", "cron(0 11 L * ? *)", min_tasks=1),
        ScheduledCapacity("freeze", "at(2026-12-24T18:00:00)", max_tasks=6)])
    template = Template.from_stack(consumer.node.scope).to_json()
    [target] = resources(template, "AWS::ApplicationAutoScaling::ScalableTarget").values()
    assert target["Properties"]["ScheduledActions"] == [
        {"ScheduledActionName": "month-end-prewarm", "Schedule": "cron(50 8 L * ? *)",
         "ScalableTargetAction": {"MinCapacity": 12}, "Timezone": "Europe/London"},
        {"ScheduledActionName": "month-end-over", "Schedule": "cron(0 11 L * ? *)",
         "ScalableTargetAction": {"MinCapacity": 1}},
        {"ScheduledActionName": "freeze", "Schedule": "at(2026-12-24T18:00:00)",
         "ScalableTargetAction": {"MaxCapacity": 6}}]
    # The scaling policies are unchanged: the schedule only moves the bounds they work within.
    assert len(resources(template, "AWS::ApplicationAutoScaling::ScalingPolicy")) == 2
    assert [a.name for a in consumer.scheduled_capacity] == ["month-end-prewarm", "month-end-over", "freeze"]


def test_no_schedule_no_scheduled_actions():
    template = Template.from_stack(service().node.scope).to_json()
    [target] = resources(template, "AWS::ApplicationAutoScaling::ScalableTarget").values()
    assert "ScheduledActions" not in target["Properties"]


@pytest.mark.parametrize("action, message", [
    (ScheduledCapacity("pre", "cron(50 8 L * ? *)", min_tasks=13),
     "Test/Consumer: scheduled_capacity[pre].min_tasks: 13 is outside 1-12: a schedule moves the bounds between the "
     "service's own min_tasks and the most its partitions and max_tasks allow"),
    (ScheduledCapacity("pre", "rate(1 day)", min_tasks=6),
     'Test/Consumer: scheduled_capacity[pre].schedule: "rate(1 day)" starts counting when the action is created, which '
     "neither you nor make bench can know; write a cron(...) at the times you mean"),
    (ScheduledCapacity("pre", "cron(50 8 L * ? *)", min_tasks=6, timezone="London"),
     'Test/Consumer: scheduled_capacity[pre].timezone: "London" is not an IANA time zone; write e.g. Europe/London or UTC'),
    (ScheduledCapacity("pre", "cron(50 8 L * ? *)"),
     "Test/Consumer: scheduled_capacity[pre]: sets neither min_tasks nor max_tasks; give one or both"),
])
def test_a_bad_scheduled_action_is_refused_with_its_fix(action, message):
    with pytest.raises(ConfigurationError) as raised:
        service(scheduled_capacity=[action])
    assert str(raised.value) == message


def test_scheduled_capacity_must_be_a_list_of_scheduled_capacity():
    with pytest.raises(ConfigurationError) as raised:
        service(scheduled_capacity=ScheduledCapacity("pre", "cron(50 8 L * ? *)", min_tasks=6))
    assert str(raised.value) == ('Test/Consumer: scheduled_capacity: a ScheduledCapacity is not a list; pass a list '
                                 'of ScheduledCapacity, e.g. [ScheduledCapacity("month-end", "cron(50 8 L * ? *)", '
                                 'min_tasks=24)]')
