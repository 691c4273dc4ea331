"""``KafkaCluster``: an Amazon MSK provisioned cluster on stable L1 resources, secure by default, and
``KafkaCluster.from_cluster_attributes`` to reference a cluster owned by another stack or team.

Defaults, as behaviour:

* IAM authentication only (port 9098); SCRAM only when ``scram_authentication=True``; unauthenticated access off.
* TLS between clients and brokers and inside the cluster; data at rest under a customer-managed KMS key that rotates
  yearly (created unless ``encryption_key`` is given); public access disabled.
* The bank's broker defaults (zstd, replication 3, min ISR 2, no unclean leader election, no topic auto-creation,
  7 days' retention), each overridable through ``server_properties``.
* Broker logs to a KMS-encrypted log group kept ``broker_log_retention`` (a year by default).
* A security group for the brokers that admits only members of ``client_security_group`` on the IAM port: clients
  join that group (``client_security_groups``), so the brokers' rules stay constant however many clients there are.
  ``cluster.connections.allow_default_port_from(peer)`` still admits a peer with a rule of its own.
* Retained (cluster, configuration, key, logs) when removed from the stack, unless ``removal_policy`` says DESTROY.

Construct ids are public API: renaming ``Resource`` or the cluster's own id replaces the cluster and loses its data.
"""

from __future__ import annotations

from datetime import date
from typing import Mapping, Sequence, Unpack

from aws_cdk import Aws, CustomResource, Duration, Fn, RemovalPolicy, Stack, Token
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_msk as msk
from constructs import Construct

from kafka_platform.constructs.interfaces import IKafkaCluster
from kafka_platform.constructs.metric_options import MetricOptions, SeriesOptions, with_options
from kafka_platform.constructs.encryption import LogsKey, admit_log_delivery, encrypted_log_group, platform_key
from kafka_platform.constructs.platform_function import PlatformFunction
from kafka_platform.constructs.subnets import selection_arguments
from kafka_platform.domain import msk as msk_facts
from kafka_platform.domain import kafka_versions, msk_iam, msk_metrics
from kafka_platform.domain.msk_iam import ClusterArnParts
from kafka_platform.errors import raise_problems

IAM_PORT = 9098
SCRAM_PORT = 9096
# Application Auto Scaling acts on MSK storage through this service-linked role; no role of ours is needed.
_STORAGE_SCALING_ROLE = ("arn:{partition}:iam::{account}:role/aws-service-role/"
                         "kafka.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_KafkaCluster")


def _names(topics: str | Sequence[str]) -> list[str]:
    return [topics] if isinstance(topics, str) else list(topics)


