"""The MSK cluster every environment gets, and KafkaCluster's props, grants, metrics and imports."""

import json

import pytest
from aws_cdk import Duration
from aws_cdk import aws_iam as iam

from kafka_platform.constructs.kafka_cluster import KafkaCluster
from kafka_platform.errors import ConfigurationError
from tests.conftest import ENVIRONMENT_NAMES
from tests.support import new_stack, new_vpc, only, resources

BANK_DEFAULTS = {"auto.create.topics.enable": "false", "compression.type": "zstd", "default.replication.factor": "3",
                 "min.insync.replicas": "2", "unclean.leader.election.enable": "false"}


def cluster_properties(synthesized, environment):
    return only(synthesized.raw(environment, "Kafka"), "AWS::MSK::Cluster")["Properties"]


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_clients_authenticate_with_iam_only(synthesized, environment):
    authentication = cluster_properties(synthesized, environment)["ClientAuthentication"]
    assert authentication == {"Sasl": {"Iam": {"Enabled": True}, "Scram": {"Enabled": False}},
                              "Unauthenticated": {"Enabled": False}}


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_traffic_is_tls_between_clients_and_brokers_and_inside_the_cluster(synthesized, environment):
    transit = cluster_properties(synthesized, environment)["EncryptionInfo"]["EncryptionInTransit"]
    assert transit == {"ClientBroker": "TLS", "InCluster": True}


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_data_at_rest_uses_a_rotating_customer_managed_key(synthesized, environment):
    template = synthesized.raw(environment, "Kafka")
    key_ref = cluster_properties(synthesized, environment)["EncryptionInfo"]["EncryptionAtRest"]["DataVolumeKMSKeyId"]
    key = template["Resources"][key_ref["Fn::GetAtt"][0]]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_public_access_is_disabled(synthesized, environment):
    nodes = cluster_properties(synthesized, environment)["BrokerNodeGroupInfo"]
    assert nodes["ConnectivityInfo"]["PublicAccess"] == {"Type": "DISABLED"}
    # Multi-VPC connectivity (MSK Replicator; prod's data-science account) is private, and IAM only.
    assert nodes["ConnectivityInfo"].get("VpcConnectivity", {}) in (
        {}, {"ClientAuthentication": {"Sasl": {"Iam": {"Enabled": True}}}})
    assert ("VpcConnectivity" in nodes["ConnectivityInfo"]) == (environment in ("staging", "prod"))


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_broker_logs_go_to_an_encrypted_log_group_with_the_configured_retention(synthesized, environments,
                                                                              environment):
    template = synthesized.raw(environment, "Kafka")
    logs = cluster_properties(synthesized, environment)["LoggingInfo"]["BrokerLogs"]["CloudWatchLogs"]
    assert logs["Enabled"] is True
    group = template["Resources"][logs["LogGroup"]["Ref"]]
    assert group["Properties"]["RetentionInDays"] == environments[environment].kafka.broker_log_retention_days
    assert "KmsKeyId" in group["Properties"]


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_the_configuration_holds_the_bank_defaults(synthesized, environment):
    configuration = only(synthesized.raw(environment, "Kafka"), "AWS::MSK::Configuration")["Properties"]
    properties = dict(line.split("=", 1) for line in configuration["ServerProperties"].splitlines())
    assert BANK_DEFAULTS.items() <= properties.items()


def test_environment_overrides_reach_the_configuration(synthesized):
    configuration = only(synthesized.raw("dev", "Kafka"), "AWS::MSK::Configuration")["Properties"]
    assert "log.retention.hours=72\n" in configuration["ServerProperties"]


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_the_cluster_uses_the_latest_revision_of_its_configuration(synthesized, environment):
    info = cluster_properties(synthesized, environment)["ConfigurationInfo"]
    configuration_id = info["Arn"]["Fn::GetAtt"][0]
    assert info["Revision"] == {"Fn::GetAtt": [configuration_id, "LatestRevision.Revision"]}


