"""The standby's replication (phase ``replicate``): MSK Replicator from the primary, which it finds through the
primary's SSM parameters, read in the primary's region at deployment; its alarms and dashboard."""

from __future__ import annotations

from aws_cdk import Duration, Fn
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from kafka_platform.config.model import Environment
from kafka_platform.config.standby import replicated_groups, replicated_topics
from kafka_platform.constructs.alarm_topic import AlarmTopic
from kafka_platform.constructs.deploy_time_lookup import deploy_time_lookups
from kafka_platform.constructs.encryption import LogsKey, retention_days
from kafka_platform.constructs.network import PlatformNetwork
from kafka_platform.constructs.replication import KafkaReplicator
from kafka_platform.domain import stack_layout
from kafka_platform.domain.disaster_recovery import parameter_name
from kafka_platform.stacks.common import PlatformStack, removal_policy
from kafka_platform.stacks.kafka_stack import KafkaStack

_LOOKUP_REASON = (
    "CDK's AwsCustomResource reads the primary cluster's ARN, client subnets and client security group from SSM "
    "Parameter Store in the primary's region, once per deployment, for MSK Replicator here. It runs outside the VPC "
    "on purpose (it calls another region's SSM, which no endpoint here serves), is invoked only by CloudFormation, "
    "reads three named parameters and nothing else, and handles no data.")


class ReplicationStack(PlatformStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Environment, primary: Environment,
                 network: PlatformNetwork, kafka: KafkaStack, alarm_topic: AlarmTopic) -> None:
        super().__init__(scope, construct_id, config=config,
                         what=f"MSK Replicator from {primary.kafka.cluster_name} ({primary.region})")
        dr = primary.disaster_recovery
        assert dr is not None
        retain = removal_policy(config)
        logs_key = LogsKey(self, "LogsKey", description=f"{config.name} replication logs", removal_policy=retain).key
        names = {what: parameter_name(primary.name, what)
                 for what in ("cluster-arn", "client-subnet-ids", "client-security-group-id")}
        calls = {f"Primary-{what}": cr.AwsSdkCall(
            service="SSM", action="getParameter", parameters={"Name": name}, region=primary.region,
            physical_resource_id=cr.PhysicalResourceId.of(f"{primary.region}:{name}"),
            output_paths=["Parameter.Value"]) for what, name in names.items()}
        lookups = deploy_time_lookups(
            self, "PrimaryLookup", calls=calls, description=f"Reads {primary.name}'s cluster coordinates in "
                                                             f"{primary.region} at deployment",
            statements=[iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[
                f"arn:{self.partition}:ssm:{primary.region}:{primary.account}:parameter{name}"
                for name in names.values()])],
            reason=_LOOKUP_REASON, key=logs_key, retention=retention_days(primary.kafka.broker_log_retention_days),
            removal_policy=retain)
        value = {what: lookups[f"Primary-{what}"].get_response_field("Parameter.Value") for what in names}
        cluster = kafka.cluster
        self.replicator: KafkaReplicator = KafkaReplicator(
            self, "Replicator", source_cluster_arn=value["cluster-arn"],
            source_cluster_name=primary.kafka.cluster_name, source_region=primary.region,
            source_subnet_ids=Fn.split(",", value["client-subnet-ids"], assumed_length=len(primary.availability_zones)),
            source_security_group_ids=[value["client-security-group-id"]], target=cluster,
            target_subnet_ids=cluster.client_subnet_ids, target_security_groups=[cluster.client_security_group],
            topics=replicated_topics(primary), consumer_groups=replicated_groups(primary),
            alarm_action=alarm_topic.alarm_action, rpo=Duration.seconds(dr.rpo_seconds),
            starting_position=dr.starting_position, logs_key=logs_key,
            log_retention=retention_days(primary.kafka.broker_log_retention_days),
            removal_policy=retain)
        self.dashboard: cloudwatch.Dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=stack_layout.replication_dashboard_name(config.name),
                                              widgets=[self.replicator.dashboard_widgets()])
