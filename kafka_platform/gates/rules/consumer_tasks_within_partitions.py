"""A consumer service never scales above the partitions it consumes: extra consumers sit idle yet cost money and
trigger a rebalance (and a lag-metric gap) each time they join or leave."""

from kafka_platform.domain.consumers import SCALABLE_TARGET_METADATA_KEY
from kafka_platform.gates.rules import Compliance, DeclaredTopology, Resource, Result, Rule


def check(resource: Resource, topology: DeclaredTopology | None = None) -> Result:
    consumer = resource.metadata.get(SCALABLE_TARGET_METADATA_KEY)
    if not isinstance(consumer, dict) or "Topics" not in consumer:
        return Compliance.NOT_APPLICABLE
    topology = topology or DeclaredTopology(topic_partitions={})
    undeclared = [t for t in consumer["Topics"] if t not in topology.topic_partitions]
    if undeclared:
        return [f"Topic::{t}" for t in undeclared]
    # A topic listed twice would size the service for its partitions twice (and count its lag twice).
    twice = sorted({t for t in consumer["Topics"] if consumer["Topics"].count(t) > 1})
    if twice:
        return [f"TopicListedTwice::{t}" for t in twice]
    partitions = sum(topology.topic_partitions[t] for t in consumer["Topics"])
    maximum = resource.properties.get("MaxCapacity")
    if not isinstance(maximum, int) or maximum > partitions:
        return ["MaxCapacity"]
    return Compliance.COMPLIANT


RULE = Rule(
    name="ConsumerTasksWithinPartitions", resource_types=("AWS::ApplicationAutoScaling::ScalableTarget",),
    info="A Kafka consumer service can scale to more tasks than the partitions it consumes.",
    explanation="Each partition is read by one consumer of a group; tasks beyond the partition count receive "
                "nothing.",
    check=check)
