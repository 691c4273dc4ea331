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