def test_the_configuration_name_carries_the_kafka_version_so_an_upgrade_creates_a_new_one(synthesized):
    configuration = only(synthesized.raw("prod", "Kafka"), "AWS::MSK::Configuration")["Properties"]
    assert configuration["Name"] == "bank-streaming-prod-4-1-x-kraft"
    assert configuration["KafkaVersionsList"] == ["4.1.x.kraft"]


@pytest.mark.parametrize("environment,policy", [("dev", "Delete"), ("staging", "Retain"), ("prod", "Retain")])
def test_stateful_resources_are_retained_in_staging_and_prod(synthesized, environment, policy):
    template = synthesized.raw(environment, "Kafka")
    for resource_type in ("AWS::MSK::Cluster", "AWS::MSK::Configuration", "AWS::MSK::Topic", "AWS::KMS::Key",
                          "AWS::Logs::LogGroup"):
        for logical_id, resource in resources(template, resource_type).items():
            assert resource.get("DeletionPolicy") == policy, logical_id
            assert resource.get("UpdateReplacePolicy") == policy, logical_id


def test_the_cluster_keeps_its_logical_id_because_a_new_one_replaces_the_cluster_and_its_data(synthesized):
    clusters = resources(synthesized.raw("prod", "Kafka"), "AWS::MSK::Cluster")
    assert list(clusters) == ["ClusterEB0386A7"]
    assert clusters["ClusterEB0386A7"]["Metadata"]["aws:cdk:path"] == "Prod/Kafka/Cluster/Resource"


def test_prod_spreads_six_brokers_over_three_zones_with_tiered_storage(synthesized):
    properties = cluster_properties(synthesized, "prod")
    assert properties["NumberOfBrokerNodes"] == 6
    assert len(properties["BrokerNodeGroupInfo"]["ClientSubnets"]) == 3
    assert properties["StorageMode"] == "TIERED"
    assert cluster_properties(synthesized, "dev")["StorageMode"] == "LOCAL"


def test_monitoring_level_and_prometheus_exporters_follow_the_configuration(synthesized):
    prod, dev = cluster_properties(synthesized, "prod"), cluster_properties(synthesized, "dev")
    assert prod["EnhancedMonitoring"] == "PER_TOPIC_PER_BROKER"
    assert prod["OpenMonitoring"]["Prometheus"] == {"JmxExporter": {"EnabledInBroker": True},
                                                    "NodeExporter": {"EnabledInBroker": True}}
    assert dev["OpenMonitoring"]["Prometheus"]["JmxExporter"] == {"EnabledInBroker": False}


