"""MSK IAM access control: resource ARNs and the actions each kind of client needs.

ARNs are built from the cluster ARN ``arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID``. With a literal cluster ARN
(an imported cluster) the result is a literal; with a CloudFormation token the caller splits it with Fn::Split.

Sources: https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

CONNECT = "kafka-cluster:Connect"
DESCRIBE_CLUSTER = "kafka-cluster:DescribeCluster"

CONSUME_TOPIC_ACTIONS = ("kafka-cluster:DescribeTopic", "kafka-cluster:ReadData")
CONSUME_GROUP_ACTIONS = ("kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup")
PRODUCE_TOPIC_ACTIONS = ("kafka-cluster:DescribeTopic", "kafka-cluster:WriteData")
IDEMPOTENT_PRODUCE_CLUSTER_ACTION = "kafka-cluster:WriteDataIdempotently"
# What a Debezium source connector does to the topics under its prefix (Connect creates them, then writes).
CONNECTOR_TOPIC_ACTIONS = ("kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:WriteData")
TRANSACTIONAL_ID_ACTIONS = ("kafka-cluster:DescribeTransactionalId", "kafka-cluster:AlterTransactionalId")
# What Kafka Connect's admin client does to its own internal topics and to the topics its connectors create.
ADMIN_TOPIC_ACTIONS = ("kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic",
                       "kafka-cluster:DescribeTopicDynamicConfiguration", "kafka-cluster:AlterTopicDynamicConfiguration")


@dataclass(frozen=True)
class ClusterArnParts:
    """The pieces of a cluster ARN that every other MSK resource ARN repeats."""

    partition: str
    region: str
    account: str
    cluster_name: str
    cluster_uuid: str

    @classmethod
    def parse(cls, cluster_arn: str) -> "ClusterArnParts":
        """Split a literal cluster ARN; raises ValueError with the expected shape otherwise."""
        try:
            prefix, resource = cluster_arn.split(":cluster/", 1)
            arn, partition, service, region, account = prefix.split(":")
            cluster_name, cluster_uuid = resource.split("/")
        except ValueError:
            raise ValueError(f"{cluster_arn!r} is not an MSK cluster ARN; expected "
                             "arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID") from None
        if arn != "arn" or service != "kafka" or not cluster_name or not cluster_uuid:
            raise ValueError(f"{cluster_arn!r} is not an MSK cluster ARN; expected "
                             "arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID")
        return cls(partition, region, account, cluster_name, cluster_uuid)

    def resource_arn(self, resource_type: str, name: str) -> str:
        """``resource_type`` is topic, group or transactional-id; ``name`` may end in ``*`` for a prefix."""
        return (f"arn:{self.partition}:kafka:{self.region}:{self.account}:{resource_type}/"
                f"{self.cluster_name}/{self.cluster_uuid}/{name}")

    def topic_arn(self, topic: str) -> str:
        return self.resource_arn("topic", topic)

    def group_arn(self, group: str) -> str:
        return self.resource_arn("group", group)

    def transactional_id_arn(self, transactional_id: str) -> str:
        return self.resource_arn("transactional-id", transactional_id)


# An MSK cluster's UUID in its ARNs: 36 characters and a suffix such as "-2".
CLUSTER_UUID_CHARS = 38


def resolved_arn_chars(*, region: str, account: str, cluster_name: str, resource_type: str, name: str) -> int:
    """The length of ``arn:aws:kafka:REGION:ACCOUNT:TYPE/CLUSTER/UUID/NAME`` once deployed, before the UUID exists."""
    return len(f"arn:aws:kafka:{region}:{account}:{resource_type}/{cluster_name}//{name}") + CLUSTER_UUID_CHARS


_KAFKA_RESOURCE = re.compile(
    r":kafka:[^:]*:[^:]*:(?P<type>topic|group|transactional-id)/(?P<cluster>[^/]+)/[^/]+/(?P<name>[^/]+)$")
_CLUSTER = re.compile(r":kafka:[^:]*:[^:]*:cluster/[^/]+/[^/]+$")


def flatten_arn(value: Any) -> str:
    """An ARN as a template writes it (text, or ``Fn::Join`` of text and intrinsics) as text, each intrinsic part
    written ``{?}``: the parts a policy's meaning depends on (resource type, topic or group name) are literal."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        (key, argument), = value.items()
        if key == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument
            return str(separator).join(flatten_arn(part) for part in parts)
        if key == "Ref" and argument == "AWS::Partition":
            return "aws"
    return "{?}"


def kafka_resource(arn: str) -> tuple[str, str] | None:
    """``("topic", name)``, ``("group", name)``, ``("transactional-id", id)`` or ``("cluster", "")`` for an MSK
    ARN (a name may end in ``*``); None for anything else."""
    if _CLUSTER.search(arn):
        return ("cluster", "")
    match = _KAFKA_RESOURCE.search(arn)
    return None if match is None else (match["type"], match["name"])


def kafka_resource_cluster(arn: str) -> str | None:
    """The cluster name a topic, group or transactional-id ARN names."""
    match = _KAFKA_RESOURCE.search(arn)
    return None if match is None else match["cluster"]


#: CloudFormation metadata on a role the platform creates for a Kafka client: ``{"Kind": service | connect |
#: data-team | replicator, "Name": ...}``, read by ``kafka-platform access``.
PRINCIPAL_METADATA_KEY = "kafka-platform:principal"
