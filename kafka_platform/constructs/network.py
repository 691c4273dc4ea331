"""The VPC the platform runs in: a new one with private subnets and flow logs, or an existing one by its ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aws_cdk import CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from kafka_platform.constructs.aws_api_access import AwsApiAccess
from kafka_platform.constructs.encryption import encrypted_log_group
from kafka_platform.constructs.managed_role import ManagedPolicyRole
from kafka_platform.gates.acknowledge import acknowledge
from kafka_platform.gates.template_metadata import ignore_cfn_lint, skip_checkov

_ZONE_REASON = ("Availability zones are configuration: the bank pins each environment to named zones (eu-west-2a/b/c) "
                "so that synthesis never looks them up in an account and templates are reproducible.")
_NAT_ROUTE_REASON = ("Route of a public subnet that holds only a NAT gateway. No workload reaches the internet through "
                     "it unless the environment declares network.internet_egress_reason: every workload's security "
                     "groups allow HTTPS only to the VPC's interface endpoints and S3's gateway endpoint, and "
                     "otherwise only the brokers and declared database ports inside the VPC. Nothing in public "
                     "subnets gets a public IP, and no security group admits traffic from the internet.")


@dataclass(frozen=True)
class ExistingVpcAttributes:
    """A VPC made elsewhere; one private subnet (and its route table) per availability zone, in zone order."""

    vpc_id: str
    vpc_cidr: str
    private_subnet_ids: Sequence[str]
    private_subnet_route_table_ids: Sequence[str]
    #: The security group of the VPC's interface endpoints; None when workloads go to the internet instead.
    endpoints_security_group_id: str | None = None


class PlatformNetwork(Construct):
    """Private subnets for brokers and tasks in each availability zone.

    With ``existing_vpc`` the VPC is imported from its ids without any lookup (its owner runs its flow logs);
    otherwise a new VPC is created: public subnets hold only the NAT gateways (no public IPs on launch), private
    subnets with egress hold everything else, and every flow is logged to an encrypted log group.
    """

    def __init__(self, scope: Construct, construct_id: str, *, availability_zones: Sequence[str],
                 logs_key: kms.IKey, vpc_cidr: str | None = None, nat_gateways: int = 1,
                 flow_logs_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR, existing_vpc: ExistingVpcAttributes | None = None,
                 removal_policy: RemovalPolicy = RemovalPolicy.RETAIN, internet_egress: bool = False) -> None:
        """The environment's VPC, new or imported, with flow logs and AWS API endpoints.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param availability_zones: the zones (2 or 3), in order.
        :param logs_key: the KMS key of the flow logs.
        :param vpc_cidr: a new VPC's range; exactly one of this and ``existing_vpc``.
        :param nat_gateways: a new VPC's NAT gateways; default 1.
        :param flow_logs_retention: how long flow logs are kept (``logs.RetentionDays``); default a year.
        :param existing_vpc: a VPC created elsewhere (``ExistingVpcAttributes``), imported without a lookup.
        :param removal_policy: default RETAIN.
        :param internet_egress: let the clients group reach HTTPS anywhere (declared with a reason in the
            configuration); default off.
        """
        super().__init__(scope, construct_id)
        if (vpc_cidr is None) == (existing_vpc is None):
            raise ValueError(f"{self.node.path}: set exactly one of vpc_cidr (a new VPC) or existing_vpc "
                             "(an imported one)")
        self.availability_zones: list[str] = list(availability_zones)

        def aws_api(endpoints_security_group_id: str | None) -> AwsApiAccess:
            """Interface endpoints (or the VPC owner's), S3's gateway endpoint and the security group workloads join
            to reach them."""
            return AwsApiAccess(self, "AwsApi", vpc=self.vpc, subnets=self.private_subnets, logs_key=logs_key,
                                log_retention=flow_logs_retention, removal_policy=removal_policy,
                                endpoints_security_group_id=endpoints_security_group_id,
                                internet_egress=internet_egress)
        if existing_vpc is not None:
            self.vpc: ec2.IVpc = ec2.Vpc.from_vpc_attributes(
                self, "Vpc", vpc_id=existing_vpc.vpc_id, vpc_cidr_block=existing_vpc.vpc_cidr,
                availability_zones=self.availability_zones,
                private_subnet_ids=list(existing_vpc.private_subnet_ids),
                private_subnet_route_table_ids=list(existing_vpc.private_subnet_route_table_ids))
            self.private_subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
            self.aws_api = aws_api(existing_vpc.endpoints_security_group_id)
            return
        vpc = ec2.Vpc(
            self, "Vpc", ip_addresses=ec2.IpAddresses.cidr(vpc_cidr), availability_zones=self.availability_zones,
            nat_gateways=nat_gateways, restrict_default_security_group=True,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24,
                                        map_public_ip_on_launch=False),
                ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS,
                                        cidr_mask=20),
            ])
        _explain_default_security_group_provider(Stack.of(self))
        # CDK's custom resource sets no ServiceTimeout: a lost answer would keep the stack waiting an hour.
        restrict = vpc.node.try_find_child("RestrictDefaultSecurityGroupCustomResource")
        if restrict is not None:
            restrict.node.default_child.add_property_override("ServiceTimeout", 300)
        for subnet in [*vpc.public_subnets, *vpc.private_subnets]:
            acknowledge(subnet.node.default_child, "W3010", _ZONE_REASON)
        for subnet in vpc.public_subnets:
            route = subnet.node.find_child("DefaultRoute")
            for finding in ("PCI.DSS.321-VPCNoUnrestrictedRouteToIGW", "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"):
                acknowledge(route, finding, _NAT_ROUTE_REASON)
        self.vpc = vpc
        self.private_subnets: ec2.SubnetSelection = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.aws_api: AwsApiAccess = aws_api(None)
        self.flow_log_group: logs.LogGroup = encrypted_log_group(self, "FlowLogs", key=logs_key,
                                                  retention=flow_logs_retention,
                                                  removal_policy=removal_policy)
        # The flow log grants its role write access to the group; the grant lands in the role's managed policy.
        flow_log_role = ManagedPolicyRole(self, "FlowLogRole",
                                          assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com"),
                                          description="VPC flow logs delivery to the platform's flow log group")
        ec2.FlowLog(self, "FlowLog", resource_type=ec2.FlowLogResourceType.from_vpc(vpc),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group, flow_log_role))


# CDK's restrictDefaultSecurityGroup runs a provider function at deploy time that strips the default security
# group's rules (NIST/PCI VPCDefaultSecurityGroupClosed depend on it). It is CDK's code; we explain, not change it.
_PROVIDER_SKIPS = {
    "CKV_AWS_115": "CDK's provider runs once per deployment, invoked by CloudFormation to revoke the default security "
                   "group's rules; deployments bound its concurrency.",
    "CKV_AWS_116": "CloudFormation custom-resource handler: failures are reported to CloudFormation and fail the "
                   "deployment; a dead-letter queue would hold only events CloudFormation already reported.",
    "CKV_AWS_117": "It only calls the EC2 API to revoke the default security group's rules; it reads no data and "
                   "needs no access into the VPC.",
}


def _explain_default_security_group_provider(stack: Stack) -> None:
    provider = stack.node.try_find_child("Custom::VpcRestrictDefaultSGCustomResourceProvider")
    if provider is None:
        return
    handler = provider.node.find_child("Handler")
    assert isinstance(handler, CfnResource)
    role = provider.node.find_child("Role")
    acknowledge(role, "KafkaPlatform-IAMPoliciesManaged[InlinePolicy]",
                "CDK's provider for restrictDefaultSecurityGroup writes its policy inline: only Authorize/Revoke "
                "SecurityGroupIngress/Egress on this VPC's default security group, to empty it.")
    acknowledge(role, "KafkaPlatform-IAMPoliciesManaged[AwsManagedPolicy::AWSLambdaBasicExecutionRole]",
                "CDK's provider function logs through AWSLambdaBasicExecutionRole (create log group and stream, put "
                "events); it runs only during deployments and handles no data.")
    for check, reason in _PROVIDER_SKIPS.items():
        skip_checkov(handler, check, reason)
    ignore_cfn_lint(handler, "W3005", "CDK's provider declares DependsOn on its role although Role: GetAtt already "
                                      "orders them; the redundant edge changes nothing at deploy time.")