class KafkaClusterBase(Construct):
    """What every cluster offers, owned or imported: IAM statements and grants with exact ARNs, connections on the
    IAM port, and MSK's CloudWatch metrics."""

    cluster_arn: str
    cluster_name: str
    bootstrap_brokers: str
    connections: ec2.Connections
    arn_parts: ClusterArnParts
    #: Known for owned clusters; for imported ones only when given (topic checks that need them are skipped).
    broker_count: int | None = None
    tiered_storage: bool | None = None

    # ---- network -------------------------------------------------------------------------------------------------
    #: Members of this group reach the brokers on the IAM port; None for an imported cluster given no such group.
    client_security_group: ec2.ISecurityGroup | None = None

    def client_security_groups(self, scope: Construct, own: ec2.ISecurityGroup,
                               description: str) -> list[ec2.ISecurityGroup]:
        """The security groups a client's network interfaces carry to reach the brokers: ``own`` and the cluster's
        client security group, which every client joins, so that the brokers' group keeps two rules however many
        clients there are (a security group holds 60 rules each way). Without a client group (an imported cluster
        given none) ``own`` is admitted with rules of its own (``admit_client``)."""
        if self.client_security_group is not None:
            return [own, self.client_security_group]
        self.admit_client(scope, own, description)
        return [own]

    def admit_client(self, scope: Construct, client: ec2.ISecurityGroup, description: str) -> None:
        """Let ``client`` reach the brokers on the IAM port with a rule of its own (one of the brokers' 60 inbound
        rules). Both rules are created in ``scope`` (the client's stack), so that a client stack depends on the
        cluster's stack and never the other way round. Prefer ``client_security_groups``."""
        for index, brokers in enumerate(self.connections.security_groups):
            ec2.CfnSecurityGroupIngress(
                scope, f"BrokerIngress{index or ''}", group_id=brokers.security_group_id, ip_protocol="tcp",
                from_port=IAM_PORT, to_port=IAM_PORT, source_security_group_id=client.security_group_id,
                description=description)
            client.add_egress_rule(ec2.Peer.security_group_id(brokers.security_group_id), ec2.Port.tcp(IAM_PORT),
                                   f"MSK brokers (IAM) of {self.cluster_name}")

    # ---- IAM -------------------------------------------------------------------------------------------------
    def topic_arn(self, topic: str) -> str:
        return self.arn_parts.topic_arn(topic)

    def group_arn(self, consumer_group: str) -> str:
        return self.arn_parts.group_arn(consumer_group)

    def connect_statement(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(actions=[msk_iam.CONNECT], resources=[self.cluster_arn])

    def consume_statements(self, topics: str | Sequence[str], consumer_group: str) -> list[iam.PolicyStatement]:
        """Connect to the cluster, read exactly ``topics``, commit offsets as exactly ``consumer_group``."""
        return [
            self.connect_statement(),
            iam.PolicyStatement(actions=list(msk_iam.CONSUME_TOPIC_ACTIONS),
                                resources=[self.topic_arn(t) for t in _names(topics)]),
            iam.PolicyStatement(actions=list(msk_iam.CONSUME_GROUP_ACTIONS), resources=[self.group_arn(consumer_group)]),
        ]

    def produce_statements(self, topics: str | Sequence[str], *, idempotent: bool = True) -> list[iam.PolicyStatement]:
        """Connect and write exactly ``topics``; idempotent producers (Kafka's default since 3.0) also need
        WriteDataIdempotently on the cluster."""
        cluster_actions = [msk_iam.CONNECT] + ([msk_iam.IDEMPOTENT_PRODUCE_CLUSTER_ACTION] if idempotent else [])
        return [
            iam.PolicyStatement(actions=cluster_actions, resources=[self.cluster_arn]),
            iam.PolicyStatement(actions=list(msk_iam.PRODUCE_TOPIC_ACTIONS),
                                resources=[self.topic_arn(t) for t in _names(topics)]),
        ]

    def grant_consume(self, grantee: iam.IGrantable, topics: str | Sequence[str], consumer_group: str) -> iam.Grant:
        """Let ``grantee`` consume ``topics`` as ``consumer_group`` (added to its principal policy, like CDK grants)."""
        return self._grant(grantee, self.consume_statements(topics, consumer_group))

    def grant_produce(self, grantee: iam.IGrantable, topics: str | Sequence[str], *, idempotent: bool = True) -> iam.Grant:
        """Let ``grantee`` produce to ``topics``."""
        return self._grant(grantee, self.produce_statements(topics, idempotent=idempotent))

    @staticmethod
    def _grant(grantee: iam.IGrantable, statements: list[iam.PolicyStatement]) -> iam.Grant:
        grant: iam.Grant | None = None
        for statement in statements:
            part = iam.Grant.add_to_principal(grantee=grantee, actions=statement.actions,
                                              resource_arns=statement.resources)
            grant = part if grant is None else grant.combine(part)
        assert grant is not None
        return grant

    # ---- metrics ----------------------------------------------------------------------------------------------
    def metric(self, metric_name: str, dimensions_map: Mapping[str, str] | None = None,
               **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """An ``AWS/Kafka`` metric of this cluster. Defaults suit MSK's once-a-minute metrics: one-minute period and an
        explicit statistic, Maximum (CloudWatch's own defaults are 5 minutes and Average); ``options`` are
        aws-cdk-lib's ``MetricOptions``."""
        metric = cloudwatch.Metric(namespace=msk_metrics.NAMESPACE, metric_name=metric_name,
                                   dimensions_map={msk_metrics.CLUSTER_NAME: self.cluster_name, **(dimensions_map or {})},
                                   statistic="Maximum", period=Duration.minutes(1))
        return with_options(self.node.path, "metric", metric, options, MetricOptions)

    def _lag_metric(self, method: str, metric_name: str, consumer_group: str, topic: str,
                    options: MetricOptions) -> cloudwatch.Metric:
        metric = self.metric(metric_name, {msk_metrics.CONSUMER_GROUP: consumer_group, msk_metrics.TOPIC: topic})
        return with_options(self.node.path, method, metric, options, MetricOptions)

    def metric_sum_offset_lag(self, consumer_group: str, topic: str,
                              **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Messages not yet consumed by ``consumer_group`` on ``topic``, summed over its partitions."""
        return self._lag_metric("metric_sum_offset_lag", msk_metrics.SUM_OFFSET_LAG, consumer_group, topic, options)

    def metric_max_offset_lag(self, consumer_group: str, topic: str,
                              **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """The worst partition's lag, in messages."""
        return self._lag_metric("metric_max_offset_lag", msk_metrics.MAX_OFFSET_LAG, consumer_group, topic, options)

    def metric_estimated_max_time_lag(self, consumer_group: str, topic: str,
                                      **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Seconds the group needs to drain its worst partition: the delay the business feels."""
        return self._lag_metric("metric_estimated_max_time_lag", msk_metrics.ESTIMATED_MAX_TIME_LAG, consumer_group,
                                topic, options)

    def metric_sum_offset_lag_across(self, consumer_group: str, topics: Sequence[str],
                                     **options: Unpack[SeriesOptions]) -> cloudwatch.IMetric:
        """Lag summed over several topics. ``SUM([...])`` adds whatever topics report in a minute; a rebalance, when
        no topic reports, stays a gap instead of becoming a zero (which would look like an empty backlog). One topic
        gives its plain metric (so that an alarm on it is written in CloudWatch's plain metric form)."""
        topics = list(topics)
        series: cloudwatch.IMetric
        if len(topics) == 1:
            series = self.metric_sum_offset_lag(consumer_group, topics[0])
        else:
            parts = {f"lag{i}": self.metric_sum_offset_lag(consumer_group, t) for i, t in enumerate(topics)}
            series = cloudwatch.MathExpression(expression=f"SUM([{', '.join(parts)}])", using_metrics=parts,
                                               period=Duration.minutes(1), label=f"SumOffsetLag {consumer_group}")
        return with_options(self.node.path, "metric_sum_offset_lag_across", series, options, SeriesOptions)


class KafkaCluster(KafkaClusterBase):
    """An MSK provisioned cluster with the bank's defaults (see the module docstring for each default)."""

    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, cluster_name: str, kafka_version: str,
                 vpc_subnets: ec2.SubnetSelection | None = None, broker_instance_type: str = "kafka.m7g.large",
                 broker_count: int | None = None, broker_volume_size_gib: int = 1000,
                 storage_auto_expansion_max_gib: int | None = None,
                 storage_auto_expansion_target_percent: int = 70, provisioned_throughput_mibps: int | None = None,
                 tiered_storage: bool = False, server_properties: Mapping[str, str] | None = None,
                 enhanced_monitoring: str = "PER_TOPIC_PER_BROKER", prometheus_jmx_exporter: bool = False,
                 prometheus_node_exporter: bool = False, scram_authentication: bool = False,
                 encryption_key: kms.IKey | None = None, logs_key: kms.IKey | None = None,
                 broker_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR, removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
                 aws_api_security_group: ec2.ISecurityGroup | None = None,
                 multi_vpc_connectivity: bool = False, zookeeper_mode_reason: str | None = None) -> None:
        """An MSK provisioned cluster; every default is in the module docstring.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param vpc: the VPC of the brokers.
        :param cluster_name: the cluster's name (1-64 letters, digits and hyphens); changing it replaces the cluster.
        :param kafka_version: the Kafka version MSK runs, KRaft (``4.1.x.kraft``, ...); a ZooKeeper-mode version, past
            its end of support, or for Express brokers only, is refused (``domain.kafka_versions``).
        :param vpc_subnets: the brokers' subnets, one per availability zone (2 or 3); default: the private subnets.
        :param broker_instance_type: the broker size; default ``kafka.m7g.large``.
        :param broker_count: brokers, a multiple of the zones; default: one per zone.
        :param broker_volume_size_gib: each broker's EBS volume, in GiB (MSK's own unit); default 1000.
        :param storage_auto_expansion_max_gib: let storage grow to this many GiB per broker (Application Auto Scaling);
            default: no expansion.
        :param storage_auto_expansion_target_percent: the disk use expansion aims for; default 70.
        :param provisioned_throughput_mibps: provisioned EBS throughput per broker, in MiB/s; default: none.
        :param tiered_storage: tiered storage on (topics may then keep data beyond local disk); default off.
        :param server_properties: broker properties over the bank's defaults; only changes towards safety are accepted.
        :param enhanced_monitoring: MSK's monitoring level; default ``PER_TOPIC_PER_BROKER`` (per-topic produce rates).
        :param prometheus_jmx_exporter: open monitoring's JMX exporter; default off.
        :param prometheus_node_exporter: open monitoring's node exporter; default off.
        :param scram_authentication: SASL/SCRAM besides IAM; default off.
        :param encryption_key: the KMS key for data at rest; default: a new key that rotates yearly.
        :param logs_key: the KMS key of the broker log group; default: a new key.
        :param broker_log_retention: how long broker logs are kept (``logs.RetentionDays``); default a year.
        :param removal_policy: default RETAIN: the cluster, its configuration, key and logs outlive the stack.
        :param aws_api_security_group: the clients group of the VPC's AWS API endpoints, joined by the bootstrap-brokers
            function; default: none.
        :param multi_vpc_connectivity: MSK's multi-VPC private connectivity (IAM), needed before other accounts or MSK
            Replicator may connect; turn it on in a deployment of its own. Default off.
        :param zookeeper_mode_reason: for a cluster that already runs a ZooKeeper-mode version: why it stays (``kafka-
            platform plan`` refuses it on a cluster the approved templates do not hold). Default: none.
        """
        super().__init__(scope, construct_id)
        subnet_ids = vpc.select_subnets(**selection_arguments(vpc_subnets)).subnet_ids
        broker_count = broker_count if broker_count is not None else len(subnet_ids)
        server_overrides = dict(server_properties or {})
        raise_problems(self.node.path, _props_problems(
            cluster_name=cluster_name, kafka_version=kafka_version, broker_instance_type=broker_instance_type,
            broker_count=broker_count, zone_count=len(subnet_ids), broker_volume_size_gib=broker_volume_size_gib,
            storage_auto_expansion_max_gib=storage_auto_expansion_max_gib,
            storage_auto_expansion_target_percent=storage_auto_expansion_target_percent,
            provisioned_throughput_mibps=provisioned_throughput_mibps, tiered_storage=tiered_storage,
            server_properties=server_overrides, enhanced_monitoring=enhanced_monitoring,
            zookeeper_mode_reason=zookeeper_mode_reason))

        self.cluster_name = cluster_name
        self.kafka_version = kafka_version
        #: The subnets of the brokers' network interfaces, one per zone.
        self.client_subnet_ids: list[str] = list(subnet_ids)
        self.broker_count: int | None = broker_count
        self.broker_instance_type = broker_instance_type
        self.tiered_storage: bool | None = tiered_storage
        self.server_properties: dict[str, str] = msk_facts.effective_server_properties(server_overrides)
        self.scram_authentication = scram_authentication

        if encryption_key is None:
            # The account may use it only through MSK (which holds a grant for the cluster's volumes).
            encryption_key = platform_key(self, "Key", description=f"MSK data at rest, {cluster_name}",
                                          removal_policy=removal_policy, used_through=("kafka",))
        self.encryption_key = encryption_key
        logs_key = logs_key or LogsKey(self, "LogsKey", description=f"MSK broker logs, {cluster_name}",
                                       removal_policy=removal_policy).key
        self.broker_log_group: logs.LogGroup = encrypted_log_group(self, "BrokerLogs", key=logs_key,
                                                    retention=broker_log_retention,
                                                    removal_policy=removal_policy)
        admit_log_delivery(self, "BrokerLogDelivery", self.broker_log_group)
        self.security_group: ec2.SecurityGroup = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, allow_all_outbound=False,
            description=f"MSK brokers of {cluster_name}; clients are admitted one by one on the IAM port")
        self.connections: ec2.Connections = ec2.Connections(security_groups=[self.security_group],
                                           default_port=ec2.Port.tcp(IAM_PORT))
        # The brokers' own group is create-only on the cluster (changing it replaces the cluster): clients join this
        # second group instead of adding rules to it.
        client_security_group = ec2.SecurityGroup(
            self, "ClientSecurityGroup", vpc=vpc, allow_all_outbound=False,
            description=f"Clients of MSK cluster {cluster_name}: members reach the brokers on the IAM port")
        self.client_security_group: ec2.ISecurityGroup | None = client_security_group
        self.security_group.add_ingress_rule(client_security_group, ec2.Port.tcp(IAM_PORT),
                                             "Members of the client security group, on the IAM port")
        # As an L1 rule: the L2's add_egress_rule would drop the group's "no traffic" placeholder for a rule written
        # as a separate resource, and EC2 would then keep its default rule (all traffic out) beside it.
        ec2.CfnSecurityGroupEgress(self, "ClientEgress", group_id=client_security_group.security_group_id,
                                   ip_protocol="tcp", from_port=IAM_PORT, to_port=IAM_PORT,
                                   destination_security_group_id=self.security_group.security_group_id,
                                   description=f"MSK brokers (IAM) of {cluster_name}")

        self.configuration: msk.CfnConfiguration = msk.CfnConfiguration(
            self, "Configuration", name=msk_facts.configuration_name(cluster_name, kafka_version),
            kafka_versions_list=[kafka_version],
            server_properties=msk_facts.render_server_properties(self.server_properties),
            description=f"Broker defaults of {cluster_name} (kafka-platform)")
        self.configuration.apply_removal_policy(removal_policy)

        self.resource: msk.CfnCluster = msk.CfnCluster(
            self, "Resource", cluster_name=cluster_name, kafka_version=kafka_version,
            number_of_broker_nodes=broker_count,
            broker_node_group_info=msk.CfnCluster.BrokerNodeGroupInfoProperty(
                client_subnets=subnet_ids, instance_type=broker_instance_type,
                security_groups=[self.security_group.security_group_id],
                storage_info=msk.CfnCluster.StorageInfoProperty(ebs_storage_info=msk.CfnCluster.EBSStorageInfoProperty(
                    volume_size=broker_volume_size_gib,
                    provisioned_throughput=None if provisioned_throughput_mibps is None else
                    msk.CfnCluster.ProvisionedThroughputProperty(enabled=True,
                                                                 volume_throughput=provisioned_throughput_mibps))),
                connectivity_info=msk.CfnCluster.ConnectivityInfoProperty(
                    public_access=msk.CfnCluster.PublicAccessProperty(type="DISABLED"),
                    # Clients in other VPCs and accounts (data teams, MSK Replicator), with IAM only. CloudFormation
                    # refuses it when the cluster is created: turn it on in a later deployment.
                    vpc_connectivity=msk.CfnCluster.VpcConnectivityProperty(
                        client_authentication=msk.CfnCluster.VpcConnectivityClientAuthenticationProperty(
                            sasl=msk.CfnCluster.VpcConnectivitySaslProperty(
                                iam=msk.CfnCluster.VpcConnectivityIamProperty(enabled=True))))
                    if multi_vpc_connectivity else None)),
            client_authentication=msk.CfnCluster.ClientAuthenticationProperty(
                sasl=msk.CfnCluster.SaslProperty(iam=msk.CfnCluster.IamProperty(enabled=True),
                                                 scram=msk.CfnCluster.ScramProperty(enabled=scram_authentication)),
                unauthenticated=msk.CfnCluster.UnauthenticatedProperty(enabled=False)),
            encryption_info=msk.CfnCluster.EncryptionInfoProperty(
                encryption_at_rest=msk.CfnCluster.EncryptionAtRestProperty(
                    data_volume_kms_key_id=encryption_key.key_arn),
                encryption_in_transit=msk.CfnCluster.EncryptionInTransitProperty(client_broker="TLS",
                                                                                 in_cluster=True)),
            enhanced_monitoring=enhanced_monitoring,
            open_monitoring=msk.CfnCluster.OpenMonitoringProperty(prometheus=msk.CfnCluster.PrometheusProperty(
                jmx_exporter=msk.CfnCluster.JmxExporterProperty(enabled_in_broker=prometheus_jmx_exporter),
                node_exporter=msk.CfnCluster.NodeExporterProperty(enabled_in_broker=prometheus_node_exporter))),
            logging_info=msk.CfnCluster.LoggingInfoProperty(broker_logs=msk.CfnCluster.BrokerLogsProperty(
                cloud_watch_logs=msk.CfnCluster.CloudWatchLogsProperty(
                    enabled=True, log_group=self.broker_log_group.log_group_name))),
            configuration_info=msk.CfnCluster.ConfigurationInfoProperty(
                arn=self.configuration.attr_arn, revision=self.configuration.attr_latest_revision_revision),
            storage_mode="TIERED" if tiered_storage else "LOCAL")
        self.resource.apply_removal_policy(removal_policy)
        self.cluster_arn: str = self.resource.attr_arn
        self.multi_vpc_connectivity = multi_vpc_connectivity
        #: The cluster's resource policy (``AWS::MSK::ClusterPolicy``), created by the first statement added to it.
        self.cluster_policy: msk.CfnClusterPolicy | None = None
        self._cluster_policy_document = iam.PolicyDocument()
        stack = Stack.of(self)

        if storage_auto_expansion_max_gib is not None:
            self._expand_storage(stack, broker_volume_size_gib, storage_auto_expansion_max_gib,
                                 storage_auto_expansion_target_percent)

        self.bootstrap_brokers_function: PlatformFunction = PlatformFunction(
            self, "BootstrapBrokersFunction", handler="bootstrap_brokers.handler",
            description=f"Reads the bootstrap brokers of {cluster_name}", vpc=vpc,
            vpc_subnets=vpc_subnets or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            logs_key=logs_key, log_retention=broker_log_retention, removal_policy=removal_policy,
            timeout=Duration.minutes(1), invoked_by="cloudformation", aws_api_security_group=aws_api_security_group,
            statements=[iam.PolicyStatement(actions=["kafka:GetBootstrapBrokers"], resources=[self.cluster_arn])])
        self.bootstrap_brokers_resource: CustomResource = CustomResource(
            self, "BootstrapBrokers", service_token=self.bootstrap_brokers_function.function.function_arn,
            resource_type="Custom::MskBootstrapBrokers", service_timeout=Duration.minutes(2),
            properties={"ClusterArn": self.cluster_arn, "ClusterVersion": self.resource.attr_current_version})
        self.bootstrap_brokers: str = self.bootstrap_brokers_resource.get_att_string("BootstrapBrokerStringSaslIam")
        # The UUID comes from the custom resource (parsed from the ARN), not Fn::Split: stacks that read the cluster
        # ARN from this one cannot split it (CloudFormation does not allow Fn::GetStackOutput inside Fn::Split).
        self.arn_parts: ClusterArnParts = ClusterArnParts(partition=Aws.PARTITION, region=stack.region, account=stack.account,
                                         cluster_name=cluster_name,
                                         cluster_uuid=self.bootstrap_brokers_resource.get_att_string("ClusterUuid"))

    def _expand_storage(self, stack: Stack, volume_size_gib: int, max_gib: int, target_percent: int) -> None:
        """MSK grows broker volumes when use crosses the target (at most every 6 hours); volumes never shrink."""
        role = iam.Role.from_role_arn(self, "StorageScalingRole", _STORAGE_SCALING_ROLE.format(
            partition=stack.partition, account=stack.account), mutable=False)
        self.storage_scaling_target: appscaling.ScalableTarget = appscaling.ScalableTarget(
            self, "StorageScaling", service_namespace=appscaling.ServiceNamespace.KAFKA,
            scalable_dimension="kafka:broker-storage:VolumeSize", resource_id=self.cluster_arn,
            min_capacity=volume_size_gib, max_capacity=max_gib, role=role)
        self.storage_scaling_target.scale_to_track_metric(
            "StorageUtilization", target_value=target_percent, disable_scale_in=True,
            predefined_metric=appscaling.PredefinedMetric.KAFKA_BROKER_STORAGE_UTILIZATION)

    def allow_vpc_connections_from(self, accounts: Sequence[str]) -> None:
        """Let ``accounts`` create a managed VPC connection to the cluster and read its bootstrap brokers, and nothing
        else (the console's default cluster policy grants ``kafka-cluster:*``: never that). What their principals
        may do on the cluster is whatever role of this account they assume grants (a data team's read role)."""
        self._add_to_cluster_policy(
            f"accounts {', '.join(accounts)}", [iam.AccountPrincipal(account) for account in sorted(accounts)],
            ["kafka:CreateVpcConnection", "kafka:GetBootstrapBrokers", "kafka:DescribeCluster",
             "kafka:DescribeClusterV2"])

    def allow_replicator(self) -> None:
        """Let MSK Replicator (in another region of this account) connect to the cluster: exactly what it calls. Its
        data access is its execution role's.

        Sources: https://docs.aws.amazon.com/msk/latest/developerguide/msk-replicator.html.
        """
        self._add_to_cluster_policy("MSK Replicator", [iam.ServicePrincipal("kafka.amazonaws.com")],
                                    ["kafka:CreateVpcConnection", "kafka:GetBootstrapBrokers",
                                     "kafka:DescribeClusterV2"])

    def _add_to_cluster_policy(self, who: str, principals: list[iam.IPrincipal], actions: list[str]) -> None:
        if not self.multi_vpc_connectivity:
            raise_problems(self.node.path, [("multi_vpc_connectivity", (
                "is off, and other accounts and regions reach the cluster only through it; turn it on (in a "
                f"deployment of its own: CloudFormation refuses it when the cluster is created) before admitting {who}"
            ))])
        self._cluster_policy_document.add_statements(iam.PolicyStatement(
            sid=f"VpcConnections{self._cluster_policy_document.statement_count + 1}", principals=principals,
            actions=actions, resources=[self.cluster_arn]))
        if self.cluster_policy is None:
            self.cluster_policy = msk.CfnClusterPolicy(self, "ClusterPolicy", cluster_arn=self.cluster_arn,
                                                       policy=self._cluster_policy_document)

    @classmethod
    def from_cluster_attributes(cls, scope: Construct, construct_id: str, *, cluster_arn: str,
                                bootstrap_brokers: str, security_group_id: str, cluster_name: str | None = None,
                                broker_count: int | None = None, tiered_storage: bool | None = None,
                                security_group_mutable: bool = True,
                                client_security_group_id: str | None = None) -> IKafkaCluster:
        """Reference a cluster this stack does not own (another team's, or the platform's shared one).

        ``cluster_name`` is read from a literal ARN; give it when the ARN is a token (an SSM parameter, an import).
        With ``security_group_mutable`` (default) ``connections.allow_default_port_from(...)`` adds the ingress rule
        to the cluster's security group from the importing stack. ``broker_count`` and ``tiered_storage`` let
        KafkaTopic check replication and tiering against the cluster. ``client_security_group_id`` (the owning
        stack's ``cluster.client_security_group``) lets this stack's clients join that group instead of each adding
        a rule to the brokers' group.
        """
        return _ImportedKafkaCluster(scope, construct_id, cluster_arn=cluster_arn,
                                     bootstrap_brokers=bootstrap_brokers, security_group_id=security_group_id,
                                     cluster_name=cluster_name, broker_count=broker_count,
                                     tiered_storage=tiered_storage, security_group_mutable=security_group_mutable,
                                     client_security_group_id=client_security_group_id)


class _ImportedKafkaCluster(KafkaClusterBase):
    def __init__(self, scope: Construct, construct_id: str, *, cluster_arn: str, bootstrap_brokers: str,
                 security_group_id: str, cluster_name: str | None, broker_count: int | None,
                 tiered_storage: bool | None, security_group_mutable: bool,
                 client_security_group_id: str | None = None) -> None:
        super().__init__(scope, construct_id)
        if Token.is_unresolved(cluster_arn):
            if cluster_name is None:
                raise_problems(self.node.path, [("cluster_name", "is missing; a cluster_arn that is a token cannot "
                                                                 "be read at synth, so give the cluster's name too")])
            stack = Stack.of(self)
            self.arn_parts = ClusterArnParts(Aws.PARTITION, stack.region, stack.account, cluster_name,
                                             Fn.select(2, Fn.split("/", cluster_arn)))
        else:
            try:
                self.arn_parts = ClusterArnParts.parse(cluster_arn)
            except ValueError as error:
                raise_problems(self.node.path, [("cluster_arn", str(error))])
            if cluster_name is not None and cluster_name != self.arn_parts.cluster_name:
                raise_problems(self.node.path, [("cluster_name", f"{cluster_name!r} differs from the name in "
                                                                 f"cluster_arn ({self.arn_parts.cluster_name!r}); "
                                                                 "leave it out or correct it")])
        self.cluster_arn = cluster_arn
        self.cluster_name = self.arn_parts.cluster_name
        self.bootstrap_brokers = bootstrap_brokers
        self.broker_count = broker_count
        self.tiered_storage = tiered_storage
        security_group = ec2.SecurityGroup.from_security_group_id(self, "SecurityGroup", security_group_id,
                                                                  mutable=security_group_mutable)
        self.connections = ec2.Connections(security_groups=[security_group], default_port=ec2.Port.tcp(IAM_PORT))
        if client_security_group_id is not None:
            self.client_security_group = ec2.SecurityGroup.from_security_group_id(
                self, "ClientSecurityGroup", client_security_group_id, mutable=False)


def _props_problems(*, cluster_name: str, kafka_version: str, broker_instance_type: str, broker_count: int,
                    zone_count: int, broker_volume_size_gib: int, storage_auto_expansion_max_gib: int | None,
                    storage_auto_expansion_target_percent: int, provisioned_throughput_mibps: int | None,
                    tiered_storage: bool, server_properties: Mapping[str, str],
                    enhanced_monitoring: str, zookeeper_mode_reason: str | None = None) -> list[tuple[str, str]]:
    """The domain checks, keyed by prop name; the configuration loader runs the same ones keyed by file field."""
    problems = []
    version_problem = msk_facts.kafka_version_problem(kafka_version) or kafka_versions.version_problem(
        kafka_version, today=date.today(), zookeeper_mode_reason=zookeeper_mode_reason)
    for field, problem in (("cluster_name", msk_facts.cluster_name_problem(cluster_name)),
                           ("kafka_version", version_problem),
                           ("broker_instance_type", msk_facts.instance_type_problem(broker_instance_type)),
                           ("broker_count", msk_facts.broker_count_problem(broker_count, zone_count))):
        if problem:
            problems.append((field, problem))
    if tiered_storage and version_problem is None:
        if (p := msk_facts.tiered_storage_problem(kafka_version, broker_instance_type)) is not None:
            problems.append(("tiered_storage", p))
    if provisioned_throughput_mibps is not None:
        if (p := msk_facts.provisioned_throughput_problem(broker_instance_type, provisioned_throughput_mibps)):
            problems.append(("provisioned_throughput_mibps", p))
    if storage_auto_expansion_max_gib is not None:
        for field, p in msk_facts.storage_expansion_problems(broker_volume_size_gib, storage_auto_expansion_max_gib,
                                                             storage_auto_expansion_target_percent):
            problems.append(({"max_volume_size_gib": "storage_auto_expansion_max_gib",
                              "target_utilization_percent": "storage_auto_expansion_target_percent"}[field], p))
    if enhanced_monitoring not in msk_facts.ENHANCED_MONITORING_LEVELS:
        problems.append(("enhanced_monitoring", f"{enhanced_monitoring!r} is not an MSK monitoring level; use one of "
                                                f"{', '.join(msk_facts.ENHANCED_MONITORING_LEVELS)}"))
    for key, p in msk_facts.server_properties_problems(server_properties):
        problems.append((f"server_properties[{key}]", p))
    return problems
