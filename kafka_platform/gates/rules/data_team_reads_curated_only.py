"""A data team reads data products and nothing else: no raw change stream, no topic carrying a pii column in clear,
no write, no wildcard topic.

It applies to every policy marked as a data team's (``DATA_TEAM_METADATA_KEY``, which ``DataTeamReadRole`` writes),
and reads what the policy grants, not what the configuration says: a grant added by hand is judged the same way.

Sources: https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html.
"""

from kafka_platform.domain.data_products import DATA_TEAM_METADATA_KEY
from kafka_platform.domain.msk_iam import CONNECT, CONSUME_GROUP_ACTIONS, CONSUME_TOPIC_ACTIONS, flatten_arn, \
    kafka_resource
from kafka_platform.gates.rules import Compliance, DeclaredTopology, Resource, Result, Rule, allowed_grants

_ALLOWED = {"topic": set(CONSUME_TOPIC_ACTIONS), "group": set(CONSUME_GROUP_ACTIONS), "cluster": {CONNECT}}


def check(resource: Resource, topology: DeclaredTopology | None = None) -> Result:
    if DATA_TEAM_METADATA_KEY not in resource.metadata:
        return Compliance.NOT_APPLICABLE
    curated = (topology.data_product_topics if topology else {}) or {}
    findings = set()
    for action, granted in allowed_grants(resource.properties.get("PolicyDocument")):
        arn = flatten_arn(granted)
        if action == CONNECT:
            continue  # on a cluster (the only resource it applies to): connecting alone reads nothing
        if not action.startswith("kafka-cluster:"):
            findings.add(f"NotKafka::{action}")
            continue
        kind, name = kafka_resource(arn) or ("other", arn)
        if kind not in _ALLOWED or action not in _ALLOWED[kind]:
            findings.add(f"Action::{action}")
        elif kind == "topic":
            if "*" in name:
                findings.add(f"WildcardTopic::{name}")
            elif name not in curated:
                findings.add(f"NotDataProduct::{name}")
            elif curated[name]:
                findings.add(f"UnmaskedPii::{name}")
    return sorted(findings) or Compliance.COMPLIANT


RULE = Rule(
    name="DataTeamReadsCuratedOnly", resource_types=("AWS::IAM::ManagedPolicy",),
    info="A data team's policy grants more than reading its data products: a raw change stream, a topic carrying "
         "a pii column in clear, a wildcard topic, a write, or any action outside MSK's read actions.",
    explanation="Data teams see only curated change streams (data products), whose pii columns are excluded, hashed "
                "or masked; grant them through DataTeamReadRole with the products' topics.",
    check=check)
