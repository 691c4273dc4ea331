"""Custom resource ``Custom::MskBootstrapBrokers``: the brokers' connection strings, which AWS::MSK::Cluster does not
return. Properties: ``ClusterArn`` (and ``ClusterVersion``, so the strings are read again after every cluster
update). Attributes: ``BootstrapBrokerStringSaslIam``, ``BootstrapBrokerStringSaslScram`` when SCRAM is on, and
``ClusterUuid``, the last part of the cluster ARN that every topic and group ARN repeats: other stacks reference it
as a plain attribute (CloudFormation does not split a value read from another stack).
"""

from __future__ import annotations

from typing import Any, Mapping

from custom_resource import Outcome, respond

ATTRIBUTES = ("BootstrapBrokerStringSaslIam", "BootstrapBrokerStringSaslScram")


def handler(event: Mapping[str, Any], context: Any, kafka_client: Any = None) -> dict[str, Any]:
    return respond(event, lambda e: bootstrap_brokers(e, kafka_client))


def bootstrap_brokers(event: Mapping[str, Any], kafka_client: Any = None) -> Outcome:
    cluster_arn = event["ResourceProperties"]["ClusterArn"]
    if event["RequestType"] == "Delete":
        return Outcome(event.get("PhysicalResourceId") or cluster_arn)
    if kafka_client is None:
        import boto3

        kafka_client = boto3.client("kafka")
    answer = kafka_client.get_bootstrap_brokers(ClusterArn=cluster_arn)
    data = {name: answer[name] for name in ATTRIBUTES if answer.get(name)}
    if "BootstrapBrokerStringSaslIam" not in data:
        raise RuntimeError(f"cluster {cluster_arn} has no IAM bootstrap brokers; is IAM authentication enabled?")
    data["ClusterUuid"] = cluster_uuid(cluster_arn)
    return Outcome(cluster_arn, data)


def cluster_uuid(cluster_arn: str) -> str:
    """``arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID`` -> ``UUID``."""
    prefix, _, resource = cluster_arn.partition(":cluster/")
    parts = resource.split("/")
    if not prefix.startswith("arn:") or len(parts) != 2 or not all(parts) or ":" in resource:
        raise ValueError(f"{cluster_arn} is not an MSK cluster ARN (arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID)")
    return parts[1]