def test_the_broker_security_group_admits_only_the_client_group_on_the_iam_port(synthesized):
    template = synthesized.raw("prod", "Kafka")
    [group_ref] = cluster_properties(synthesized, "prod")["BrokerNodeGroupInfo"]["SecurityGroups"]
    group_id = group_ref["Fn::GetAtt"][0]
    assert "SecurityGroupIngress" not in template["Resources"][group_id]["Properties"]
    ingress = [r["Properties"] for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()
               if r["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}]
    [rule] = ingress
    assert (rule["FromPort"], rule["ToPort"], rule["IpProtocol"]) == (9098, 9098, "tcp")
    client_id = rule["SourceSecurityGroupId"]["Fn::GetAtt"][0]
    assert template["Resources"][client_id]["Metadata"]["aws:cdk:path"] == "Prod/Kafka/Cluster/ClientSecurityGroup/Resource"


def test_the_brokers_rules_stay_constant_however_many_clients_join(synthesized):
    """Every client stack of every environment adds no rule to the brokers' group: it joins the client group."""
    for environment in ENVIRONMENT_NAMES:
        for stack in synthesized.assembly.stacks(synthesized.stages[environment].stage_name):
            if stack.stack_name.endswith("-Kafka"):
                continue
            for rule in stack.resources("AWS::EC2::SecurityGroupIngress").values():
                assert "Kafka" not in json.dumps(rule["Properties"]["GroupId"]), stack.stack_name


def test_the_client_group_reaches_only_the_brokers_iam_port(synthesized):
    template = synthesized.raw("prod", "Kafka")
    group = next(r for r in resources(template, "AWS::EC2::SecurityGroup").values()
                 if r["Metadata"]["aws:cdk:path"].endswith("/ClientSecurityGroup/Resource"))["Properties"]
    assert "SecurityGroupIngress" not in group
    egress = [r["Properties"] for r in resources(template, "AWS::EC2::SecurityGroupEgress").values()]
    assert [(e["FromPort"], e["ToPort"]) for e in egress] == [(9098, 9098)]
    # Only the placeholder rule CDK writes for a group that allows no outbound traffic by default.
    assert [e["CidrIp"] for e in group["SecurityGroupEgress"]] == ["255.255.255.255/32"]


def test_storage_grows_from_the_starting_size_to_the_maximum_and_never_shrinks(synthesized):
    template = synthesized.raw("prod", "Kafka")
    target = only(template, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2000, 8000)
    assert target["ScalableDimension"] == "kafka:broker-storage:VolumeSize"
    assert "AWSServiceRoleForApplicationAutoScaling_KafkaCluster" in json.dumps(target["RoleARN"])
    policy = only(template, "AWS::ApplicationAutoScaling::ScalingPolicy")["Properties"]
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] == 70
    assert tracking["DisableScaleIn"] is True
    assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == "KafkaBrokerStorageUtilization"


def test_dev_has_no_storage_expansion(synthesized):
    assert resources(synthesized.raw("dev", "Kafka"), "AWS::ApplicationAutoScaling::ScalableTarget") == {}


def test_bootstrap_brokers_come_from_a_custom_resource_reread_after_each_cluster_update(synthesized):
    template = synthesized.raw("prod", "Kafka")
    cluster_id = next(iter(resources(template, "AWS::MSK::Cluster")))
    brokers = only(template, "Custom::MskBootstrapBrokers")["Properties"]
    assert brokers["ClusterArn"] == {"Fn::GetAtt": [cluster_id, "Arn"]}
    assert brokers["ClusterVersion"] == {"Fn::GetAtt": [cluster_id, "CurrentVersion"]}


def test_the_bootstrap_function_may_only_read_this_cluster_bootstrap_brokers(synthesized):
    template = synthesized.raw("prod", "Kafka")
    cluster_id = next(iter(resources(template, "AWS::MSK::Cluster")))
    policy = only(template, "AWS::IAM::ManagedPolicy")["Properties"]["PolicyDocument"]["Statement"]
    kafka = [s for s in policy if "kafka:GetBootstrapBrokers" in json.dumps(s["Action"])]
    assert kafka == [{"Action": "kafka:GetBootstrapBrokers", "Effect": "Allow",
                      "Resource": {"Fn::GetAtt": [cluster_id, "Arn"]}}]


# ---- props, grants, metrics, imports -----------------------------------------------------------------------------

def make_cluster(**props):
    stack = new_stack()
    vpc = new_vpc(stack)
    defaults = {"cluster_name": "test-cluster", "kafka_version": "4.1.x.kraft"}
    return stack, KafkaCluster(stack, "Cluster", vpc=vpc, **{**defaults, **props})


def test_brokers_default_to_one_per_zone_of_the_subnets():
    _, cluster = make_cluster()
    assert cluster.broker_count == 3


def test_scram_is_opt_in():
    stack, _ = make_cluster(scram_authentication=True)
    properties = only(_synth(stack), "AWS::MSK::Cluster")["Properties"]
    assert properties["ClientAuthentication"]["Sasl"]["Scram"] == {"Enabled": True}
    assert properties["ClientAuthentication"]["Unauthenticated"] == {"Enabled": False}


def _synth(stack):
    from aws_cdk.assertions import Template

    return Template.from_stack(stack).to_json()


@pytest.mark.parametrize("props,expected", [
    ({"broker_count": 4}, "Test/Cluster: broker_count: 4 is not a multiple of the 3 availability zones; use 3, 6 or 9"),
    ({"tiered_storage": True, "broker_instance_type": "kafka.t3.small"},
     "Test/Cluster: tiered_storage: true is not supported on kafka.t3.small brokers; use kafka.m5.large or larger, "
     "or set tiered_storage: false"),
    ({"kafka_version": "3.9.x"},
     "Test/Cluster: kafka_version: \"3.9.x\" creates the cluster in ZooKeeper mode, which Kafka 4 no longer has (3.9 "
     "is its last line) and which MSK leaves only by an in-place migration from 3.9.x: use 4.1.x.kraft. A cluster "
     "that already runs in ZooKeeper mode keeps its version by saying why in zookeeper_mode_reason"),
    ({"kafka_version": "3.5.1", "tiered_storage": True},
     "Test/Cluster: kafka_version: \"3.5.1\" reached MSK's end of support on 2025-10-23: MSK upgrades such clusters "
     "at any time without notice, and creates none: use 4.1.x.kraft"),
    ({"server_properties": {"min.insync.replicas": "1"}},
     "Test/Cluster: server_properties[min.insync.replicas]: \"1\" would acknowledge writes held by a single broker; "
     "the bank requires 2 or more"),
    ({"server_properties": {"num.partition": "3"}},
     "Test/Cluster: server_properties[num.partition]: \"num.partition\" is not a property MSK lets you set (did you "
     "mean num.partitions?); see the MSK developer guide, Custom MSK configurations"),
    ({"storage_auto_expansion_max_gib": 500, "broker_volume_size_gib": 1000},
     "Test/Cluster: storage_auto_expansion_max_gib: 500 is not above broker_volume_size_gib 1000; storage never "
     "shrinks, so set a maximum larger than the starting size"),
    ({"enhanced_monitoring": "VERBOSE"},
     "Test/Cluster: enhanced_monitoring: 'VERBOSE' is not an MSK monitoring level; use one of DEFAULT, PER_BROKER, "
     "PER_TOPIC_PER_BROKER, PER_TOPIC_PER_PARTITION"),
    ({"cluster_name": "9lives"},
     "Test/Cluster: cluster_name: \"9lives\" is not a valid MSK cluster name; use 1-64 letters, digits and hyphens, "
     "starting with a letter"),
])
def test_inconsistent_props_are_refused_with_the_prop_named(props, expected):
    with pytest.raises(ConfigurationError) as raised:
        make_cluster(**props)
    assert str(raised.value) == expected


def test_grant_consume_names_exact_topic_and_group_arns_with_the_cluster_uuid():
    stack, cluster = make_cluster()
    role = iam.Role(stack, "Consumer", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    cluster.grant_consume(role, "repayments", "repayment-processors")
    statements = only(_synth(stack), "AWS::IAM::Policy")["Properties"]["PolicyDocument"]["Statement"]
    bootstrap = next(iter(resources(_synth(stack), "Custom::MskBootstrapBrokers")))
    uuid = {"Fn::GetAtt": [bootstrap, "ClusterUuid"]}

    def arn(kind, name):
        return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":kafka:eu-west-2:123456789012:{kind}/"
                                  "test-cluster/", uuid, f"/{name}"]]}

    assert statements == [
        {"Action": "kafka-cluster:Connect", "Effect": "Allow", "Resource": {"Fn::GetAtt": [_cluster_id(stack), "Arn"]}},
        {"Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"], "Effect": "Allow",
         "Resource": arn("topic", "repayments")},
        {"Action": ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"], "Effect": "Allow",
         "Resource": arn("group", "repayment-processors")},
    ]
    assert "*" not in json.dumps(statements)


