"""A consuming team's mistakes that used to pass silently, or escape as jsii tracebacks (issue "The construct library
as other teams meet it"): each is now a ConfigurationError naming the construct path, the prop and the fix."""

import pytest
from aws_cdk import Duration
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_secretsmanager as secretsmanager

from kafka_platform.constructs.alarm_topic import AlarmTopic
from kafka_platform.constructs.consumer_service import ConsumedTopic, ConsumerSecret, KafkaConsumerService
from kafka_platform.constructs.kafka_cluster import KafkaCluster
from kafka_platform.constructs.kafka_topic import KafkaTopic
from kafka_platform.errors import ConfigurationError
from tests.support import new_stack, new_vpc

IMAGE = "333333333333.dkr.ecr.eu-west-2.amazonaws.com/collections/outcomes:1.0.0"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-2:111111111111:secret:collections/db-AbCdEf"


@pytest.fixture
def team():
    stack = new_stack()
    vpc = new_vpc(stack)
    cluster = KafkaCluster.from_cluster_attributes(
        stack, "Shared", cluster_arn="arn:aws:kafka:eu-west-2:111111111111:cluster/bank-streaming-dev/abc-1",
        bootstrap_brokers="b-1:9098", security_group_id="sg-0123456789abcdef0", broker_count=3)
    alarms = AlarmTopic(stack, "Alarms", display_name="team").alarm_action
    return stack, vpc, cluster, alarms


def service(team, construct_id="Outcomes", **overrides):
    stack, vpc, cluster, alarms = team
    props = dict(cluster=cluster, topics=[ConsumedTopic("collections-cases", partitions=12)],
                 consumer_group="collections-outcomes", image=ecs.ContainerImage.from_registry(IMAGE),
                 max_delay=Duration.minutes(5), alarm_action=alarms, vpc=vpc, task_throughput_messages_per_second=100)
    props.update(overrides)
    return KafkaConsumerService(stack, construct_id, **props)


def refused(team, **overrides) -> str:
    with pytest.raises(ConfigurationError) as raised:
        service(team, **overrides)
    return str(raised.value)


# ---- silent wrong results ---------------------------------------------------------------------------------------
def test_a_string_of_output_topics_is_refused_not_granted_per_character(team):
    message = refused(team, output_topics="collections-outcomes")
    assert message == ('Test/Outcomes: output_topics: "collections-outcomes" is a string, not a list: each character '
                       'would count as one; pass ["collections-outcomes"]')


def test_a_topic_of_another_cluster_is_refused(team):
    stack, vpc, _, _ = team
    prod = KafkaCluster.from_cluster_attributes(
        stack, "Prod", cluster_arn="arn:aws:kafka:eu-west-2:333333333333:cluster/bank-streaming-prod/def-2",
        bootstrap_brokers="b-1:9098", security_group_id="sg-0fedcba9876543210", broker_count=3)
    prod_topic = KafkaTopic(stack, "ProdCases", cluster=prod, topic_name="collections-cases", partitions=12)
    message = refused(team, topics=[prod_topic])
    assert 'is a topic of cluster "bank-streaming-prod", not of this service\'s cluster "bank-streaming-dev"' in message


@pytest.mark.parametrize("secret", [
    lambda s: secretsmanager.Secret.from_secret_name_v2(s, "ByName", "collections/db"),
    lambda s: secretsmanager.Secret.from_secret_partial_arn(
        s, "Partial", "arn:aws:secretsmanager:eu-west-2:111111111111:secret:collections/db")])
def test_a_secret_without_its_complete_arn_is_refused(team, secret):
    message = refused(team, secrets={"DB_PASSWORD": ConsumerSecret(secret(team[0]), "password")})
    assert "Test/Outcomes: secrets.DB_PASSWORD: names its secret without the complete ARN" in message


def test_a_secret_by_its_complete_arn_is_accepted(team):
    secret = secretsmanager.Secret.from_secret_complete_arn(team[0], "Complete", SECRET_ARN)
    service(team, secrets={"DB_PASSWORD": ConsumerSecret(secret, "password")})


def test_a_password_inside_a_value_is_refused(team):
    message = refused(team, environment={"KAFKA_SASL_JAAS": "org.example.Login required username=app password=x1;"})
    assert "environment.KAFKA_SASL_JAAS: the value of KAFKA_SASL_JAAS looks like a password in a value" in message


@pytest.mark.parametrize("variable", ["KAFKA_TOPICS", "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_OUTPUT_TOPICS"])
def test_the_platforms_own_variables_are_reserved(team, variable):
    message = refused(team, environment={variable: "anything"})
    assert f"Test/Outcomes: environment.{variable}: is set by the platform (the container contract)" in message


def test_one_consumer_group_in_two_services_is_refused(team):
    service(team)
    message = refused(team, construct_id="OutcomesAgain")
    assert message.startswith('Test/OutcomesAgain: consumer_group: "collections-outcomes" is already the group of '
                              "Test/Outcomes")


