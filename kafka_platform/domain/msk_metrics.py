"""MSK's CloudWatch vocabulary: one place for names the constructs, the gates and the
simulator all read.

Sources: https://docs.aws.amazon.com/msk/latest/developerguide/consumer-lag.html.
"""

NAMESPACE = "AWS/Kafka"
CLUSTER_NAME = "Cluster Name"
CONSUMER_GROUP = "Consumer Group"
TOPIC = "Topic"
BROKER_ID = "Broker ID"

# Per consumer group and topic, at the DEFAULT (free) monitoring level, once a minute, only while the group is
# STABLE or EMPTY: nothing during a rebalance, before the first commit, or for names with ':' or non-ASCII.
SUM_OFFSET_LAG = "SumOffsetLag"
MAX_OFFSET_LAG = "MaxOffsetLag"
ESTIMATED_MAX_TIME_LAG = "EstimatedMaxTimeLag"
LAG_METRICS = (SUM_OFFSET_LAG, MAX_OFFSET_LAG, ESTIMATED_MAX_TIME_LAG)


def consumer_group_problem(consumer_group: str) -> str | None:
    """MSK publishes no lag for a group whose name has ':' or non-ASCII characters: scaling on it would be blind."""
    import json

    if not consumer_group:
        return "\"\" is empty; name the consumer group, for example loan-approvals"
    if ":" in consumer_group or not consumer_group.isascii():
        return (f"{json.dumps(consumer_group)} has ':' or non-ASCII characters, for which MSK publishes no lag "
                "metrics; use letters, digits, '.', '_' and '-'")
    return None
