"""The environment's VPC."""

from __future__ import annotations

from aws_cdk import Fn
from aws_cdk import aws_kms as kms
from constructs import Construct

from kafka_platform.config.model import Environment
from kafka_platform.constructs.encryption import LogsKey, retention_days
from kafka_platform.constructs.network import ExistingVpcAttributes, PlatformNetwork
from kafka_platform.constructs.shared_platform import SharedAttributes
from kafka_platform.constructs.subnets import selection_arguments
from kafka_platform.stacks.common import PlatformStack, removal_policy


class NetworkStack(PlatformStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Environment) -> None:
        super().__init__(scope, construct_id, config=config, what="VPC, private subnets, AWS API endpoints and flow logs")
        network = config.network
        existing = network.existing_vpc
        self.logs_key: kms.Key = LogsKey(self, "LogsKey", description=f"{config.name} network logs",
                                removal_policy=removal_policy(config)).key
        self.network: PlatformNetwork = PlatformNetwork(
            self, "Network", availability_zones=config.availability_zones, logs_key=self.logs_key,
            vpc_cidr=network.vpc_cidr, nat_gateways=network.nat_gateways,
            flow_logs_retention=retention_days(network.flow_logs_retention_days), removal_policy=removal_policy(config),
            internet_egress=network.internet_egress_reason is not None,
            existing_vpc=None if existing is None else ExistingVpcAttributes(
                vpc_id=existing.vpc_id, vpc_cidr=existing.vpc_cidr, private_subnet_ids=existing.private_subnet_ids,
                private_subnet_route_table_ids=existing.private_subnet_route_table_ids,
                endpoints_security_group_id=existing.endpoints_security_group_id))
        # What teams' apps need to place their tasks in this VPC, read by them at deployment (SharedPlatform).
        subnets = self.network.vpc.select_subnets(**selection_arguments(self.network.private_subnets)).subnets
        SharedAttributes(self, "Shared", environment=config.name, what=f"{config.name}'s VPC", values={
            "vpc-id": self.network.vpc.vpc_id, "vpc-cidr": self.network.vpc.vpc_cidr_block,
            "private-subnet-ids": Fn.join(",", [s.subnet_id for s in subnets]),
            "private-route-table-ids": Fn.join(",", [s.route_table.route_table_id for s in subnets]),
            "aws-api-security-group-id": self.network.aws_api.clients.security_group_id})
