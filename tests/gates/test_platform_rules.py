"""Each rule of the KafkaPlatform pack: one compliant and one non-compliant resource, at least."""

import pytest

from kafka_platform.gates.rules import Compliance, DeclaredTopology, Resource
from kafka_platform.gates.rules import (consumer_tasks_within_partitions, iam_policies_managed,
                                        kms_key_policy_least_privilege, lag_alarm_declared,
                                        msk_configuration_durable, msk_customer_managed_key,
                                        msk_iam_authentication_only, msk_public_access_disabled,
                                        no_secret_in_environment)

SECURE_CLUSTER = {
    "EncryptionInfo": {"EncryptionAtRest": {"DataVolumeKMSKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}},
    "ClientAuthentication": {"Sasl": {"Iam": {"Enabled": True}}, "Unauthenticated": {"Enabled": False}},
    "BrokerNodeGroupInfo": {"ConnectivityInfo": {"PublicAccess": {"Type": "DISABLED"}}},
}
TOPOLOGY = DeclaredTopology(topic_partitions={"repayments": 48, "loan-applications": 24},
                            consumer_groups={"repayment-processors": ("repayments",)})


def cluster(**changes):
    properties = {**SECURE_CLUSTER, **changes}
    return Resource("AWS::MSK::Cluster", properties)


def test_customer_managed_key():
    assert msk_customer_managed_key.check(cluster()) is Compliance.COMPLIANT
    assert msk_customer_managed_key.check(cluster(EncryptionInfo={})) == ["DataVolumeKMSKeyId"]
    aws_managed = {"EncryptionAtRest": {"DataVolumeKMSKeyId": "arn:aws:kms:eu-west-2:1:alias/aws/kafka"}}
    assert msk_customer_managed_key.check(cluster(EncryptionInfo=aws_managed)) == ["DataVolumeKMSKeyId"]


def test_iam_authentication_only():
    assert msk_iam_authentication_only.check(cluster()) == []
    assert msk_iam_authentication_only.check(cluster(ClientAuthentication={
        "Sasl": {"Scram": {"Enabled": True}}, "Unauthenticated": {"Enabled": True}})) == [
        "IamAuthentication", "UnauthenticatedAccess"]
    assert msk_iam_authentication_only.check(Resource("AWS::MSK::Cluster", {})) == [
        "IamAuthentication", "UnauthenticatedAccess"]


def test_public_access_disabled():
    assert msk_public_access_disabled.check(cluster()) is Compliance.COMPLIANT
    assert msk_public_access_disabled.check(cluster(BrokerNodeGroupInfo={"ConnectivityInfo": {
        "PublicAccess": {"Type": "SERVICE_PROVIDED_EIPS"}}})) == ["PublicAccess"]


def configuration(text):
    return Resource("AWS::MSK::Configuration", {"ServerProperties": text})


def test_configuration_durable():
    good = "min.insync.replicas=2\ndefault.replication.factor=3\nunclean.leader.election.enable=false\n"
    assert msk_configuration_durable.check(configuration(good)) is Compliance.COMPLIANT
    assert msk_configuration_durable.check(configuration(good.replace("default.replication.factor=3",
                                                                      "default.replication.factor=2"))) == [
        "default.replication.factor"]
    assert msk_configuration_durable.check(configuration("min.insync.replicas=1\n")) == [
        "min.insync.replicas", "default.replication.factor", "unclean.leader.election.enable"]
    # MSK defaults unclean leader election to true: leaving it out is not enough.
    assert msk_configuration_durable.check(configuration(good.replace("unclean.leader.election.enable=false\n", ""))) \
        == ["unclean.leader.election.enable"]


@pytest.mark.parametrize("planted", ["offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=2",
                                     "transaction.state.log.min.isr=1", "log.retention.hours=1",
                                     "log.retention.ms=1", "log.retention.bytes=1", "offsets.retention.minutes=60"])
def test_configuration_durable_covers_every_durability_floor(planted):
    good = "min.insync.replicas=2\ndefault.replication.factor=3\nunclean.leader.election.enable=false\n"
    assert msk_configuration_durable.check(configuration(good + "log.retention.hours=-1\n")) is Compliance.COMPLIANT
    assert msk_configuration_durable.check(configuration(good + planted + "\n")) == [planted.split("=")[0]]


def test_no_secret_in_task_environment():
    task = {"ContainerDefinitions": [{"Environment": [{"Name": "KAFKA_TOPICS", "Value": "repayments"},
                                                      {"Name": "BOOTSTRAP", "Value": {"Fn::GetAtt": ["B", "S"]}}]}]}
    assert no_secret_in_environment.check(Resource("AWS::ECS::TaskDefinition", task)) == []
    task["ContainerDefinitions"][0]["Environment"] += [{"Name": "DB_PASSWORD", "Value": "hunter2"},
                                                        {"Name": "DSN", "Value": "postgres://app:pw@db:5432/x"}]
    assert no_secret_in_environment.check(Resource("AWS::ECS::TaskDefinition", task)) == [
        "Variable::DB_PASSWORD", "Variable::DSN"]


def test_no_secret_in_connector_configuration():
    good = {"Config": {"database.user": "debezium", "database.password": "${env:ACCOUNTS_DB_PASSWORD}"}}
    assert no_secret_in_environment.check(Resource("Custom::KafkaConnector", good)) == []
    bad = {"Config": {"database.password": "hunter2"}}
    assert no_secret_in_environment.check(Resource("Custom::KafkaConnector", bad)) == ["Variable::database.password"]


def test_no_secret_in_function_environment():
    good = {"Environment": {"Variables": {"CONNECT_URL": "http://connect:8083"}}}
    assert no_secret_in_environment.check(Resource("AWS::Lambda::Function", good)) == []
    bad = {"Environment": {"Variables": {"ApiToken": "abc"}}}
    assert no_secret_in_environment.check(Resource("AWS::Lambda::Function", bad)) == ["Variable::ApiToken"]


def lag_alarm(group, topic, metric="SumOffsetLag"):
    return Resource("AWS::CloudWatch::Alarm", {"Namespace": "AWS/Kafka", "MetricName": metric, "Dimensions": [
        {"Name": "Cluster Name", "Value": "c"}, {"Name": "Consumer Group", "Value": group},
        {"Name": "Topic", "Value": topic}]})


def test_lag_alarm_names_a_declared_group_and_topic():
    assert lag_alarm_declared.check(lag_alarm("repayment-processors", "repayments"), TOPOLOGY) == []
    assert lag_alarm_declared.check(lag_alarm("repayment-processor", "repayments"), TOPOLOGY) == [
        "ConsumerGroup::repayment-processor"]
    assert lag_alarm_declared.check(lag_alarm("repayment-processors", "loan-applications"), TOPOLOGY) == [
        "Topic::loan-applications"]


def test_lag_alarm_through_metric_math_is_checked_too():
    alarm = Resource("AWS::CloudWatch::Alarm", {"Metrics": [
        {"Id": "lag0", "MetricStat": {"Metric": {"Namespace": "AWS/Kafka", "MetricName": "SumOffsetLag", "Dimensions": [
            {"Name": "Consumer Group", "Value": "ghost"}, {"Name": "Topic", "Value": "repayments"}]}}},
        {"Id": "total", "Expression": "SUM([lag0])"}]})
    assert lag_alarm_declared.check(alarm, TOPOLOGY) == ["ConsumerGroup::ghost"]


def test_other_alarms_are_not_lag_alarms():
    cpu = Resource("AWS::CloudWatch::Alarm", {"Namespace": "AWS/Kafka", "MetricName": "CpuUser"})
    assert lag_alarm_declared.check(cpu, TOPOLOGY) is Compliance.NOT_APPLICABLE


def scalable_target(maximum, topics):
    return Resource("AWS::ApplicationAutoScaling::ScalableTarget", {"MaxCapacity": maximum},
                    {"KafkaPlatform": {"ConsumerGroup": "g", "Topics": topics}})


def test_consumer_tasks_within_partitions():
    assert consumer_tasks_within_partitions.check(scalable_target(48, ["repayments"]), TOPOLOGY) is \
        Compliance.COMPLIANT
    assert consumer_tasks_within_partitions.check(scalable_target(72, ["repayments", "loan-applications"]),
                                                  TOPOLOGY) is Compliance.COMPLIANT
    assert consumer_tasks_within_partitions.check(scalable_target(49, ["repayments"]), TOPOLOGY) == ["MaxCapacity"]
    assert consumer_tasks_within_partitions.check(scalable_target(1, ["ghost"]), TOPOLOGY) == ["Topic::ghost"]
    assert consumer_tasks_within_partitions.check(scalable_target(96, ["repayments", "repayments"]), TOPOLOGY) == [
        "TopicListedTwice::repayments"]
    storage = Resource("AWS::ApplicationAutoScaling::ScalableTarget", {"MaxCapacity": 8000})
    assert consumer_tasks_within_partitions.check(storage, TOPOLOGY) is Compliance.NOT_APPLICABLE


def test_iam_policies_managed():
    role = {"AssumeRolePolicyDocument": {}, "ManagedPolicyArns": [{"Ref": "MyManagedPolicy"}]}
    assert iam_policies_managed.check(Resource("AWS::IAM::Role", role)) is Compliance.COMPLIANT
    bad = {"Policies": [{"PolicyName": "Inline"}], "ManagedPolicyArns": [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"}]}
    assert iam_policies_managed.check(Resource("AWS::IAM::Role", bad)) == [
        "InlinePolicy", "AwsManagedPolicy::AdministratorAccess"]
    assert iam_policies_managed.check(Resource("AWS::IAM::Policy", {})) == ["InlinePolicy"]


@pytest.mark.parametrize("name,value,secret", [
    ("DB_PASSWORD", "x", True), ("database.password", "${env:DB_PASSWORD}", False), ("apiKey", "x", True),
    ("KAFKA_TOPICS", "repayments", False), ("AWS_KEY", "AKIAABCDEFGHIJKLMNOP", True),
    ("CERT", "-----BEGIN RSA PRIVATE KEY-----", True), ("TOKEN_BUCKET_SIZE", "10", True),
    ("CONSUMER_GROUP", "loan-approvals", False),
    # Where a secret is, not the secret: an ARN (or CloudFormation's reference to one) under a name ending in ARN.
    ("CONNECT_REST_SECRET_ARN", {"Ref": "RestCredentials"}, False),
    ("DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-2:111122223333:secret:db-AbCdEf", False),
    ("DB_SECRET_ARN", "hunter2", True), ("DB_PASSWORD_ARN_VALUE", "x", True),
])
def test_what_counts_as_a_secret(name, value, secret):
    from kafka_platform.domain.secrets import secret_problem

    assert (secret_problem(name, value) is not None) is secret


def test_no_secret_in_environment_by_the_shape_of_the_value():
    """A JAAS password under a harmless name (the gate uses the configuration's rule: name or value)."""
    task = {"ContainerDefinitions": [{"Environment": [
        {"Name": "KAFKA_SASL_JAAS", "Value": 'PlainLoginModule required username="u" password="hunter2";'},
        {"Name": "DB_SSLPASSWORD_FILE_MODE", "Value": "x"}, {"Name": "KEY_CONVERTER", "Value": "json"}]}]}
    assert no_secret_in_environment.check(Resource("AWS::ECS::TaskDefinition", task)) == [
        "Variable::DB_SSLPASSWORD_FILE_MODE", "Variable::KAFKA_SASL_JAAS"]


# ---- found by `make mutate` ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value,intrinsic", [
    ({"Ref": "Cluster"}, True), ({"Fn::GetAtt": ["Cluster", "Arn"]}, True), ({"Fn::Sub": "arn:${AWS::Partition}"}, True),
    ({"Ref": "A", "Fn::Sub": "b"}, False), ({"Other": 1}, False), ({}, False), (["Ref"], False), ("Ref", False),
])
def test_what_is_a_deploy_time_value(value, intrinsic):
    from kafka_platform.gates.rules import is_intrinsic

    assert is_intrinsic(value) is intrinsic


def test_server_properties_are_read_as_kafka_reads_them():
    from kafka_platform.gates.rules.msk_configuration_durable import parse_server_properties

    text = "# a comment=with an equals sign\n\n  min.insync.replicas = 2 \nlistener=a=b=c\nnot a property\n"
    assert parse_server_properties(text) == {"min.insync.replicas": "2", "listener": "a=b=c"}


@pytest.mark.parametrize("properties", [None, {"Fn::Join": ["", ["min.insync.replicas=2"]]}])
def test_a_configuration_that_is_not_a_literal_is_a_finding(properties):
    from kafka_platform.gates.rules import msk_configuration_durable

    resource = Resource("AWS::MSK::Configuration", {} if properties is None else {"ServerProperties": properties})
    assert msk_configuration_durable.check(resource) == ["ServerProperties"]


def test_min_insync_replicas_must_be_written():
    from kafka_platform.gates.rules import msk_configuration_durable

    text = "default.replication.factor=3\nunclean.leader.election.enable=false\n"
    assert msk_configuration_durable.check(Resource("AWS::MSK::Configuration", {"ServerProperties": text})) == [
        "min.insync.replicas"]


@pytest.mark.parametrize("arn,name", [
    ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "AWSLambdaBasicExecutionRole"),
    ({"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
     "AWSLambdaBasicExecutionRole"),
    ({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/ReadOnlyAccess"]]},
     "ReadOnlyAccess']]}"),  # the text of a join: its last segment, as the finding names it
    ("ReadOnlyAccess", "ReadOnlyAccess"),
])
def test_a_managed_policy_is_named_by_the_last_segment_of_its_arn(arn, name):
    from kafka_platform.gates.rules.iam_policies_managed import _policy_name

    assert _policy_name(arn) == name


# ---- found by make mutate -----------------------------------------------------------------------------------------
def test_a_lag_alarm_on_a_computed_group_or_topic_is_a_finding():
    assert lag_alarm_declared.check(lag_alarm({"Ref": "Group"}, "repayments"), TOPOLOGY) == [
        "ConsumerGroup::not a literal"]
    assert lag_alarm_declared.check(lag_alarm("repayment-processors", {"Ref": "Topic"}), TOPOLOGY) == [
        "Topic::not a literal"]
    assert lag_alarm_declared.check(lag_alarm("repayment-processors", "repayments")) == [
        "ConsumerGroup::repayment-processors"]  # nothing declared: every group is unknown


def test_partitions_are_unknown_without_a_declared_topology():
    assert consumer_tasks_within_partitions.check(scalable_target(1, ["repayments"])) == ["Topic::repayments"]


def test_a_key_that_is_neither_an_arn_nor_a_reference_is_a_finding():
    for key in (5, ["arn:aws:kms:eu-west-2:1:key/k"], {"Fn::GetAtt": ["Key", "Arn"], "Extra": 1}):
        found = msk_customer_managed_key.check(cluster(EncryptionInfo={"EncryptionAtRest": {"DataVolumeKMSKeyId": key}}))
        assert found == ["DataVolumeKMSKeyId"], key
    own = {"EncryptionAtRest": {"DataVolumeKMSKeyId": "arn:aws:kms:eu-west-2:1:key/1234"}}
    assert msk_customer_managed_key.check(cluster(EncryptionInfo=own)) is Compliance.COMPLIANT


def test_a_task_variable_without_a_name_is_still_judged_by_its_value():
    task = {"ContainerDefinitions": [{"Environment": [{"Value": "postgres://app:pw@db:5432/x"}]}]}
    assert no_secret_in_environment.check(Resource("AWS::ECS::TaskDefinition", task)) == ["Variable::"]


# ---- KmsKeyPolicyLeastPrivilege ---------------------------------------------------------------------------------
def _key(*statements):
    return Resource(type="AWS::KMS::Key", properties={"KeyPolicy": {"Statement": list(statements)}})


ROOT = {"AWS": "arn:aws:iam::333333333333:root"}
ADMIN = {"AWS": "arn:aws:iam::333333333333:role/cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-2"}
VIA = {"StringEquals": {"kms:ViaService": ["kafka.eu-west-2.amazonaws.com"]}}


def test_a_key_policy_that_keeps_grants_and_policy_changes_narrow_is_compliant():
    assert kms_key_policy_least_privilege.check(_key(
        {"Effect": "Allow", "Principal": ADMIN, "Action": ["kms:Describe*", "kms:ScheduleKeyDeletion"],
         "Resource": "*"},
        {"Effect": "Allow", "Principal": ADMIN, "Action": "kms:PutKeyPolicy", "Resource": "*",
         "Condition": {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "false"}}},
        {"Effect": "Allow", "Principal": ROOT, "Action": "kms:CreateGrant", "Resource": "*",
         "Condition": {**VIA, "Bool": {"kms:GrantIsForAWSResource": "true"}}},
        {"Effect": "Allow", "Principal": {"Service": "logs.eu-west-2.amazonaws.com"}, "Action": "kms:*",
         "Resource": "*"})) is Compliance.COMPLIANT


@pytest.mark.parametrize("statement, finding", [
    ({"Sid": "Admin", "Effect": "Allow", "Principal": ROOT, "Action": ["kms:Create*", "kms:Put*"], "Resource": "*"},
     ["Admin:kms:CreateGrant:WithoutConditions", "Admin:kms:PutKeyPolicy:WithoutConditions"]),
    ({"Effect": "Allow", "Principal": ROOT, "Action": "kms:*", "Resource": "*"},
     ["statement 0:kms:CreateGrant:WithoutConditions", "statement 0:kms:PutKeyPolicy:WithoutConditions"]),
    # aws-cdk-lib's own statement for a Secret on a key of its stack: through a service, but for any grant.
    ({"Effect": "Allow", "Principal": ROOT, "Action": ["kms:CreateGrant", "kms:Decrypt"], "Resource": "*",
      "Condition": VIA}, ["statement 0:kms:CreateGrant:NotOnlyForAwsResourcesThroughServices"]),
    ({"Effect": "Allow", "Principal": ROOT, "Action": "kms:CreateGrant", "Resource": "*",
      "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}},
     ["statement 0:kms:CreateGrant:NotOnlyForAwsResourcesThroughServices"]),
    ({"Effect": "Allow", "Principal": ADMIN, "Action": "kms:PutKeyPolicy", "Resource": "*",
      "Condition": {"StringEquals": {"aws:PrincipalAccount": "333333333333"}}},
     ["statement 0:kms:PutKeyPolicy:LockoutSafetyNotKept"]),
    ({"Effect": "Allow", "Principal": ADMIN, "Action": "kms:PutKeyPolicy", "Resource": "*",
      "Condition": {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "true"}}},
     ["statement 0:kms:PutKeyPolicy:LockoutSafetyNotKept"]),
])
def test_a_key_policy_that_lets_the_account_take_the_key_is_named(statement, finding):
    assert kms_key_policy_least_privilege.check(_key(statement)) == finding


def test_a_deny_is_no_finding_and_a_key_without_a_policy_is():
    deny = {"Effect": "Deny", "Principal": ROOT, "Action": "kms:*", "Resource": "*"}
    assert kms_key_policy_least_privilege.check(_key(deny)) is Compliance.COMPLIANT
    assert kms_key_policy_least_privilege.check(Resource(type="AWS::KMS::Key", properties={})) == ["KeyPolicy"]
