"""A data product's salt: the reconciler puts it into the hashing property's name as it writes the config, and it
appears in nothing the function logs or reports."""

from __future__ import annotations

import logging

import pytest

from kafka_platform.domain import data_products
from tests.runtime_code.fake_connect import FakeConnectServer
from tests.runtime_code.lambda_modules import load
from tests.runtime_code.test_connector_reconciler import CONFIG, event

reconciler = load("connector_reconciler")
connect_rest = load("connect_rest")
declared = load("declared")

SALT = "Q7mZp2Lk9vX4nB8sT1wR6yH3"
ARN = "arn:aws:secretsmanager:eu-west-2:333333333333:secret:connect/product-salt-AbCdEf"
KEY = "column.mask.hash.v2.SHA-256.with.salt."


def test_the_lambda_and_the_platform_agree_on_the_placeholder():
    assert reconciler.SALT_PLACEHOLDER == data_products.SALT_PLACEHOLDER
    assert data_products.HASH_KEY_PREFIX == KEY


def test_the_placeholder_becomes_the_salt():
    config = {**CONFIG, KEY + "{salt}": r"public\.customers\.email"}
    resolved = reconciler.with_salt(config, ARN, read=lambda arn: SALT if arn == ARN else "")
    assert resolved[KEY + SALT] == r"public\.customers\.email"
    assert not any("{salt}" in key for key in resolved)
    assert {k: v for k, v in resolved.items() if not k.startswith(KEY)} == CONFIG


def test_a_config_without_placeholder_is_left_alone_and_reads_no_secret():
    def read(arn):
        raise AssertionError("no secret should be read")
    assert reconciler.with_salt(CONFIG, ARN, read=read) == CONFIG
    assert reconciler.with_salt(CONFIG, None, read=read) == CONFIG


@pytest.mark.parametrize("config, arn, message", [
    ({KEY + "{salt}": "x"}, None, "needs its salt, and HashSaltSecretArn names no secret"),
    ({"database.password": "{salt}", "x{salt}": "y"}, ARN, "belongs only at the end of"),
    ({"column.exclude.list.{salt}": "x"}, ARN, "belongs only at the end of"),
])
def test_the_placeholder_only_where_debezium_reads_a_salt_and_only_with_a_secret(config, arn, message):
    with pytest.raises(reconciler.PolicyError, match=message):
        reconciler.with_salt(config, arn, read=lambda _: SALT)


@pytest.mark.parametrize("salt", ["short", "with space and more text", "has=equals-and-punctuation!!", ""])
def test_a_salt_that_cannot_be_part_of_a_property_name_is_refused_without_showing_it(salt):
    with pytest.raises(reconciler.PolicyError) as raised:
        reconciler.with_salt({KEY + "{salt}": "x"}, ARN, read=lambda _: salt)
    assert "is not 16-128 letters and digits" in str(raised.value)
    assert not salt or salt not in str(raised.value)


@pytest.mark.parametrize("text", [
    f"Invalid configuration {KEY}{SALT}=public.customers.email",
    f'{{"{KEY}{SALT}": "public\\\\.customers\\\\.email"}}',
    f"column.mask.hash.SHA-256.with.salt.{SALT} = public.customers.email",
])
def test_redaction_hides_a_salt_in_a_property_name(text):
    redacted = connect_rest.redact_text(text)
    assert SALT not in redacted and "with.salt.****" in redacted


def test_redacted_config_keeps_the_key_shape_without_the_salt():
    redacted = connect_rest.redact_config({KEY + SALT: "public.customers.email", KEY + "{salt}": "x"})
    assert list(redacted) == [KEY + "****", KEY + "{salt}"]


def test_the_reconciler_writes_the_salt_to_connect_and_logs_only_the_placeholder(monkeypatch, caplog):
    monkeypatch.setattr(declared, "secret_string", lambda arn, client=None: SALT)
    config = {**CONFIG, KEY + "{salt}": r"public\.customers\.email"}
    with FakeConnectServer() as server, caplog.at_level(logging.INFO):
        monkeypatch.setenv("CONNECT_URL", server.url)
        request = event("Create", server.url, config=config)
        request["ResourceProperties"]["HashSaltSecretArn"] = ARN
        outcome = reconciler.reconcile(request, reconciler_client(server.url))
        assert outcome.data["Action"] == "created"
        stored = server.fake.connectors["accounts-cdc"].config
        assert stored[KEY + SALT] == r"public\.customers\.email" and KEY + "{salt}" not in stored
        # Unchanged on the next deployment: Connect's config (with the salt) equals the resolved declaration.
        assert reconciler.reconcile(request, reconciler_client(server.url)).data["Action"] == "unchanged"
    assert SALT not in caplog.text
    assert KEY + "{salt}" in caplog.text


def reconciler_client(url):
    import time
    return connect_rest.ConnectClient(url, deadline=time.monotonic() + 10, first_backoff=0.01)
