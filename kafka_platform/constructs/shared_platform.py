"""The platform's shared network and cluster, published for other teams' apps and read back by them at deployment.

``SharedAttributes`` (the platform's stacks) writes the SSM parameters ``domain.shared_attributes`` names;
``SharedPlatform`` (a team's app) reads them as CloudFormation parameters resolved at deployment, so synthesis needs
no AWS account and no lookup::

    shared = SharedPlatform(stack, "Shared", environment="prod", cluster_name="bank-streaming-prod",
                            availability_zones=["eu-west-2a", "eu-west-2b", "eu-west-2c"], broker_count=6)
    KafkaConsumerService(stack, "Workers", cluster=shared.cluster, vpc=shared.vpc,
                         aws_api_security_group=shared.aws_api_security_group, ...)
"""

from __future__ import annotations

from typing import Mapping, Sequence

from aws_cdk import CfnParameter, Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from kafka_platform.constructs.interfaces import IKafkaCluster
from kafka_platform.constructs.kafka_cluster import KafkaCluster
from kafka_platform.domain.shared_attributes import parameter_name
from kafka_platform.gates.acknowledge import acknowledge


class SharedAttributes(Construct):
    """One standard-tier String parameter per attribute (``{attribute: value}``), named by ``parameter_name``."""

    def __init__(self, scope: Construct, construct_id: str, *, environment: str, values: Mapping[str, str],
                 what: str) -> None:
        """
        :param scope: the parent construct.
        :param construct_id: its id.
        :param environment: the environment's name (``prod``).
        :param values: ``{attribute: value}``; each attribute one of ``domain.shared_attributes``.
        :param what: what the values describe, for each parameter's description.
        """
        super().__init__(scope, construct_id)
        self.parameters: dict[str, ssm.StringParameter] = {
            attribute: ssm.StringParameter(
                self, attribute, parameter_name=parameter_name(environment, attribute), string_value=value,
                tier=ssm.ParameterTier.STANDARD,
                description=f"{attribute} of {what}, for the apps of teams on the platform")
            for attribute, value in values.items()}


class SharedPlatform(Construct):
    """The shared VPC, cluster and AWS API clients group of an environment, read from the parameters the platform
    publishes; resolved at deployment."""

    def __init__(self, scope: Construct, construct_id: str, *, environment: str, cluster_name: str,
                 availability_zones: Sequence[str], broker_count: int | None = None,
                 tiered_storage: bool | None = None) -> None:
        """
        :param scope: the parent construct.
        :param construct_id: its id.
        :param environment: the platform environment (``prod``), as its file is named.
        :param cluster_name: the cluster's name (``bank-streaming-prod``); grants name it, so it is needed at synth.
        :param availability_zones: the platform's zones, in its order (``eu-west-2a``, ...); the published subnet and
            route-table lists follow it.
        :param broker_count: the cluster's brokers, for topic checks and ``needed_tasks`` scaling (``kafka-platform
            summary`` prints it); default: unknown.
        :param tiered_storage: whether the cluster has tiered storage, for topic checks; default: unknown.
        """
        super().__init__(scope, construct_id)
        zones = list(availability_zones)
        # CDK's template validation reports a parameter by its template path, which it matches to no construct: the
        # acknowledgment is the stack's, for unreferenced parameters only (W2001).
        acknowledge(Stack.of(self), "W2001", "SharedPlatform declares every attribute it may read; an app whose "
                                             "constructs use only some leaves the others unreferenced, which costs "
                                             "nothing and changes nothing at deployment.")

        def read(attribute: str) -> str:
            # A CloudFormation parameter of SSM type: CloudFormation resolves it when it deploys the stack.
            parameter = CfnParameter(self, attribute, type="AWS::SSM::Parameter::Value<String>",
                                     default=parameter_name(environment, attribute),
                                     description=f"The shared platform's {attribute} ({environment}), from SSM")
            return parameter.value_as_string

        self.vpc: ec2.IVpc = ec2.Vpc.from_vpc_attributes(
            self, "Vpc", vpc_id=read("vpc-id"), vpc_cidr_block=read("vpc-cidr"), availability_zones=zones,
            private_subnet_ids=Fn.split(",", read("private-subnet-ids"), len(zones)),
            private_subnet_route_table_ids=Fn.split(",", read("private-route-table-ids"), len(zones)))
        # A team's app never changes the platform's groups: its clients join the client group, which the brokers' group
        # admits, so the imported cluster's connections are that group, immutable (the brokers' own group,
        # ``security-group-id``, is published for other uses and not read here).
        client_group = read("client-security-group-id")
        self.cluster: IKafkaCluster = KafkaCluster.from_cluster_attributes(
            self, "Cluster", cluster_arn=read("cluster-arn"), cluster_name=cluster_name,
            bootstrap_brokers=read("bootstrap-brokers"), security_group_id=client_group,
            security_group_mutable=False, client_security_group_id=client_group,
            broker_count=broker_count, tiered_storage=tiered_storage)
        self.aws_api_security_group: ec2.ISecurityGroup = ec2.SecurityGroup.from_security_group_id(
            self, "AwsApiClients", read("aws-api-security-group-id"), mutable=False)