def test_a_size_fargate_does_not_offer_is_refused(team):
    message = refused(team, cpu=256, memory_limit_mib=8192)
    assert "Test/Outcomes: memory_limit_mib: 8192 does not fit cpu 256" in message


@pytest.mark.parametrize("image", ["333333333333.dkr.ecr.eu-west-2.amazonaws.com/collections/outcomes:latest",
                                   "333333333333.dkr.ecr.eu-west-2.amazonaws.com/collections/outcomes"])
def test_an_unpinned_image_is_refused(team, image):
    message = refused(team, image=ecs.ContainerImage.from_registry(image))
    assert message == f'Test/Outcomes: image: "{image}" is not pinned: latest changes under a running service; use a ' \
                      "version tag or a digest (registry/repository:1.4.2 or @sha256:...)"


# ---- errors that escaped as tracebacks ----------------------------------------------------------------------------
def test_a_duration_of_milliseconds_is_a_clear_error(team):
    message = refused(team, max_delay=Duration.millis(300))
    assert message == "Test/Outcomes: max_delay: 300 millis is not a whole number of seconds; use Duration.seconds(1)"


def test_an_int_where_a_duration_is_expected_is_a_clear_error(team):
    message = refused(team, max_delay=300)
    assert message == ("Test/Outcomes: max_delay: 300 is not a Duration; pass aws_cdk.Duration.seconds(300) or "
                       "Duration.minutes(...)")


def test_a_single_topic_instead_of_a_list_is_a_clear_error(team):
    message = refused(team, topics=ConsumedTopic("collections-cases", partitions=12))
    assert message == ('Test/Outcomes: topics: a ConsumedTopic is not a list; pass a list of KafkaTopic or '
                       'ConsumedTopic, e.g. [ConsumedTopic("repayments", partitions=24)]')


def test_a_string_of_tables_is_one_clear_error_not_one_per_character(team):
    from kafka_platform.domain.debezium import PostgresConnectorSpec, connector_problems

    spec = PostgresConnectorSpec(name="cases-cdc", database_host="cases-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com",
                                 database_name="cases", tables="public.cases", topic_prefix="cdc.cases",
                                 slot_name="debezium_cases", publication_name="dbz_cases",
                                 credentials_env_prefix="DBZ_CASES_CDC")
    assert connector_problems(spec) == [("tables", '"public.cases" is a string, not a list: each character would '
                                                   'count as a table; pass ["public.cases"]')]


@pytest.mark.parametrize("props,expected", [
    ({"reconcile_timeout": 600}, "reconcile_timeout: 600 is not a Duration"),
    ({"scheduled_rebalance_max_delay": Duration.millis(1500)}, "scheduled_rebalance_max_delay: 1 second 500 millis is not a whole number of seconds; use Duration.seconds(2)"),
    ({"database_ports": 5432}, "database_ports: 5432 is not a list; pass a list of TCP ports, e.g. [5432]"),
    ({"slot_lag_alarm": 10 * 2**30}, "slot_lag_alarm: 10737418240 is not a Size; pass aws_cdk.Size.gibibytes(10)"),
    ({"slot_lag_alarm": Duration.hours(1)}, "slot_lag_alarm: a Duration is not a Size; pass aws_cdk.Size.gibibytes(10)"),
])
def test_the_connect_clusters_props_are_checked_before_use(team, props, expected):
    from kafka_platform.constructs.connect_cluster import DebeziumConnectCluster

    stack, vpc, cluster, alarms = team
    with pytest.raises(ConfigurationError) as raised:
        DebeziumConnectCluster(stack, "Connect", cluster=cluster, vpc=vpc, name="collections-cdc",
                               alarm_action=alarms, **props)
    assert f"Test/Connect: {expected}" in str(raised.value)


# ---- conventions of aws-cdk-lib -----------------------------------------------------------------------------------
def test_the_service_is_connectable_and_grantable_like_aws_cdk_libs_services(team):
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk.assertions import Template

    stack, _, cluster, _ = team
    consumer = service(team)
    topic = KafkaTopic(stack, "Cases", cluster=cluster, topic_name="collections-cases", partitions=12)
    topic.grant_consume(consumer, "collections-outcomes")
    secretsmanager.Secret.from_secret_complete_arn(stack, "Db", SECRET_ARN).grant_read(consumer)
    cluster.connections.allow_default_port_from(consumer)
    peer = ec2.SecurityGroup(stack, "Peer", vpc=team[1])
    consumer.connections.allow_from(peer, ec2.Port.tcp(8080))
    text = str(Template.from_stack(stack).to_json())
    assert "kafka-cluster:ReadData" in text and SECRET_ARN.split(":secret:")[0] in text


def test_a_health_metric_that_does_not_exist_is_refused(team):
    from kafka_platform.constructs.connect_cluster import DebeziumConnectCluster

    stack, vpc, cluster, alarms = team
    connect = DebeziumConnectCluster(stack, "Connect", cluster=cluster, vpc=vpc, name="collections-cdc",
                                     alarm_action=alarms)
    assert connect.metric_health("FailedTasks").metric_name == "FailedTasks"
    with pytest.raises(ConfigurationError, match="'Failedtasks' is not a metric the health monitor publishes"):
        connect.metric_health("Failedtasks")
    assert connect.connections.security_groups == [connect.security_group]


