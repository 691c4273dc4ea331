"""The Debezium Kafka Connect cluster of every environment, its connectors and its guarantees."""

import json
from collections import defaultdict
import re
from types import SimpleNamespace

import pytest
from aws_cdk import Duration
from aws_cdk import aws_secretsmanager as secretsmanager

from kafka_platform.constructs.alarm_topic import AlarmTopic
from kafka_platform.constructs.connect_cluster import DEPLOYMENT_TRIGGER, DebeziumConnectCluster, _DeclaredDigest, \
    pinned_versions
from kafka_platform.constructs.connect_rest_access import CONTAINER_SECRETS
from kafka_platform.constructs.kafka_cluster import KafkaCluster
from kafka_platform.domain.debezium import PostgresConnectorSpec, env_prefix
from kafka_platform.errors import ConfigurationError
from tests.conftest import ENVIRONMENT_NAMES
from tests.support import new_stack, new_vpc, only, resources
from tests.runtime_code.lambda_modules import load
from tests.support import template as stack_template


def template(synthesized, environment):
    return synthesized.raw(environment, "Connect")


def worker_container(synthesized, environment):
    return only(template(synthesized, environment), "AWS::ECS::TaskDefinition")["Properties"][
        "ContainerDefinitions"][0]


def worker_properties(synthesized, environment):
    environment_variables = {e["Name"]: e["Value"] for e in worker_container(synthesized, environment)["Environment"]}
    text = environment_variables["CONNECT_WORKER_PROPERTIES"]
    return dict(line.split("=", 1) for line in text.splitlines() if line)


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_one_reconciled_custom_resource_per_declared_connector(synthesized, environments, environment):
    declared = [c.name for c in environments[environment].connect.connector_specs()]
    connectors = resources(template(synthesized, environment), "Custom::KafkaConnector")
    assert sorted(c["Properties"]["ConnectorName"] for c in connectors.values()) == sorted(declared)


