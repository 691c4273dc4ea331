"""What the platform publishes for the teams that build on its shared cluster: SSM parameters under
``/kafka-platform/<environment>/shared/``, read by their apps at deployment (CloudFormation resolves
``AWS::SSM::Parameter::Value<String>`` parameters when it deploys), never by a lookup at synthesis.

Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html#aws-ssm-parameter-types
"""

from __future__ import annotations

PREFIX = "/kafka-platform"

#: Published by the Network stack: what ``ec2.Vpc.from_vpc_attributes`` needs, and the AWS API endpoints' clients
#: group a team's tasks join to reach AWS APIs without internet egress. Lists are comma-separated, in zone order.
NETWORK = ("vpc-id", "vpc-cidr", "private-subnet-ids", "private-route-table-ids", "aws-api-security-group-id")
#: Published by the Kafka stack: what ``KafkaCluster.from_cluster_attributes`` needs. ``client-security-group-id``
#: is the group a team's tasks join to reach the brokers (no rule of their own on the brokers' group, which holds
#: at most 60).
CLUSTER = ("cluster-arn", "bootstrap-brokers", "security-group-id", "client-security-group-id")


def parameter_name(environment: str, what: str) -> str:
    """``/kafka-platform/prod/shared/cluster-arn`` and friends."""
    if what not in NETWORK + CLUSTER:
        raise ValueError(f"{what!r} is not a published attribute; one of {', '.join(NETWORK + CLUSTER)}")
    return f"{PREFIX}/{environment}/shared/{what}"