def test_the_health_metrics_offered_are_exactly_those_the_monitor_publishes():
    from kafka_platform.constructs.connect_cluster import HEALTH_METRICS
    from tests.runtime_code.lambda_modules import load

    report = load("connect_health").Report(connectors=0, drifted=[])  # drift checked: every metric published
    # ... and RefusedRequests, which the reconciler publishes when it refuses a request.
    assert sorted([*report.metrics(), "RefusedRequests"]) == sorted(HEALTH_METRICS)
    assert load("connector_reconciler").NAMESPACE == "KafkaPlatform/Connect"


# ---- metric options, as aws-cdk-lib's metric methods take them ------------------------------------------------------
def test_metric_methods_take_aws_cdk_libs_metric_options_over_the_platforms_defaults(team):
    from aws_cdk import aws_cloudwatch as cloudwatch

    _, _, cluster, _ = team
    metric = cluster.metric_sum_offset_lag("collections-outcomes", "collections-cases", color="#d62728",
                                           period=Duration.minutes(5), label="backlog")
    assert (metric.color, metric.label, metric.period.to_minutes(), metric.statistic) == (
        "#d62728", "backlog", 5, "Maximum")  # the platform's statistic stays unless overridden
    assert cluster.metric_max_offset_lag("g", "t", statistic="Average").statistic == "Average"
    consumer = service(team)
    backlog = consumer.metric_backlog_per_task(color="#1f77b4")
    assert isinstance(backlog, cloudwatch.MathExpression) and backlog.color == "#1f77b4"
    assert consumer.metric_running_tasks(period=Duration.minutes(5)).period.to_minutes() == 5
    assert consumer.metric_sum_offset_lag(label="lag").label == "lag"


@pytest.mark.parametrize("call", [
    lambda cluster, consumer: cluster.metric_sum_offset_lag("g", "t", colour="red"),
    lambda cluster, consumer: consumer.metric_backlog_per_task(statistic="Average"),  # not a math expression option
    lambda cluster, consumer: consumer.metric_sum_offset_lag(unit=None),
])
def test_an_option_a_metric_method_does_not_take_is_refused_by_name(team, call):
    with pytest.raises(ConfigurationError, match=r"is not an option of metric_\w+; it takes .*color"):
        call(team[2], service(team))


# ---- imports return interfaces, and the constructs take them --------------------------------------------------------
def test_an_imported_topic_is_consumed_and_granted_exactly_like_an_owned_one(team):
    from aws_cdk.assertions import Template

    stack, _, cluster, _ = team
    cases = KafkaTopic.from_topic_attributes(stack, "Cases", cluster=cluster, topic_name="collections-cases",
                                             partitions=12)
    consumer = service(team, topics=[cases])
    assert consumer.partitions == 12 and cases.topic_arn.endswith(":topic/bank-streaming-dev/abc-1/collections-cases")
    policies = [r for r in Template.from_stack(stack).to_json()["Resources"].values()
                if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert cases.topic_arn in str(policies)
    assert not [r for r in Template.from_stack(stack).to_json()["Resources"].values() if r["Type"] == "AWS::MSK::Topic"]


def test_an_imported_topic_is_checked_like_every_prop(team):
    stack, _, cluster, _ = team
    with pytest.raises(ConfigurationError, match="Test/Cases: partitions: '12' is not a partition count"):
        KafkaTopic.from_topic_attributes(stack, "Cases", cluster=cluster, topic_name="cases", partitions="12")


def test_an_imported_connect_cluster_offers_its_connections_and_health_metrics(team):
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk.assertions import Template

    from kafka_platform.constructs.connect_cluster import DebeziumConnectCluster

    stack, vpc, _, _ = team
    connect = DebeziumConnectCluster.from_connect_cluster_attributes(
        stack, "SharedConnect", name="bank-cdc", security_group_id="sg-0aaaaaaaaaaaaaaaa")
    database = ec2.SecurityGroup(stack, "Database", vpc=vpc)
    connect.connections.allow_to(database, ec2.Port.tcp(5432), "CDC reads the database")
    ingress = [r["Properties"] for r in Template.from_stack(stack).to_json()["Resources"].values()
               if r["Type"] == "AWS::EC2::SecurityGroupIngress"]
    assert [(i["SourceSecurityGroupId"], i["FromPort"]) for i in ingress] == [("sg-0aaaaaaaaaaaaaaaa", 5432)]
    metric = connect.metric_health("FailedTasks", period=Duration.minutes(5))
    assert (metric.dimensions, metric.period.to_minutes()) == ({"ConnectCluster": "bank-cdc"}, 5)
    with pytest.raises(ConfigurationError, match="'Failedtasks' is not a metric the health monitor publishes"):
        connect.metric_health("Failedtasks")
