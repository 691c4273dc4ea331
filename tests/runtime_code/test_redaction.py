"""Redaction by structure: what the reconciler and the health monitor write to logs and to CloudFormation's status
reason (readable by anyone with DescribeStackEvents) never holds a secret value, whatever form the text takes.

The corpus is the shapes Kafka Connect, Debezium, the PostgreSQL JDBC driver and the JVM really print."""

import pytest

from tests.runtime_code.lambda_modules import load

connect_rest = load("connect_rest")
SECRET = "S3cr3t!"

CORPUS = [
    # Connect's 400 answer to a PUT, a JSON body echoing the config
    '{"error_code":400,"message":"Connector configuration is invalid","config":{"database.password": "S3cr3t!"}}',
    # JAAS in a Kafka client or Connect worker config dump
    'sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required username="dbz" '
    'password="S3cr3t!";',
    # JDBC URL with user-info, as the PostgreSQL driver and Debezium log it
    "org.postgresql.util.PSQLException: Connection to jdbc:postgresql://dbz:S3cr3t!@accounts-db:5432/accounts "
    "refused",
    # properties-style lines, upper and lower case, and the keys the review named
    "database.password=S3cr3t!",
    "DATABASE.PASSWORD = S3cr3t!",
    "Password: S3cr3t!",
    "pwd=S3cr3t!",
    "ssl.key.passphrase=S3cr3t!",
    "AWS_SECRET_ACCESS_KEY=S3cr3t!",
    "client.api_key: S3cr3t!",
    # values holding separators: the whole value goes
    # Issue 30's review: each of these leaked at 86b47a0.
    # a URL password holding @ or /
    "jdbc:postgresql://dbz:S3cr3t!@x/y@accounts-db:5432/accounts refused",
    "https://platform:S3cr3t!/or@rest.bank-cdc-prod.connect.internal:8083/connectors",
    # an Authorization header, as urllib or a proxy logs a request
    "Authorization: Basic S3cr3t!cGxhdGZvcm0=",
    "proxy-authorization=Bearer S3cr3t!",
    # JSON escaped inside a JSON string (a message quoting the body it was sent)
    '{"message": "rejected {\\"database.password\\":\\"S3cr3t!\\",\\"tasks.max\\":\\"1\\"}"}',
    # non-string JSON values
    '{"config": {"database.password": 123456789, "pin.token": true}, "S3cr3t": 0}'.replace(', "S3cr3t": 0', ""),
    '{"credentials": {"user": "dbz", "key": "S3cr3t!"}}',
    # Python's repr of a dict, as a logged exception prints it
    "KeyError in {'database.password': 'S3cr3t!', 'tasks.max': '1'}",
    "{'api_key': \"S3cr3t!'s\"}",
    "database.password=S3cr3t!,with,commas",
    "database.password=S3cr3t!;and;semicolons",
    "database.password=S3cr3t! and spaces",
    "database.password='S3cr3t! quoted'",
    # a Java stack trace line with the config in it
    "Caused by: org.apache.kafka.common.config.ConfigException: Invalid value S3cr3t! for configuration "
    "database.password: must be at least 12 characters\n\tat io.debezium.config.Field.validate(Field.java:42)",
]


@pytest.mark.parametrize("text", CORPUS)
def test_no_secret_value_survives(text):
    redacted = connect_rest.redact_text(text)
    assert SECRET not in redacted and "S3cr3t" not in redacted, redacted
    assert "****" in redacted


@pytest.mark.parametrize("text", [
    'FATAL: password authentication failed for user "dbz"',
    "database.password=${env:DBZ_ACCOUNTS_CDC_PASSWORD}",
    '{"database.user": "dbz", "database.hostname": "accounts-db"}',
    "connector accounts-cdc failed: task 0: slot debezium_accounts is active",
])
def test_what_holds_no_secret_is_kept(text):
    assert connect_rest.redact_text(text) == text


def test_redaction_is_idempotent():
    once = connect_rest.redact_text("\n".join(CORPUS))
    assert connect_rest.redact_text(once) == once


def test_connect_errors_are_redacted_when_raised():
    error = connect_rest.ConnectError('PUT failed: {"config": {"database.password": "S3cr3t!"}}', 400)
    assert "S3cr3t" not in str(error)