def _cluster_id(stack):
    return next(iter(resources(_synth(stack), "AWS::MSK::Cluster")))


def test_grant_produce_adds_idempotent_writes_on_the_cluster():
    stack, cluster = make_cluster()
    role = iam.Role(stack, "Producer", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    cluster.grant_produce(role, ["loan-applications"])
    statements = only(_synth(stack), "AWS::IAM::Policy")["Properties"]["PolicyDocument"]["Statement"]
    assert statements[0]["Action"] == ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"]
    assert statements[1]["Action"] == ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]


def test_connections_open_only_the_iam_port():
    stack, cluster = make_cluster()
    from aws_cdk import aws_ec2 as ec2

    client = ec2.SecurityGroup(stack, "Client", vpc=stack.node.find_child("Vpc"))
    cluster.connections.allow_default_port_from(client)
    rules = [r["Properties"] for r in resources(_synth(stack), "AWS::EC2::SecurityGroupIngress").values()]
    [ingress] = [r for r in rules if "Client" in json.dumps(r["SourceSecurityGroupId"])
                 and "ClientSecurityGroup" not in json.dumps(r["SourceSecurityGroupId"])]
    assert (ingress["FromPort"], ingress["ToPort"], ingress["IpProtocol"]) == (9098, 9098, "tcp")


