"""Custom resource ``Custom::MskBootstrapBrokers``: the brokers' connection strings, which AWS::MSK::Cluster does not
return. Properties: ``ClusterArn`` (and ``ClusterVersion``, so the strings are read again after every cluster
update). Attributes: ``BootstrapBrokerStringSaslIam`` and, when SCRAM is on, ``BootstrapBrokerStringSaslScram``.
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
    return Outcome(cluster_arn, data)
