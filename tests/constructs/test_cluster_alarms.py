"""MSK best-practice alarms: per broker and per cluster, every one notifying the encrypted alarm topic."""

import pytest

from kafka_platform.constructs.cluster_alarms import BROKER_ALARMS, CLUSTER_ALARMS
from tests.support import resources


def alarms(synthesized, environment):
    return {a["Properties"]["AlarmName"]: a["Properties"]
            for a in resources(synthesized.raw(environment, "Kafka"), "AWS::CloudWatch::Alarm").values()}


@pytest.mark.parametrize("environment,brokers", [("dev", 3), ("staging", 3), ("prod", 6)])
def test_each_broker_and_the_cluster_have_their_alarms(synthesized, environment, brokers):
    assert len(alarms(synthesized, environment)) == brokers * len(BROKER_ALARMS) + len(CLUSTER_ALARMS)


def test_cpu_alarm_adds_user_and_system_per_broker_above_sixty_percent(synthesized):
    cpu = alarms(synthesized, "prod")["bank-streaming-prod-cpu-broker-4"]
    assert cpu["Threshold"] == 60 and cpu["ComparisonOperator"] == "GreaterThanThreshold"
    [expression] = [m for m in cpu["Metrics"] if "Expression" in m]
    assert expression["Expression"] == "user + system"
    names = {m["MetricStat"]["Metric"]["MetricName"]: m["MetricStat"]["Metric"]["Dimensions"]
             for m in cpu["Metrics"] if "MetricStat" in m}
    assert set(names) == {"CpuUser", "CpuSystem"}
    assert {"Name": "Broker ID", "Value": "4"} in names["CpuUser"]
    assert {"Name": "Cluster Name", "Value": "bank-streaming-prod"} in names["CpuUser"]


@pytest.mark.parametrize("name,metric,threshold", [
    ("disk-broker-1", "KafkaDataLogsDiskUsed", 85), ("heap-broker-1", "HeapMemoryAfterGC", 60),
    ("under-min-isr-broker-1", "UnderMinIsrPartitionCount", 0), ("offline-partitions", "OfflinePartitionsCount", 0),
])
def test_best_practice_thresholds(synthesized, name, metric, threshold):
    alarm = alarms(synthesized, "prod")[f"bank-streaming-prod-{name}"]
    assert (alarm["MetricName"], alarm["Threshold"], alarm["Namespace"]) == (metric, threshold, "AWS/Kafka")


def test_the_active_controller_alarm_fires_unless_exactly_one_controller_reports(synthesized):
    alarm = alarms(synthesized, "prod")["bank-streaming-prod-active-controller"]
    assert [m["Expression"] for m in alarm["Metrics"] if "Expression" in m] == ["ABS(controllers - 1)"]
    assert alarm["TreatMissingData"] == "breaching"


def test_every_alarm_notifies_the_environment_alarm_topic_on_alarm_and_recovery(synthesized):
    for alarm in alarms(synthesized, "prod").values():
        [action] = alarm["AlarmActions"]
        assert action["Fn::GetStackOutput"]["StackName"] == "Prod-Alerting"
        assert alarm["OKActions"] == alarm["AlarmActions"]


def test_the_alarms_take_any_alarm_action_like_every_other_construct():
    from aws_cdk import aws_cloudwatch_actions as actions
    from aws_cdk import aws_sns as sns
    from aws_cdk.assertions import Template

    from kafka_platform import KafkaCluster, KafkaClusterAlarms
    from tests.support import new_stack

    stack = new_stack()
    cluster = KafkaCluster.from_cluster_attributes(
        stack, "Shared", cluster_arn="arn:aws:kafka:eu-west-2:111111111111:cluster/bank-streaming-dev/abc-1",
        bootstrap_brokers="b-1:9098", security_group_id="sg-0123456789abcdef0", broker_count=3)
    oncall = sns.Topic.from_topic_arn(stack, "Oncall", "arn:aws:sns:eu-west-2:111111111111:oncall")
    alarms = KafkaClusterAlarms(stack, "Alarms", cluster=cluster, alarm_action=actions.SnsAction(oncall))
    rendered = [r["Properties"] for r in Template.from_stack(stack).to_json()["Resources"].values()
                if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert len(rendered) == len(alarms.alarms) > 3
    assert all(r["AlarmActions"] == r["OKActions"] == ["arn:aws:sns:eu-west-2:111111111111:oncall"] for r in rendered)


def test_an_imported_cluster_without_its_broker_count_is_refused_with_the_fix():
    import pytest
    from aws_cdk import aws_cloudwatch_actions as actions
    from aws_cdk import aws_sns as sns

    from kafka_platform import ConfigurationError, KafkaCluster, KafkaClusterAlarms
    from tests.support import new_stack

    stack = new_stack()
    cluster = KafkaCluster.from_cluster_attributes(
        stack, "Shared", cluster_arn="arn:aws:kafka:eu-west-2:111111111111:cluster/bank-streaming-dev/abc-1",
        bootstrap_brokers="b-1:9098", security_group_id="sg-0123456789abcdef0")
    oncall = actions.SnsAction(sns.Topic.from_topic_arn(stack, "Oncall", "arn:aws:sns:eu-west-2:111111111111:oncall"))
    with pytest.raises(ConfigurationError, match="Test/Alarms: cluster: bank-streaming-dev has no known broker count"):
        KafkaClusterAlarms(stack, "Alarms", cluster=cluster, alarm_action=oncall)
