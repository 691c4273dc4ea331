"""``DataTeamReadRole``: what one data team may do on the cluster, and nothing more.

Its principals (roles, users or accounts, in this account or another) assume the role; it grants exactly
``kafka-cluster:Connect`` on the cluster, ``DescribeTopic`` and ``ReadData`` on the data products' topics (each by
its exact ARN), and ``DescribeGroup`` and ``AlterGroup`` on the consumer groups under the team's prefix. No write, no
other topic, no other group. The role and its policies carry ``DATA_TEAM_METADATA_KEY`` (team and topics), which the
KafkaPlatform gate rule ``DataTeamReadsCuratedOnly`` and ``kafka-platform access`` read.
"""

from __future__ import annotations

from typing import Sequence

from aws_cdk import CfnOutput
from aws_cdk import aws_iam as iam
from constructs import Construct

from kafka_platform.constructs.interfaces import IKafkaCluster
from kafka_platform.constructs.managed_role import ManagedPolicyRole
from kafka_platform.constructs.props import sequence_problem
from kafka_platform.domain import msk_iam
from kafka_platform.domain.data_products import DATA_TEAM_METADATA_KEY, principal_problem
from kafka_platform.domain.topics import topic_name_problem
from kafka_platform.errors import raise_problems
from kafka_platform.gates.acknowledge import acknowledge_wildcard_resources


class DataTeamReadRole(Construct):
    """A data team's read role on ``cluster``: ``topics`` (curated topics, exact names) and its own group prefix."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster: IKafkaCluster, team: str,
                 principals: Sequence[str], topics: Sequence[str], consumer_group_prefix: str,
                 role_name: str | None = None) -> None:
        """A data team's read role.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param cluster: the MSK cluster, owned (``KafkaCluster``) or imported
            (``KafkaCluster.from_cluster_attributes``).
        :param team: the team's name (in the role name and its metadata).
        :param principals: the IAM principal ARNs that may assume the role (the team's own roles).
        :param topics: the curated topics it may read, by exact name (data products, never raw CDC topics).
        :param consumer_group_prefix: the prefix its consumer groups must start with (its own, no other team's).
        :param role_name: the role's name; default: generated.
        """
        super().__init__(scope, construct_id)
        problems = []
        for prop, value, what, example in (("principals", principals, "IAM principal ARNs",
                                            "arn:aws:iam::444444444444:role/analytics"),
                                           ("topics", topics, "topic names", "products.customer-events.public.x")):
            if (p := sequence_problem(value, str, what, example)) is not None:
                problems.append((prop, p))
        raise_problems(self.node.path, problems)
        problems += [(f"principals[{i}]", p) for i, principal in enumerate(principals)
                     if (p := principal_problem(principal)) is not None]
        problems += [(f"topics[{i}]", p) for i, topic in enumerate(topics) if (p := topic_name_problem(topic))]
        if not topics:
            problems.append(("topics", "is empty; name the data products' topics the team reads"))
        if not principals:
            problems.append(("principals", "is empty; name who assumes the team's role"))
        if not consumer_group_prefix or "*" in consumer_group_prefix:
            problems.append(("consumer_group_prefix", f"{consumer_group_prefix!r} is not a prefix; use the team's own, "
                                                      "such as fraud-ds-"))
        raise_problems(self.node.path, problems)
        self.team = team
        self.topics: tuple[str, ...] = tuple(topics)
        self.consumer_group_prefix = consumer_group_prefix
        self.role: ManagedPolicyRole = ManagedPolicyRole(
            self, "Role", role_name=role_name,
            assumed_by=iam.CompositePrincipal(*(iam.ArnPrincipal(p) for p in principals)),
            description=f"Data team {team}: reads its data products' topics, commits as {consumer_group_prefix}*",
            statements=[
                cluster.connect_statement(),
                iam.PolicyStatement(actions=list(msk_iam.CONSUME_TOPIC_ACTIONS),
                                    resources=[cluster.topic_arn(t) for t in topics]),
                iam.PolicyStatement(actions=list(msk_iam.CONSUME_GROUP_ACTIONS),
                                    resources=[cluster.group_arn(f"{consumer_group_prefix}*")]),
            ])
        metadata = {"Team": team, "Topics": list(self.topics), "ConsumerGroupPrefix": consumer_group_prefix}
        for node in (self.role, *self.role.policies):
            node.node.default_child.add_metadata(DATA_TEAM_METADATA_KEY, metadata)
        self.role.node.default_child.add_metadata(msk_iam.PRINCIPAL_METADATA_KEY, {"Kind": "data-team", "Name": team})
        acknowledge_wildcard_resources(self, lambda: [p.node.default_child for p in self.role.policies],
                                       self._group_prefix_reason)
        CfnOutput(self, "RoleArn", value=self.role.role_arn,
                  description=f"The role data team {team} assumes to read its data products")

    def _group_prefix_reason(self, resource: str) -> str | None:
        if not resource.endswith(f"/{self.consumer_group_prefix}*"):
            return None
        return (f"Data team {self.team} owns every consumer group under its prefix {self.consumer_group_prefix}: "
                "its applications name their own groups. No platform service's group or other team's prefix starts "
                "with it (checked), so the wildcard reaches no other consumer's offsets.")
