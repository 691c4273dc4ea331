"""``AwsApiAccess``: how the platform's workloads reach AWS APIs without the internet.

Interface endpoints in the private subnets for every AWS API a task or function calls, and S3's gateway endpoint
(image layers, CloudFormation's response URL). Workloads join one security group, ``clients``, whose only egress is
HTTPS to the endpoints' security group and to S3's prefix list; the endpoints admit only that group. So no workload
security group opens 0.0.0.0/0, and every workload's rules stay constant however many workloads there are.

Who calls what (a workload that calls a new API needs its endpoint here):

==================  ===============================================================================================
``ecr.api``, ``ecr.dkr``  ECS pulls the Connect and consumer images (layers come from S3: the gateway endpoint)
``logs``            ECS's awslogs driver writes the tasks' logs from the task's network interface
``secretsmanager``  ECS injects the tasks' secrets; the reconciler and health monitor read Connect's REST credentials
``kms``             the tasks' clients and functions decrypting with the platform's keys
``sts``             AWS SDKs that assume or inspect roles (MSK IAM's signer may call it)
``monitoring``      the health monitor publishes its metrics (PutMetricData)
``ssm``             the health monitor keeps its restart history in a parameter
``kafka``           the bootstrap-brokers function calls MSK's GetBootstrapBrokers
``cloudformation``  the reconciler and the health monitor read their stack's deployed template (the connectors'
                    declarations)
==================  ===============================================================================================

An environment that really needs the internet says so (``network.internet_egress_reason``): the clients group then
also allows HTTPS to anywhere, through the NAT gateways.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from kafka_platform.constructs.deploy_time_lookup import deploy_time_lookups

HTTPS = 443
INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "Monitoring": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
    "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM,
    "Kafka": ec2.InterfaceVpcEndpointAwsService.KAFKA,
    "CloudFormation": ec2.InterfaceVpcEndpointAwsService.CLOUDFORMATION,
}

_LOOKUP_REASON = (
    "CDK's AwsCustomResource reads the id of the region's S3 prefix list (ec2:DescribeManagedPrefixLists, an AWS-"
    "owned list) once per deployment, so that workloads may reach S3 only through the gateway endpoint. It runs "
    "outside the VPC on purpose (it calls the EC2 API and answers CloudFormation before any endpoint exists), is "
    "invoked only by CloudFormation, which it answers on every path, and handles no data.")
_DESCRIBE_REASON = ("ec2:DescribeManagedPrefixLists has no resource-level permissions; it reads the id of an "
                    "AWS-owned prefix list and nothing else.")


class AwsApiAccess(Construct):
    """Endpoints and the ``clients`` security group; see the module docstring.

    ``endpoints_security_group_id`` (an existing VPC whose owner runs the interface endpoints and S3's gateway
    endpoint) admits ``clients`` to those endpoints instead of creating them.
    """

    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, subnets: ec2.SubnetSelection,
                 logs_key: kms.IKey, log_retention: logs.RetentionDays, removal_policy: RemovalPolicy,
                 endpoints_security_group_id: str | None = None, internet_egress: bool = False) -> None:
        super().__init__(scope, construct_id)
        self.clients: ec2.SecurityGroup = ec2.SecurityGroup(self, "Clients", vpc=vpc, allow_all_outbound=False,
                                         description="Workloads reaching AWS APIs over HTTPS through VPC endpoints")
        if endpoints_security_group_id is None:
            self.endpoints_security_group: ec2.ISecurityGroup = ec2.SecurityGroup(
                self, "Endpoints", vpc=vpc, allow_all_outbound=False,
                description="Interface endpoints of AWS APIs: HTTPS from platform workloads only")
            self.endpoints_security_group.add_ingress_rule(self.clients, ec2.Port.tcp(HTTPS),
                                                           "Platform workloads to AWS APIs")
            for name, service in INTERFACE_ENDPOINTS.items():
                vpc.add_interface_endpoint(name, service=service, subnets=subnets, private_dns_enabled=True,
                                           open=False, security_groups=[self.endpoints_security_group])
            vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[subnets])
        else:
            self.endpoints_security_group = ec2.SecurityGroup.from_security_group_id(
                self, "Endpoints", endpoints_security_group_id, mutable=False)
            ec2.CfnSecurityGroupIngress(self, "EndpointsIngress", group_id=endpoints_security_group_id,
                                        ip_protocol="tcp", from_port=HTTPS, to_port=HTTPS,
                                        source_security_group_id=self.clients.security_group_id,
                                        description="Platform workloads to AWS APIs")
        self.clients.add_egress_rule(ec2.Peer.security_group_id(self.endpoints_security_group.security_group_id),
                                     ec2.Port.tcp(HTTPS), "AWS APIs through the interface endpoints")
        #: The region's S3 prefix list, read at deploy time (never at synth: no lookup in any account).
        self.s3_prefix_list_id: str = self._s3_prefix_list_id(logs_key, log_retention, removal_policy)
        self.clients.add_egress_rule(ec2.Peer.prefix_list(self.s3_prefix_list_id), ec2.Port.tcp(HTTPS),
                                     "S3 through the gateway endpoint (image layers, CloudFormation responses)")
        if internet_egress:
            self.clients.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(HTTPS),
                                         "Internet over HTTPS (network.internet_egress_reason)")

    def _s3_prefix_list_id(self, key: kms.IKey, retention: logs.RetentionDays, removal_policy: RemovalPolicy) -> str:
        region = Stack.of(self).region
        call = cr.AwsSdkCall(service="EC2", action="describeManagedPrefixLists",
                             parameters={"Filters": [{"Name": "prefix-list-name",
                                                      "Values": [f"com.amazonaws.{region}.s3"]}]},
                             physical_resource_id=cr.PhysicalResourceId.of(f"s3-prefix-list-{region}"),
                             output_paths=["PrefixLists.0.PrefixListId"])
        lookup = deploy_time_lookups(
            self, "PrefixListLookup", calls={"S3PrefixList": call},
            statements=[iam.PolicyStatement(actions=["ec2:DescribeManagedPrefixLists"], resources=["*"])],
            description="Reads the id of the region's S3 prefix list at deployment", reason=_LOOKUP_REASON,
            wildcard_reason=_DESCRIBE_REASON, key=key, retention=retention,
            removal_policy=removal_policy)["S3PrefixList"]
        return lookup.get_response_field("PrefixLists.0.PrefixListId")


def aws_api_groups(own: ec2.SecurityGroup, aws_api_security_group: ec2.ISecurityGroup | None,
                   what: str) -> list[ec2.ISecurityGroup]:
    """The security groups, besides ``own``, that a workload's network interfaces carry to reach AWS APIs: the
    environment's ``AwsApiAccess.clients`` when given (``own`` then needs no rule for them). Without it (a VPC the
    platform made no endpoints in), ``own`` allows HTTPS anywhere, as a security group of aws-cdk-lib would."""
    if aws_api_security_group is not None:
        return [aws_api_security_group]
    own.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(HTTPS), f"{what}: AWS APIs over HTTPS (no VPC endpoints)")
    return []