def test_a_data_products_salt_is_generated_and_only_the_reconciler_and_monitor_read_it(synthesized):
    raw = template(synthesized, "prod")
    [(salt_id, salt)] = [(i, s) for i, s in resources(raw, "AWS::SecretsManager::Secret").items() if "HashSalt" in i]
    generator = salt["Properties"]["GenerateSecretString"]
    assert generator["ExcludePunctuation"] is True and generator["PasswordLength"] == 32 and "KmsKeyId" in \
        salt["Properties"]
    assert salt["DeletionPolicy"] == "Retain"  # a new salt changes every pseudonym data teams joined on
    readers = set()
    for policy in resources(raw, "AWS::IAM::ManagedPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if salt_id in json.dumps(statement["Resource"]):
                readers.update(role["Ref"] for role in policy["Properties"]["Roles"])
    assert {raw["Resources"][r]["Metadata"]["aws:cdk:path"].split("/Connect/Connect/")[1] for r in readers} == {
        "Reconciler/Role/Resource", "HealthMonitor/Role/Resource"}  # the monitor puts a drifted config back
    [product] = [r for r in resources(raw, "Custom::KafkaConnector").values() if "HashSaltSecretArn" in r["Properties"]]
    assert product["Properties"]["HashSaltSecretArn"] == {"Ref": salt_id}
    # The product reads its source's database with the source's secret, under its own variables.
    container = worker_container(synthesized, "prod")
    sources = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert sources["DBZ_PRODUCT_CUSTOMER_EVENTS_PASSWORD_FROM_SECRET"] == sources[
        "DBZ_CUSTOMERS_CDC_PASSWORD_FROM_SECRET"]


def test_many_connectors_in_prod_one_in_dev(environments):
    assert len(environments["prod"].connect.connectors) >= 15
    assert len(environments["dev"].connect.connectors) == 1


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_no_template_contains_a_database_password(synthesized, environment):
    """Every connector's password is a reference to its own worker variable, and every value the secrets scanner
    recognises (by name or by shape) anywhere in any template is such a reference or a Secrets Manager ARN."""
    from kafka_platform.domain.secrets import secret_problem

    connectors = 0
    for stack in synthesized.assembly.stacks(synthesized.stages[environment].stage_name):
        for resource in stack.resources("Custom::KafkaConnector").values():
            config = resource["Properties"]["Config"]
            prefix = "${env:DBZ_" + resource["Properties"]["ConnectorName"].upper().replace("-", "_") + "_"
            assert config["database.password"].startswith(prefix) and config["database.user"].startswith(prefix)
            assert [key for key, value in config.items() if secret_problem(key, value)] == []
            connectors += 1
    assert connectors == len(synthesized.stages[environment].config.connect.connector_specs())


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_credentials_are_read_when_a_connector_starts_from_the_secret_the_task_definition_names(
        synthesized, environments, environment):
    """Not ECS secrets (read once, at task start: a rotated password would need every worker rolled): the task
    definition names each credential's secret and field, and the workers' task role reads them (and decrypts them
    through Secrets Manager) when a connector starts; the execution role reads none of them."""
    raw = template(synthesized, environment)
    container = worker_container(synthesized, environment)
    secrets = {s["Name"] for s in container["Secrets"]}
    sources = {e["Name"]: e["Value"] for e in container["Environment"]}
    task_role, execution_role = (only(raw, "AWS::ECS::TaskDefinition")["Properties"][key]["Fn::GetAtt"][0]
                                 for key in ("TaskRoleArn", "ExecutionRoleArn"))
    readers = defaultdict(set)
    for policy in resources(raw, "AWS::IAM::ManagedPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "secretsmanager:GetSecretValue" in statement["Action"]:
                for role in policy["Properties"]["Roles"]:
                    for arn in (statement["Resource"] if isinstance(statement["Resource"], list)
                                else [statement["Resource"]]):
                        readers[json.dumps(arn)].add(role["Ref"])
    for connector in environments[environment].connect.connectors:
        prefix, arn = env_prefix(connector.name), connector.database.credentials_secret_arn
        assert sources[f"{prefix}_USER_FROM_SECRET"] == f"{arn}#username"
        assert sources[f"{prefix}_PASSWORD_FROM_SECRET"] == f"{arn}#password"
        assert not {f"{prefix}_USER", f"{prefix}_PASSWORD"} & (secrets | set(sources))  # no value anywhere
        assert task_role in readers[json.dumps(arn)] and execution_role not in readers[json.dumps(arn)]


def test_a_new_current_version_of_any_secret_here_reaches_the_health_monitor(synthesized):
    raw = template(synthesized, "prod")
    [rule] = [r for i, r in resources(raw, "AWS::Events::Rule").items() if "RestartOnNewCredentials" in i]
    pattern = rule["Properties"]["EventPattern"]
    assert (pattern["source"], pattern["detail-type"], pattern["detail"]) == (
        ["aws.secretsmanager"], ["Secret Label Updated"], {"labelUpdated": ["AWSCURRENT"]})
    assert "secretsmanager:eu-west-2:333333333333:secret:" in json.dumps(pattern["resources"])
    [target] = rule["Properties"]["Targets"]
    assert "HealthMonitor" in json.dumps(target["Arn"]) and "Input" not in target  # the event itself


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_connector_configs_reference_credentials_through_the_env_provider(synthesized, environment):
    for connector in resources(template(synthesized, environment), "Custom::KafkaConnector").values():
        config = connector["Properties"]["Config"]
        prefix = env_prefix(connector["Properties"]["ConnectorName"])
        assert config["database.user"] == f"${{env:{prefix}_USER}}"
        assert config["database.password"] == f"${{env:{prefix}_PASSWORD}}"
        assert (config["plugin.name"], config["publication.autocreate.mode"]) == ("pgoutput", "filtered")
        assert int(config["heartbeat.interval.ms"]) > 0
        assert config["topic.creation.default.replication.factor"] == "3"
        assert config["topic.creation.default.compression.type"] == "zstd"
        assert config["database.sslmode"] == "verify-full"
        assert config["database.sslrootcert"] == "/opt/connect/certs/rds-global-bundle.pem"


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_workers_are_configured_as_the_bank_requires(synthesized, environments, environment):
    properties = worker_properties(synthesized, environment)
    name = environments[environment].connect.name
    assert properties["group.id"] == name
    for kind in ("config", "offset", "status"):
        assert properties[f"{kind}.storage.replication.factor"] == "3"
    assert properties["config.storage.topic"] == f"_connect-{name}-configs"
    assert properties["exactly.once.source.support"] == "enabled"
    assert properties["config.providers.env.class"] == "bank.kafkaplatform.connect.CredentialsConfigProvider"
    for prefix in ("", "producer.", "consumer.", "admin."):
        assert properties[f"{prefix}sasl.mechanism"] == "AWS_MSK_IAM"
        assert properties[f"{prefix}security.protocol"] == "SASL_SSL"
    assert "rest.advertised.host.name" not in properties  # each worker adds its own task IP at start


def test_the_image_is_built_from_the_package_with_the_pinned_versions(synthesized):
    metadata = json.loads((synthesized.assembly.directory / "assembly-Prod" /
                           next(p.name for p in (synthesized.assembly.directory / "assembly-Prod").glob(
                               "ProdConnect*.assets.json"))).read_text())
    [image] = metadata["dockerImages"].values()
    versions = pinned_versions()
    assert image["source"]["dockerBuildArgs"] == {
        "KAFKA_VERSION": versions["kafka"], "DEBEZIUM_VERSION": versions["debezium"],
        "AWS_MSK_IAM_AUTH_VERSION": versions["aws_msk_iam_auth"], "LOG4J_VERSION": versions["log4j"],
        "JAVA_VERSION": versions["java"]}


def test_the_rest_api_admits_only_the_reconciler_the_monitor_and_the_workers(synthesized):
    connect = synthesized.stages["prod"].connect.connect
    rules = [r["Properties"] for r in resources(template(synthesized, "prod"), "AWS::EC2::SecurityGroupIngress").values()
             if r["Properties"].get("FromPort") == 8083]
    worker_group = synthesized.stages["prod"].connect.resolve(connect.security_group.security_group_id)
    sources = {json.dumps(r["SourceSecurityGroupId"]) for r in rules}
    expected = {json.dumps(synthesized.stages["prod"].connect.resolve(g.security_group_id))
                for g in (connect.reconciler.security_group, connect.health_monitor.security_group,
                          connect.rest_access.rotator.security_group, connect.security_group)}
    assert sources == expected
    assert all(r["GroupId"] == worker_group for r in rules)
    groups = resources(template(synthesized, "prod"), "AWS::EC2::SecurityGroup").values()
    for group in groups:
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            assert "CidrIp" not in rule, "nothing is open to an address range"


def test_the_task_role_names_exact_topics_groups_and_transactional_ids(synthesized, environments):
    """Across all the task role's policies: the internal topics, the group, the leader's transactional id, and per
    connector its topic prefix, its heartbeat topic and its transactional id. The only wildcards are the prefixes."""
    policies = [r for r in resources(template(synthesized, "prod"), "AWS::IAM::ManagedPolicy").values()
                if "/Connect/TaskRole/Policy" in r["Metadata"]["aws:cdk:path"]]
    assert len(policies) >= 2, "16 connectors no longer fit one policy: the grants are spread over several"
    statements = [s for policy in policies for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    tails = sorted(_tail(resource) for s in statements for resource in _as_list(s["Resource"]) if _tail(resource))
    name = environments["prod"].connect.name
    connectors = environments["prod"].connect.connector_specs()
    expected = [f"/_connect-{name}-{kind}" for kind in ("configs", "offsets", "status")] + [
        f"/{name}", f"/{name}-leader"]
    for connector in connectors:
        expected += [f"/{connector.topic_prefix}.*", f"/__debezium-heartbeat.{connector.topic_prefix}",
                     f"/{name}-{connector.name}-0"]
    assert tails == sorted(expected)
    assert [t for t in tails if "*" in t] == sorted(f"/{c.topic_prefix}.*" for c in connectors)


def test_a_connector_may_only_create_describe_and_write_under_its_prefix(synthesized):
    policies = [r for r in resources(template(synthesized, "prod"), "AWS::IAM::ManagedPolicy").values()
                if "/Connect/TaskRole/Policy" in r["Metadata"]["aws:cdk:path"]]
    for policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if any("*" in (_tail(r) or "") for r in _as_list(statement["Resource"])):
                assert sorted(statement["Action"]) == ["kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic",
                                                       "kafka-cluster:WriteData"]


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _tail(resource):
    if isinstance(resource, dict) and "Fn::Join" in resource:
        return resource["Fn::Join"][1][-1]
    return None


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_workers_scale_on_cpu_within_bounds(synthesized, environments, environment):
    connect = environments[environment].connect
    target = next(r["Properties"] for r in resources(template(synthesized, environment),
                                                     "AWS::ApplicationAutoScaling::ScalableTarget").values())
    assert (target["MinCapacity"], target["MaxCapacity"]) == (connect.min_workers, connect.max_workers)
    policy = only(template(synthesized, environment), "AWS::ApplicationAutoScaling::ScalingPolicy")["Properties"]
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] == connect.cpu_target_percent
    assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization"


def test_alarms_for_no_worker_cpu_and_failures_notify_the_alarm_topic(synthesized):
    alarms = {a["Properties"]["AlarmName"]: a["Properties"]
              for a in resources(template(synthesized, "prod"), "AWS::CloudWatch::Alarm").values()}
    prefix = "bank-streaming-prod-connect-bank-cdc-prod"
    assert {name for name in alarms if "-slot-lag-" not in name and not name.endswith(("-stream-lag", "-no-heartbeat"))
            } == {f"{prefix}-{k}" for k in ("no-worker", "cpu", "failed-connectors", "failed-tasks",
                                            "credentials-refused", "streams-unwatched", "drift", "prune-refused",
                                            "refused-requests", "rest-rotation-failed")}
    rotation = alarms[f"{prefix}-rest-rotation-failed"]
    assert (rotation["MetricName"], rotation["Namespace"], rotation["Threshold"], rotation["EvaluationPeriods"]) == \
        ("Errors", "AWS/Lambda", 1, 1)
    # Drift outside a deployment, a refused prune and a refused request page at the first minute.
    for kind, metric in (("drift", "DriftedConnectors"), ("prune-refused", "PruneRefused"),
                         ("refused-requests", "RefusedRequests")):
        alarm = alarms[f"{prefix}-{kind}"]
        assert (alarm["MetricName"], alarm["Threshold"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"],
                alarm["TreatMissingData"]) == (metric, 1, 1, 1, "notBreaching")
    assert alarms[f"{prefix}-streams-unwatched"]["MetricName"] == "StreamsUnwatched"
    assert alarms[f"{prefix}-no-worker"]["TreatMissingData"] == "breaching"
    refused = alarms[f"{prefix}-credentials-refused"]
    assert (refused["MetricName"], refused["Threshold"], refused["EvaluationPeriods"]) == ("CredentialsRefused", 1, 1)
    assert alarms[f"{prefix}-failed-tasks"]["Namespace"] == "KafkaPlatform/Connect"
    for alarm in alarms.values():
        assert alarm["AlarmActions"][0]["Fn::GetStackOutput"]["StackName"] == "Prod-Alerting"


def test_the_health_monitor_runs_every_minute_and_may_only_write_its_own_metrics(synthesized):
    [rule] = [r["Properties"] for r in resources(template(synthesized, "prod"), "AWS::Events::Rule").values()
              if "ScheduleExpression" in r["Properties"]]
    assert rule["ScheduleExpression"] == "rate(1 minute)"
    policies = [r["Properties"]["PolicyDocument"]["Statement"]
                for r in resources(template(synthesized, "prod"), "AWS::IAM::ManagedPolicy").values()
                if "HealthMonitor" in r["Metadata"]["aws:cdk:path"]]
    [statements] = policies
    put = next(s for s in statements if s["Action"] == "cloudwatch:PutMetricData")
    assert put["Condition"] == {"StringEquals": {"cloudwatch:namespace": "KafkaPlatform/Connect"}}


def test_undeclared_connectors_are_pruned_after_the_declared_ones(synthesized, environments):
    resources_ = template(synthesized, "prod")["Resources"]
    [(prune_id, prune)] = [(k, r) for k, r in resources_.items() if r["Type"] == "Custom::KafkaConnectorPrune"]
    declared = sorted(c.name for c in environments["prod"].connect.connector_specs())
    assert sorted(prune["Properties"]["DeclaredConnectors"]) == declared
    connector_ids = {k for k, r in resources_.items() if r["Type"] == "Custom::KafkaConnector"}
    assert connector_ids <= set(prune["DependsOn"])


def test_prune_runs_after_every_deployment_of_the_stack_whatever_changed(synthesized, environments):
    """CloudFormation's own status event for this stack's completed create or update sends the health monitor the
    deployment trigger (which prunes, tests/runtime_code); only where the configuration prunes."""
    prod = template(synthesized, "prod")
    monitor_id = next(k for k, r in resources(prod, "AWS::Lambda::Function").items()
                      if "HealthMonitor" in r["Metadata"]["aws:cdk:path"])
    [rule] = [r["Properties"] for r in resources(prod, "AWS::Events::Rule").values()
              if "aws.cloudformation" in r["Properties"].get("EventPattern", {}).get("source", [])]
    assert rule["EventPattern"] == {
        "source": ["aws.cloudformation"], "detail-type": ["CloudFormation Stack Status Change"],
        "detail": {"stack-id": [{"Ref": "AWS::StackId"}],
                   "status-details": {"status": ["CREATE_COMPLETE", "UPDATE_COMPLETE"]}}}
    [target] = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [monitor_id, "Arn"]}
    assert json.loads(target["Input"]) == {"trigger": DEPLOYMENT_TRIGGER}
    assert DEPLOYMENT_TRIGGER == load("connect_health").DEPLOYMENT_TRIGGER
    assert environments["prod"].connect.prune_undeclared_connectors
    stack, _ = connect_cluster()
    assert not any("EventPattern" in r["Properties"]
                   for r in stack_template(stack).find_resources("AWS::Events::Rule").values())


def test_prune_runs_whenever_any_connectors_declaration_changes(synthesized, environments):
    """CloudFormation calls a custom resource only when its properties change: the prune's DeclaredDigest changes with
    any connector's config or state, not only with the set of names."""
    def digest(*specs):
        return _DeclaredDigest(SimpleNamespace(connectors=[SimpleNamespace(spec=s) for s in specs])).produce()

    base = digest(spec())
    assert len(base) == 64 and digest(spec()) == base  # stable
    assert digest(spec(snapshot_mode="never")) != base and digest(spec(desired_state="paused")) != base
    assert digest(spec(slot_on_delete="drop")) != base and digest(spec(), spec(name="cards-cdc")) != base
    # and it is what the template carries (its snapshot shows the value as <asset-hash>)
    prune = only(template(synthesized, "prod"), "Custom::KafkaConnectorPrune")["Properties"]
    assert prune["DeclaredDigest"] == digest(*environments["prod"].connect.connector_specs())


def test_connectors_are_reconciled_after_the_workers_run(synthesized):
    resources_ = template(synthesized, "prod")["Resources"]
    service_id = next(k for k, r in resources_.items() if r["Type"] == "AWS::ECS::Service")
    for connector in (r for r in resources_.values() if r["Type"] == "Custom::KafkaConnector"):
        assert service_id in connector["DependsOn"]


# ---- props -------------------------------------------------------------------------------------------------------

def connect_cluster(**props):
    stack = new_stack()
    vpc = new_vpc(stack)
    cluster = KafkaCluster(stack, "Kafka", vpc=vpc, cluster_name="test-cluster", kafka_version="4.1.x.kraft")
    alarms = AlarmTopic(stack, "Alarms", display_name="t")
    return stack, DebeziumConnectCluster(stack, "Connect", cluster=cluster, vpc=vpc, name="test-cdc",
                                         alarm_action=alarms.alarm_action, ecs_cluster=None, **props)


def spec(**changes):
    values = dict(name="accounts-cdc", database_host="accounts-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com",
                  database_name="accounts",
                  tables=("public.accounts",), topic_prefix="cdc.accounts", slot_name="debezium_accounts",
                  publication_name="dbz_accounts", credentials_env_prefix=env_prefix("accounts-cdc"))
    values.update(changes)
    return PostgresConnectorSpec(**values)


def secret(stack, name="s"):
    return secretsmanager.Secret.from_secret_complete_arn(
        stack, name, "arn:aws:secretsmanager:eu-west-2:123456789012:secret:cdc/accounts-AbCdEf")


@pytest.mark.parametrize("changes,expected", [
    ({"slot_name": "Debezium-Accounts"},
     "slot_name: \"Debezium-Accounts\" is not a PostgreSQL replication slot name; use 1-63 lower-case letters, "
     "digits and underscores"),
    ({"publication_name": "1pub"},
     "publication_name: \"1pub\" is not a plain PostgreSQL identifier; use 1-63 lower-case letters, digits and "
     "underscores, not starting with a digit"),
    ({"plugin_name": "decoderbufs"},
     "plugin_name: \"decoderbufs\" needs a decoder installed in the database; use pgoutput, built into PostgreSQL 10 "
     "and later"),
    ({"heartbeat_interval": Duration.seconds(0)},
     "heartbeat_interval: 0 ms turns heartbeats off; without them a quiet database's slot pins WAL until the disk "
     "fills: use 10 seconds (10000 ms)"),
    ({"heartbeat_interval": 10_000},
     "heartbeat_interval: 10000 is not a Duration; pass aws_cdk.Duration.seconds(10)"),
    ({"extra_config": {"database.password": "hunter2"}},
     "extra_config.database.password: \"database.password\" is set by the platform; remove it from extra_config"),
    ({"extra_config": {"signal.kafka.password": "hunter2"}},
     "extra_config.signal.kafka.password: signal.kafka.password holds a secret in clear; reference it as "
     "${env:NAME} from a secret given to the Connect cluster"),
    ({"tables": ("Accounts",)},
     "tables[0]: \"Accounts\" is not schema.table in lower case; write e.g. public.accounts"),
])
def test_bad_connectors_are_refused_with_the_field_named(changes, expected):
    stack, connect = connect_cluster()
    with pytest.raises(ConfigurationError) as raised:
        connect.add_postgres_connector("Accounts", spec=spec(**changes), credentials_secret=secret(stack))
    assert str(raised.value) == f"Test/Connect/Accounts: {expected}"


@pytest.mark.parametrize("field,value,message", [
    ("name", "accounts-cdc", "\"accounts-cdc\" is already used by connector accounts-cdc; each connector needs its own "
                             "name"),
    ("slot_name", "debezium_accounts", "\"debezium_accounts\" is already used by connector accounts-cdc; each "
                                       "connector needs its own slot name"),
    ("topic_prefix", "cdc.accounts", "\"cdc.accounts\" is already used by connector accounts-cdc; each connector "
                                     "needs its own topic prefix"),
])
def test_names_slots_and_prefixes_are_unique_across_the_connect_cluster(field, value, message):
    stack, connect = connect_cluster()
    connect.add_postgres_connector("Accounts", spec=spec(), credentials_secret=secret(stack))
    other = dict(name="payments-cdc", slot_name="debezium_payments", topic_prefix="cdc.payments")
    other[field] = value
    with pytest.raises(ConfigurationError) as raised:
        connect.add_postgres_connector("Payments", spec=spec(**other), credentials_secret=secret(stack, "p"))
    assert str(raised.value) == f"Test/Connect/Payments: {field}: {message}"


def test_a_bad_cluster_name_is_refused():
    with pytest.raises(ConfigurationError) as raised:
        stack = new_stack()
        vpc = new_vpc(stack)
        cluster = KafkaCluster(stack, "Kafka", vpc=vpc, cluster_name="test-cluster", kafka_version="4.1.x.kraft")
        DebeziumConnectCluster(stack, "Connect", cluster=cluster, vpc=vpc, name="CDC",
                               alarm_action=AlarmTopic(stack, "A", display_name="t").alarm_action)
    assert str(raised.value) == ("Test/Connect: name: \"CDC\" is not a Connect cluster name; use 3-49 lower-case "
                                 "letters, digits and hyphens, starting with a letter (it names the group, internal "
                                 "topics and transactional ids)")


# ---- the security review's findings (H1, M1, M2) -----------------------------------------------------------------
def test_the_workers_config_provider_reads_only_connector_credentials(synthesized):
    properties = worker_properties(synthesized, "prod")
    assert properties["config.providers.env.class"] == "bank.kafkaplatform.connect.CredentialsConfigProvider"
    assert properties["config.providers.env.param.allowlist.pattern"] == "DBZ_.*"
    container = only(template(synthesized, "prod"), "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"][0]
    pattern = re.compile(properties["config.providers.env.param.allowlist.pattern"])
    # Connectors may read the database credentials, and nothing else the worker holds: not the REST API's password.
    assert not [s["Name"] for s in container["Secrets"] if pattern.fullmatch(s["Name"])]
    assert {s["Name"] for s in container["Secrets"]} == set(CONTAINER_SECRETS)
    readable = {e["Name"].removesuffix("_FROM_SECRET") for e in container["Environment"]
                if e["Name"].endswith("_FROM_SECRET")}
    assert readable and all(pattern.fullmatch(name) for name in readable)


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_the_rest_api_asks_for_credentials_over_tls_that_only_the_platform_reads(synthesized, environment):
    raw = template(synthesized, environment)
    properties = worker_properties(synthesized, environment)
    assert properties["rest.extension.classes"] == \
        "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
    # TLS only, and no admin endpoints (KIP-495: an empty admin.listeners disables them).
    assert properties["listeners"] == "https://0.0.0.0:8083" and properties["rest.advertised.listener"] == "https"
    assert properties["admin.listeners"] == ""
    container = worker_container(synthesized, environment)
    variables = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert 'file="/opt/connect/config/rest-credentials.properties"' in variables["CONNECT_REST_JAAS"]
    (secret_id, secret), = [(i, s) for i, s in resources(raw, "AWS::SecretsManager::Secret").items()
                            if "RestAccess" in i]
    assert "KmsKeyId" in secret["Properties"]
    secrets = {s["Name"]: s["ValueFrom"] for s in container["Secrets"]}
    # Every part of the access reaches the worker from that secret, each by its JSON key.
    for variable, key in CONTAINER_SECRETS.items():
        assert secret_id in json.dumps(secrets[variable]) and f":{key}::" in json.dumps(secrets[variable])
    # The container's health check authenticates from a file, never with the password on its command line, and
    # verifies the listener's certificate.
    check = " ".join(container["HealthCheck"]["Command"])
    assert "-K /opt/connect/config/rest-curl.conf" in check and "--cacert /opt/connect/config/rest-certificates.pem" \
        in check and "https://localhost:8083/health" in check
    # Who may read it: the workers' execution role (to start), the two functions that call the API, and the two that
    # write it. Nobody else; and only those two may write it.
    readers, writers = set(), set()
    for policy in resources(raw, "AWS::IAM::ManagedPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if secret_id not in json.dumps(statement["Resource"]):
                continue
            roles = {role["Ref"] for role in policy["Properties"]["Roles"]}
            if "secretsmanager:GetSecretValue" in json.dumps(statement["Action"]):
                readers.update(roles)
            if "secretsmanager:PutSecretValue" in json.dumps(statement["Action"]):
                writers.update(roles)

    def paths(roles):
        return {raw["Resources"][role]["Metadata"]["aws:cdk:path"].split("/Connect/Connect/")[1] for role in roles}

    assert paths(readers) == {"ExecutionRole/Resource", "Reconciler/Role/Resource", "HealthMonitor/Role/Resource",
                              "RestAccess/Initializer/Role/Resource", "RestAccess/Rotator/Role/Resource"}
    assert paths(writers) == {"RestAccess/Initializer/Role/Resource", "RestAccess/Rotator/Role/Resource"}
    functions = [f for f in resources(raw, "AWS::Lambda::Function").values()
                 if f["Properties"].get("Environment", {}).get("Variables", {}).get("CONNECT_REST_SECRET_ARN")]
    assert len(functions) == 2
    for function in functions:
        variables = function["Properties"]["Environment"]["Variables"]
        assert secret_id in json.dumps(variables["CONNECT_REST_SECRET_ARN"])
        assert variables["CONNECT_URL"].startswith("https://rest.") and variables["CONNECT_URL"].endswith(
            ".connect.internal:8083")


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_the_rest_access_is_written_before_the_workers_start_and_rotated_by_secrets_manager_alone(
        synthesized, environment):
    raw = template(synthesized, environment)
    (secret_id, _), = [(i, s) for i, s in resources(raw, "AWS::SecretsManager::Secret").items() if "RestAccess" in i]
    [(initialization_id, initialization)] = resources(raw, "Custom::ConnectRestAccess").items()
    assert initialization["Properties"]["SecretArn"] == {"Ref": secret_id}
    [service] = resources(raw, "AWS::ECS::Service").values()
    assert initialization_id in service["DependsOn"]
    [schedule] = resources(raw, "AWS::SecretsManager::RotationSchedule").values()
    assert schedule["Properties"]["SecretId"] == {"Ref": secret_id}
    assert schedule["Properties"]["RotationRules"] == {"AutomaticallyAfterDays": 30}
    assert schedule["Properties"]["RotateImmediatelyOnUpdate"] is False
    rotator = schedule["Properties"]["RotationLambdaARN"]["Fn::GetAtt"][0]
    [permission] = [p["Properties"] for p in resources(raw, "AWS::Lambda::Permission").values()
                    if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [rotator, "Arn"]}]
    assert permission["Principal"] == "secretsmanager.amazonaws.com"
    assert permission["SourceArn"] == {"Ref": secret_id} and "SourceAccount" in permission
    variables = raw["Resources"][rotator]["Properties"]["Environment"]["Variables"]
    assert variables["SECRET_ARN"] == {"Ref": secret_id} and variables["CONNECT_URL"].startswith("https://")
    # It redeploys the workers when a rotation finishes, and nothing else.
    statements = [s for policy in resources(raw, "AWS::IAM::ManagedPolicy").values()
                  if "/RestAccess/Rotator/" in policy["Metadata"]["aws:cdk:path"]
                  for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    [update] = [s for s in statements if "ecs:UpdateService" in json.dumps(s["Action"])]
    assert update["Resource"] == {"Ref": service_id(raw)}


def service_id(raw):
    [found] = resources(raw, "AWS::ECS::Service")
    return found


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_the_reconciler_is_deployed_for_its_own_connect_cluster_only(synthesized, environment):
    raw = template(synthesized, environment)
    reconciler = next(r for r in resources(raw, "AWS::Lambda::Function").values()
                      if "/Reconciler/" in r["Metadata"]["aws:cdk:path"])
    own = reconciler["Properties"]["Environment"]["Variables"]["CONNECT_URL"]
    for kind in ("Custom::KafkaConnector", "Custom::KafkaConnectorPrune"):
        for resource in resources(raw, kind).values():
            assert resource["Properties"]["ConnectUrl"] == own


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_every_custom_resource_bounds_how_long_cloudformation_waits(synthesized, environment):
    """Without ServiceTimeout a lost answer keeps the stack waiting an hour."""
    for stack in synthesized.assembly.stacks(synthesized.stages[environment].stage_name):
        for logical_id, resource in stack.resources().items():
            if resource["Type"].startswith("Custom::"):
                timeout = int(resource["Properties"].get("ServiceTimeout", 3600))
                assert timeout <= 960, (stack.stack_name, logical_id)


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_a_removed_connector_reaches_the_reconcilers_delete_in_every_environment(synthesized, environment):
    """Never retained: removing or renaming a connector must reach its Delete (slot_on_delete honoured). At
    86b47a0 staging and prod retained them, so a removed connector was pruned, then restored by the monitor."""
    connectors = resources(template(synthesized, environment), "Custom::KafkaConnector").values()
    assert connectors
    for resource in connectors:
        assert (resource.get("DeletionPolicy", "Delete"), resource.get("UpdateReplacePolicy", "Delete")) == (
            "Delete", "Delete")


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_every_connectors_database_has_a_replication_slot_lag_alarm(synthesized, environments, environment):
    """Security review M2 (and a RUNNING connector whose slot stopped advancing): RDS's OldestReplicationSlotLag of
    every declared database's instance pages at 10 GiB held back for 15 minutes."""
    instances = {c.spec().watched_rds_instance for c in environments[environment].connect.connectors}
    assert None not in instances
    alarms = [a["Properties"] for a in resources(template(synthesized, environment), "AWS::CloudWatch::Alarm").values()
              if a["Properties"].get("MetricName") == "OldestReplicationSlotLag"]
    assert sorted(a["Dimensions"][0]["Value"] for a in alarms) == sorted(instances)
    for alarm in alarms:
        assert (alarm["Namespace"], alarm["Threshold"], alarm["EvaluationPeriods"]) == ("AWS/RDS", 10 * 2**30, 3)
        assert alarm["AlarmActions"] and alarm["OKActions"]


def test_an_aurora_cluster_endpoint_needs_its_instance_named(environments):
    [ledger] = [c for c in environments["prod"].connect.connectors if c.name == "ledger-cdc"]
    assert ".cluster-" in ledger.database.hostname
    assert ledger.spec().watched_rds_instance == "ledger-db-prod-1"


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_slots_are_retained_on_deletion_unless_declared(synthesized, environments, environment):
    declared = {c.name: c.slot_on_delete for c in environments[environment].connect.connector_specs()}
    for resource in resources(template(synthesized, environment), "Custom::KafkaConnector").values():
        assert resource["Properties"]["SlotOnDelete"] == declared[resource["Properties"]["ConnectorName"]]
    assert set(declared.values()) == {"retain"}  # the default: a re-created connector resumes where it stopped


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_the_workers_root_file_system_is_read_only_with_volumes_for_what_they_write(synthesized, environment):
    """Security review (Low): a read-only root; the image declares the writable paths as VOLUMEs (ECS copies their
    content, ownership included, into the task volumes), and the task mounts exactly those."""
    from kafka_platform.constructs.connect_cluster import IMAGE_DIRECTORY, WRITABLE_PATHS

    container = worker_container(synthesized, environment)
    assert container["ReadonlyRootFilesystem"] is True
    definition = only(template(synthesized, environment), "AWS::ECS::TaskDefinition")["Properties"]
    volumes = {v["Name"] for v in definition["Volumes"]}
    mounts = {m["ContainerPath"]: m["SourceVolume"] for m in container["MountPoints"]}
    assert sorted(mounts) == sorted(WRITABLE_PATHS) and set(mounts.values()) == volumes
    dockerfile = (IMAGE_DIRECTORY / "Dockerfile").read_text()
    [volume_line] = [line for line in dockerfile.splitlines() if line.startswith("VOLUME ")]
    assert json.loads(volume_line[len("VOLUME "):]) == list(WRITABLE_PATHS)
    assert "chown connect /opt/connect/config /tmp/connect" in dockerfile
    # Everything the entrypoint writes is under those paths.
    entrypoint = (IMAGE_DIRECTORY / "entrypoint.sh").read_text()
    assert 'CONFIG="$HOME_DIR/config"' in entrypoint and "-Djava.io.tmpdir=/tmp/connect" in entrypoint


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_the_worker_heap_is_half_the_task_memory(synthesized, environments, environment):
    """The README's "heap: half the memory": the rest is the JVM's own memory, the page cache and the OS."""
    memory = environments[environment].connect.memory_mib
    variables = {e["Name"]: e["Value"] for e in worker_container(synthesized, environment)["Environment"]}
    assert variables["KAFKA_HEAP_OPTS"] == f"-Xms{memory // 2}m -Xmx{memory // 2}m"
    assert only(template(synthesized, environment), "AWS::ECS::TaskDefinition")["Properties"]["Memory"] == str(memory)


def test_every_running_stream_with_a_heartbeat_table_has_its_two_alarms_in_every_environment(synthesized, environments):
    """Behind by more than the connector's threshold for 3 minutes; not moved for 3 heartbeat intervals in two checks.
    A stream declared paused or stopped, or without a heartbeat table, has none (nothing says it should move)."""
    for name, environment in environments.items():
        if not environment.connect:
            continue
        raw = template(synthesized, name)
        alarms = {a["Properties"]["AlarmName"]: a["Properties"] for a in resources(raw, "AWS::CloudWatch::Alarm").values()}
        prefix = f"{environment.kafka.cluster_name}-connect-{environment.connect.name}"
        specs = environment.connect.connector_specs()
        assert specs
        for spec in specs:
            lag, silence = alarms.get(f"{prefix}-{spec.name}-stream-lag"), alarms.get(f"{prefix}-{spec.name}-no-heartbeat")
            if not spec.watched:
                assert lag is None and silence is None
                continue
            dimensions = [{"Name": "ConnectCluster", "Value": environment.connect.name},
                          {"Name": "Connector", "Value": spec.name}]
            assert (lag["MetricName"], lag["Threshold"], lag["EvaluationPeriods"], lag["DatapointsToAlarm"],
                    lag["Statistic"], lag["Period"], lag["Dimensions"]) == (
                "StreamLagSeconds", spec.stream_lag_alarm_seconds, 3, 3, "Maximum", 60, dimensions)
            assert (silence["MetricName"], silence["Threshold"], silence["EvaluationPeriods"],
                    silence["Dimensions"]) == ("SecondsSinceLastEvent", 3 * spec.heartbeat_interval_ms / 1000, 2,
                                               dimensions)
            for alarm in (lag, silence):
                assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
                assert alarm["Namespace"] == "KafkaPlatform/Connect" and len(alarm["AlarmActions"]) == 1
                assert alarm["OKActions"] == alarm["AlarmActions"]


def test_the_reconciler_and_the_monitor_read_their_own_stacks_template_and_nothing_writes_declarations(synthesized):
    """The connectors' declarations are the deployed template: both functions may read their own stack (and only
    it), and no policy anywhere may write a declaration store (at 86b47a0, SSM parameters the monitor restored)."""
    raw = template(synthesized, "prod")
    reads = {}
    for policy in resources(raw, "AWS::IAM::ManagedPolicy").values():
        owner = policy["Metadata"]["aws:cdk:path"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not any(a.startswith("ssm:") and "declared" in json.dumps(statement["Resource"]) for a in actions)
            if any(a.startswith("cloudformation:") for a in actions):
                reads[owner.split("/")[3]] = (sorted(actions), statement["Resource"])
    expected = (["cloudformation:DescribeStackResource", "cloudformation:DescribeStacks",
                 "cloudformation:GetTemplate"],
                "arn:aws:cloudformation:eu-west-2:333333333333:stack/Prod-Connect/*")
    assert reads == {"Reconciler": expected, "HealthMonitor": expected}
    functions = {f["Properties"]["Description"].split(" ")[0]: f["Properties"]["Environment"]["Variables"]
                 for f in resources(raw, "AWS::Lambda::Function").values()
                 if "Kafka Connect" in f["Properties"].get("Description", "")}
    assert functions["Watches"]["STACK_ID"] == functions["Reconciles"]["STACK_ID"] == {"Ref": "AWS::StackId"}
    assert "DECLARED_PARAMETER_PATH" not in functions["Watches"] | functions["Reconciles"]
    assert (functions["Watches"]["CORRECT_DRIFT"], functions["Watches"]["PRUNE_UNDECLARED"]) == ("true", "true")


def test_each_connector_carries_the_digest_of_its_declaration(synthesized):
    """The reconciler and the monitor trust a declaration only when its digest, computed by the same code they run
    (kafka_platform/lambda/declaration.py), matches."""
    from tests.runtime_code.lambda_modules import load

    digest = load("declaration").declaration_digest
    for resource in resources(template(synthesized, "prod"), "Custom::KafkaConnector").values():
        p = resource["Properties"]
        assert p["DeclaredDigest"] == digest(p["ConnectorName"], p["Config"], p["DesiredState"], p["SlotOnDelete"])


def test_correct_drift_false_reaches_the_monitor_and_a_connector_without_heartbeats_gets_no_stream_alarm():
    stack, connect = connect_cluster(correct_drift=False)
    quiet = connect.add_postgres_connector("Accounts", spec=spec(heartbeat_table=None), credentials_secret=
                                           secretsmanager.Secret.from_secret_name_v2(stack, "S", "cdc/accounts"))
    watched = connect.add_postgres_connector("Cards", spec=spec(name="cards-cdc", slot_name="debezium_cards",
                                                                topic_prefix="cdc.cards",
                                                                credentials_env_prefix=env_prefix("cards-cdc"),
                                                                heartbeat_table="public.debezium_heartbeat",
                                                                stream_lag_alarm=Duration.minutes(10)),
                                             credentials_secret=secretsmanager.Secret.from_secret_name_v2(
                                                 stack, "C", "cdc/cards"))
    raw = stack_template(stack).to_json()
    [variables] = [f["Properties"]["Environment"]["Variables"] for f in resources(raw, "AWS::Lambda::Function").values()
                   if "CORRECT_DRIFT" in f["Properties"].get("Environment", {}).get("Variables", {})]
    assert (variables["CORRECT_DRIFT"], variables["PRUNE_UNDECLARED"]) == ("false", "false")
    assert quiet.alarms == {} and sorted(watched.alarms) == ["no-heartbeat", "stream-lag"]
    lag = watched.alarms["stream-lag"].node.default_child
    assert stack.resolve(lag.threshold) == 600
    assert watched.metric_stream_lag(period=Duration.minutes(5)).period.to_seconds() == 300
