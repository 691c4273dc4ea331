"""Every alarm on MSK consumer lag names a consumer group and a topic the environment declares.

A typo in a dimension gives an alarm that never sees data; with a missing-data treatment that hides gaps, the
consumer it was meant to scale silently never scales.
"""

from typing import Any, Iterator, Mapping

from kafka_platform.domain import msk_metrics
from kafka_platform.gates.rules import Compliance, DeclaredTopology, Resource, Result, Rule, dig


def _lag_metrics(properties: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    single = {"Namespace": properties.get("Namespace"), "MetricName": properties.get("MetricName"),
              "Dimensions": properties.get("Dimensions")}
    candidates = [single] + [dig(query, "MetricStat", "Metric") or {} for query in properties.get("Metrics") or []]
    for metric in candidates:
        if metric.get("Namespace") == msk_metrics.NAMESPACE and metric.get("MetricName") in msk_metrics.LAG_METRICS:
            yield metric


def check(resource: Resource, topology: DeclaredTopology | None = None) -> Result:
    topology = topology or DeclaredTopology(topic_partitions={})
    lag_metrics = list(_lag_metrics(resource.properties))
    if not lag_metrics:
        return Compliance.NOT_APPLICABLE
    findings = set()
    for metric in lag_metrics:
        dimensions = {d.get("Name"): d.get("Value") for d in metric.get("Dimensions") or []}
        group, topic = dimensions.get(msk_metrics.CONSUMER_GROUP), dimensions.get(msk_metrics.TOPIC)
        if not isinstance(group, str) or group not in topology.consumer_groups:
            findings.add(f"ConsumerGroup::{group if isinstance(group, str) else 'not a literal'}")
        elif not isinstance(topic, str) or topic not in topology.consumer_groups[group]:
            findings.add(f"Topic::{topic if isinstance(topic, str) else 'not a literal'}")
    return sorted(findings)


RULE = Rule(
    name="LagAlarmDeclared", resource_types=("AWS::CloudWatch::Alarm",),
    info="An MSK consumer-lag alarm names a consumer group or topic that the environment does not declare.",
    explanation="Lag alarms drive scaling and paging; one on an undeclared group or topic watches a metric that "
                "does not exist and never fires.",
    check=check)