def test_clients_join_the_client_group_and_add_no_rule_to_the_brokers_group():
    stack, cluster = make_cluster()
    from aws_cdk import aws_ec2 as ec2

    own = ec2.SecurityGroup(stack, "Own", vpc=stack.node.find_child("Vpc"), allow_all_outbound=False)
    groups = cluster.client_security_groups(stack, own, "a client")
    assert groups == [own, cluster.client_security_group]
    template = _synth(stack)
    assert len(resources(template, "AWS::EC2::SecurityGroupIngress")) == 1  # the client group's rule only


def test_an_imported_cluster_without_a_client_group_admits_each_client_with_its_own_rule():
    stack = new_stack()
    from aws_cdk import aws_ec2 as ec2

    vpc = new_vpc(stack)
    cluster = KafkaCluster.from_cluster_attributes(
        stack, "Imported", cluster_arn="arn:aws:kafka:eu-west-2:123456789012:cluster/shared/abc-1",
        bootstrap_brokers="b-1:9098", security_group_id="sg-0123456789abcdef0")
    own = ec2.SecurityGroup(stack, "Own", vpc=vpc, allow_all_outbound=False)
    assert cluster.client_security_groups(stack, own, "a client") == [own]
    [ingress] = resources(_synth(stack), "AWS::EC2::SecurityGroupIngress").values()
    assert ingress["Properties"]["GroupId"] == "sg-0123456789abcdef0"


def test_an_imported_cluster_with_a_client_group_lets_clients_join_it():
    stack = new_stack()
    from aws_cdk import aws_ec2 as ec2

    vpc = new_vpc(stack)
    cluster = KafkaCluster.from_cluster_attributes(
        stack, "Imported", cluster_arn="arn:aws:kafka:eu-west-2:123456789012:cluster/shared/abc-1",
        bootstrap_brokers="b-1:9098", security_group_id="sg-0123456789abcdef0",
        client_security_group_id="sg-0fedcba9876543210")
    own = ec2.SecurityGroup(stack, "Own", vpc=vpc, allow_all_outbound=False)
    groups = cluster.client_security_groups(stack, own, "a client")
    assert [stack.resolve(g.security_group_id) for g in groups][1] == "sg-0fedcba9876543210"
    assert resources(_synth(stack), "AWS::EC2::SecurityGroupIngress") == {}


def test_lag_metrics_are_one_minute_with_an_explicit_statistic_and_all_three_dimensions():
    stack, cluster = make_cluster()
    metric = cluster.metric_sum_offset_lag("loan-approvals", "loan-applications")
    assert (metric.namespace, metric.metric_name, metric.statistic) == ("AWS/Kafka", "SumOffsetLag", "Maximum")
    assert metric.period.to_seconds() == 60
    assert stack.resolve(metric.dimensions) == {"Cluster Name": "test-cluster", "Consumer Group": "loan-approvals",
                                                "Topic": "loan-applications"}
    assert cluster.metric_estimated_max_time_lag("g", "t").metric_name == "EstimatedMaxTimeLag"
    assert cluster.metric_max_offset_lag("g", "t", period=Duration.minutes(5)).period.to_seconds() == 300


