"""The Connect worker's configuration as data: every property, as the runtime tier runs it against real Kafka
Connect (tests/runtime), checked here value by value so that a change to one is a decision (found by make mutate)."""

import pytest

from kafka_platform.domain.connect_worker import (ConnectWorkerSettings, group_id_problem, render, rest_jaas_config,
                                                  worker_grant_chars, worker_properties)
from kafka_platform.domain.debezium import PostgresConnectorSpec

WORKER = {
    "config.providers": "env",
    "config.providers.env.class": "bank.kafkaplatform.connect.CredentialsConfigProvider",
    "config.providers.env.param.allowlist.pattern": "DBZ_.*",  # the connectors' credentials, nothing else
    "config.storage.replication.factor": "3",
    "config.storage.topic": "_connect-bank-cdc-configs",
    "exactly.once.source.support": "enabled",
    "group.id": "bank-cdc",
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    # The REST API: TLS only, the platform's own certificates, no admin endpoints (the passwords come at start).
    "admin.listeners": "",
    "listeners": "https://0.0.0.0:8083",
    "listeners.https.ssl.client.auth": "none",
    "listeners.https.ssl.enabled.protocols": "TLSv1.3,TLSv1.2",
    "listeners.https.ssl.endpoint.identification.algorithm": "HTTPS",
    "listeners.https.ssl.keystore.location": "/opt/connect/config/rest-keystore.p12",
    "listeners.https.ssl.keystore.type": "PKCS12",
    "listeners.https.ssl.truststore.location": "/opt/connect/config/rest-truststore.p12",
    "listeners.https.ssl.truststore.type": "PKCS12",
    "offset.storage.partitions": "25",
    "offset.storage.replication.factor": "3",
    "offset.storage.topic": "_connect-bank-cdc-offsets",
    "plugin.path": "/opt/connect/plugins",
    "producer.compression.type": "zstd",
    "rest.advertised.listener": "https",
    "rest.advertised.port": "8083",
    "rest.extension.classes": "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
    "scheduled.rebalance.max.delay.ms": "30000",
    "status.storage.partitions": "5",
    "status.storage.replication.factor": "3",
    "status.storage.topic": "_connect-bank-cdc-status",
    "topic.creation.enable": "true",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
}
IAM = {
    "security.protocol": "SASL_SSL",
    "sasl.mechanism": "AWS_MSK_IAM",
    "sasl.jaas.config": "software.amazon.msk.auth.iam.IAMLoginModule required;",
    "sasl.client.callback.handler.class": "software.amazon.msk.auth.iam.IAMClientCallbackHandler",
}


def test_every_worker_property_on_a_local_broker():
    properties = worker_properties(ConnectWorkerSettings("bank-cdc", security="plaintext"))
    assert properties == WORKER and list(properties) == sorted(properties)


def test_on_msk_the_worker_and_its_three_clients_authenticate_with_iam():
    properties = worker_properties(ConnectWorkerSettings("bank-cdc"))
    expected = dict(WORKER)
    for prefix in ("", "producer.", "consumer.", "admin."):
        expected.update({prefix + key: value for key, value in IAM.items()})
    assert properties == expected


def test_settings_name_the_internal_topics_and_transactional_ids_after_the_group():
    settings = ConnectWorkerSettings("bank-cdc", replication_factor=1, scheduled_rebalance_max_delay_ms=5_000,
                                     offset_partitions=3, status_partitions=2, security="plaintext")
    assert settings.internal_topics == ("_connect-bank-cdc-configs", "_connect-bank-cdc-offsets",
                                        "_connect-bank-cdc-status")
    assert settings.transactional_id_prefix == "bank-cdc-"
    properties = worker_properties(settings)
    assert [properties[k] for k in ("config.storage.replication.factor", "offset.storage.replication.factor",
                                    "status.storage.replication.factor", "offset.storage.partitions",
                                    "status.storage.partitions", "scheduled.rebalance.max.delay.ms")] == [
        "1", "1", "1", "3", "2", "5000"]


@pytest.mark.parametrize("group_id,accepted", [("bank-cdc", True), ("abc", True), ("ab", False), ("Bank", False),
                                               ("1cdc", False), ("cdc_bank", False), ("a" * 49, True),
                                               ("a" * 50, False)])
def test_connect_cluster_names(group_id, accepted):
    problem = group_id_problem(group_id)
    assert (problem is None) is accepted
    if not accepted:
        assert problem == (f'"{group_id}" is not a Connect cluster name; use 3-49 lower-case letters, digits and '
                           "hyphens, starting with a letter (it names the group, internal topics and transactional "
                           "ids)")


def test_the_rest_login_file_and_what_it_refuses_to_name():
    assert rest_jaas_config("/opt/connect/config/rest.credentials") == (
        'KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n'
        '  file="/opt/connect/config/rest.credentials";\n};\n')
    for bad in ('/tmp/a"b', "/tmp/a\\b", "/tmp/a\nb"):
        with pytest.raises(ValueError, match="cannot be named in a JAAS file"):
            rest_jaas_config(bad)


def test_properties_render_one_per_line():
    assert render({"a": "1", "b.c": "x=y"}) == "a=1\nb.c=x=y\n"


WHERE = {"region": "eu-west-2", "account": "111111111111", "cluster_name": "bank-streaming-prod"}
ACCOUNTS = PostgresConnectorSpec(name="accounts-cdc", database_host="db", database_name="accounts",
                                 tables=["public.accounts"], topic_prefix="cdc.accounts", slot_name="accounts",
                                 publication_name="accounts", credentials_env_prefix="DBZ_ACCOUNTS")


def test_the_workers_grants_grow_with_each_connector_by_its_three_arns():
    settings, spec = ConnectWorkerSettings("bank-cdc"), ACCOUNTS
    alone = worker_grant_chars(settings, [], **WHERE)
    one = worker_grant_chars(settings, [spec], **WHERE)
    two = worker_grant_chars(settings, [spec, spec], **WHERE)
    assert alone == 1_600 and two - one == one - alone > 3 * len("arn:aws:kafka:eu-west-2:111111111111:topic/")


def test_each_connector_costs_its_three_deployed_arns_quoted_with_a_comma():
    """Measured on the ARNs as they will be deployed (a 38-character cluster UUID), not on the formula."""
    from kafka_platform.domain.msk_iam import ClusterArnParts

    settings, spec = ConnectWorkerSettings("bank-cdc"), ACCOUNTS
    parts = ClusterArnParts("aws", "eu-west-2", "111111111111", "bank-streaming-prod", "u" * 38)
    arns = [parts.topic_arn("cdc.accounts.*"), parts.topic_arn(spec.heartbeat_topic),
            parts.transactional_id_arn(f"{settings.transactional_id_prefix}accounts-cdc-0")]
    assert worker_grant_chars(settings, [spec], **WHERE) == 1_600 + sum(len(f'"{arn}",') for arn in arns)


def test_a_login_file_path_may_hold_any_other_character():
    assert 'file="/opt/X/rest-credentials.properties";' in rest_jaas_config("/opt/X/rest-credentials.properties")