def test_lag_over_several_topics_is_summed_without_turning_gaps_into_zeros():
    _, cluster = make_cluster()
    metric = cluster.metric_sum_offset_lag_across("risk", ["loan-applications", "repayments"])
    assert metric.expression == "SUM([lag0, lag1])"
    assert "FILL" not in metric.expression


# ---- imports -----------------------------------------------------------------------------------------------------

ARN = "arn:aws:kafka:eu-west-2:333333333333:cluster/bank-streaming-prod/5a1b2c3d-aaaa-bbbb-cccc-1234567890ab-3"


def test_an_imported_cluster_grants_with_literal_arns():
    stack = new_stack()
    cluster = KafkaCluster.from_cluster_attributes(stack, "Shared", cluster_arn=ARN, bootstrap_brokers="b-1:9098",
                                                   security_group_id="sg-0123456789abcdef0")
    role = iam.Role(stack, "Consumer", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    cluster.grant_consume(role, "repayments", "collections")
    statements = only(_synth(stack), "AWS::IAM::Policy")["Properties"]["PolicyDocument"]["Statement"]
    assert statements[1]["Resource"] == ("arn:aws:kafka:eu-west-2:333333333333:topic/bank-streaming-prod/"
                                         "5a1b2c3d-aaaa-bbbb-cccc-1234567890ab-3/repayments")
    assert statements[2]["Resource"] == ("arn:aws:kafka:eu-west-2:333333333333:group/bank-streaming-prod/"
                                         "5a1b2c3d-aaaa-bbbb-cccc-1234567890ab-3/collections")
    assert cluster.cluster_name == "bank-streaming-prod"


def test_an_imported_cluster_creates_nothing_it_does_not_own():
    from aws_cdk import CfnResource

    stack = new_stack()
    KafkaCluster.from_cluster_attributes(stack, "Shared", cluster_arn=ARN, bootstrap_brokers="b-1:9098",
                                         security_group_id="sg-0123456789abcdef0")
    assert [c for c in stack.node.find_all() if isinstance(c, CfnResource)] == []


@pytest.mark.parametrize("attributes,expected", [
    ({"cluster_arn": "arn:aws:kafka:eu-west-2:1:topic/x"},
     "Test/Shared: cluster_arn: 'arn:aws:kafka:eu-west-2:1:topic/x' is not an MSK cluster ARN; expected "
     "arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID"),
    ({"cluster_arn": ARN, "cluster_name": "bank-streaming-staging"},
     "Test/Shared: cluster_name: 'bank-streaming-staging' differs from the name in cluster_arn "
     "('bank-streaming-prod'); leave it out or correct it"),
])
def test_bad_import_attributes_are_refused(attributes, expected):
    with pytest.raises(ConfigurationError) as raised:
        KafkaCluster.from_cluster_attributes(new_stack(), "Shared", bootstrap_brokers="b-1:9098",
                                             security_group_id="sg-0123456789abcdef0", **attributes)
    assert str(raised.value) == expected


def test_a_token_arn_needs_the_cluster_name():
    from aws_cdk import Fn

    with pytest.raises(ConfigurationError) as raised:
        KafkaCluster.from_cluster_attributes(new_stack(), "Shared", cluster_arn=Fn.import_value("ClusterArn"),
                                             bootstrap_brokers="b-1:9098", security_group_id="sg-0123456789abcdef0")
    assert str(raised.value) == ("Test/Shared: cluster_name: is missing; a cluster_arn that is a token cannot be read "
                                 "at synth, so give the cluster's name too")
