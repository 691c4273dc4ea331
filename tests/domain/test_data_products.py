"""Data products render to Debezium's own column filters and masks; data teams are checked before anything exists."""

from __future__ import annotations

import re

import pytest

from kafka_platform.domain.data_products import (SALT_PLACEHOLDER, DataProductSpec, DataTeamSpec, principal_account,
                                                 principal_problem, product_problems, team_problems)
from kafka_platform.domain.debezium import PostgresConnectorSpec, connector_problems, env_prefix

SOURCE = PostgresConnectorSpec(
    name="customers-cdc", database_host="customers-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com",
    database_name="customers", tables=("public.customers", "public.addresses"), topic_prefix="cdc.customers",
    slot_name="debezium_customers", publication_name="dbz_customers", credentials_env_prefix="DBZ_CUSTOMERS_CDC")
CLASSIFIED = {"public.customers.email": "pii", "public.customers.full_name": "pii", "public.customers.phone": "pii",
              "public.customers.risk_band": "confidential", "public.addresses.postcode": "pii"}


def product(**changes) -> DataProductSpec:
    values = dict(name="customer-events", source=SOURCE, tables=("public.customers",),
                  columns={"public.customers.email": "hash", "public.customers.full_name": "exclude",
                           "public.customers.phone": "mask"}, classification=CLASSIFIED)
    values.update(changes)
    return DataProductSpec(**values)


def test_a_product_is_its_own_connector_on_the_source_database():
    spec = product().connector_spec()
    config = spec.config()
    assert spec.name == "product-customer-events"
    assert (config["slot.name"], config["publication.name"]) == ("product_customer_events",) * 2
    assert config["topic.prefix"] == "products.customer-events"
    assert config["table.include.list"] == "public.customers"
    assert config["database.hostname"] == SOURCE.database_host and config["database.dbname"] == "customers"
    # Its own credentials variables (the reconciler lets a connector read only its own), from the source's secret.
    assert spec.credentials_env_prefix == env_prefix("product-customer-events") == "DBZ_PRODUCT_CUSTOMER_EVENTS"
    assert config["database.password"] == "${env:DBZ_PRODUCT_CUSTOMER_EVENTS_PASSWORD}"
    assert connector_problems(spec, broker_count=3) == []


def test_each_treatment_is_debeziums_own_property_with_exact_column_patterns():
    config = product().connector_spec().config()
    assert config["column.exclude.list"] == r"public\.customers\.full_name"
    assert config["column.mask.with.8.chars"] == r"public\.customers\.phone"
    assert config[f"column.mask.hash.v2.SHA-256.with.salt.{SALT_PLACEHOLDER}"] == r"public\.customers\.email"
    # The patterns are regular expressions over fully-qualified names: escaped, each matches its column alone.
    assert re.fullmatch(config["column.exclude.list"], "public.customers.full_name")
    assert not re.fullmatch(config["column.exclude.list"], "public_customers.full_name")
    # No salt of any kind in what a template would hold.
    assert not any(key.startswith("column.mask.hash") and not key.endswith(SALT_PLACEHOLDER) for key in config)


def test_a_product_without_hashes_has_no_hash_property_and_needs_no_salt():
    spec = product(columns={"public.customers.email": "exclude", "public.customers.full_name": "exclude",
                            "public.customers.phone": "exclude"})
    assert not spec.hashes
    assert not any("hash" in key for key in spec.connector_spec().config())
    assert spec.connector_spec().config()["column.exclude.list"] == (
        r"public\.customers\.email,public\.customers\.full_name,public\.customers\.phone")


def test_a_declared_product_has_no_problem_and_exposes_no_pii():
    assert product_problems(product()) == []
    assert product().exposed_pii() == ()
    assert product().topics == ("products.customer-events.public.customers",)


@pytest.mark.parametrize("columns, exposed", [
    ({"public.customers.email": "hash", "public.customers.full_name": "exclude"}, ("public.customers.phone",)),
    ({}, ("public.customers.email", "public.customers.full_name", "public.customers.phone")),
])
def test_a_pii_column_published_in_clear_is_named(columns, exposed):
    spec = product(columns=columns)
    assert spec.exposed_pii() == exposed
    assert [field for field, _ in product_problems(spec)] == [f"columns.{c}" for c in exposed]


def test_confidential_columns_may_be_published_and_other_tables_pii_does_not_count():
    spec = product()
    assert "public.customers.risk_band" not in spec.columns and spec.exposed_pii() == ()
    # public.addresses.postcode is pii, but the product does not publish public.addresses.
    assert "public.addresses.postcode" not in spec.exposed_pii()
    assert product(tables=("public.customers", "public.addresses")).exposed_pii() == ("public.addresses.postcode",)


def test_unknown_tables_and_columns_are_refused():
    problems = dict(product_problems(product(tables=("public.customers", "public.cards"),
                                             columns={**product().columns, "public.customers.emial": "hash",
                                                      "public.addresses.postcode": "exclude"})))
    assert problems["tables"].startswith('"public.cards" is not a table of connector customers-cdc')
    assert problems["columns.public.customers.emial"].startswith('"public.customers.emial" is not a classified column')
    assert problems["columns.public.addresses.postcode"].startswith(
        '"public.addresses.postcode" is in table public.addresses, which the product does not publish')


@pytest.mark.parametrize("principal", ["arn:aws:iam::444444444444:role/fraud-ds", "arn:aws:iam::444444444444:root",
                                       "arn:aws:iam::444444444444:user/analyst", "arn:aws:iam::444444444444:role/a/b"])
def test_roles_users_and_accounts_are_principals(principal):
    assert principal_problem(principal) is None
    assert principal_account(principal) == "444444444444"


@pytest.mark.parametrize("principal", ["fraud-ds", "444444444444", "arn:aws:iam::4444:root", "*",
                                       "arn:aws:iam::444444444444:group/analysts", "arn:aws:sts::444444444444:role/x"])
def test_anything_else_is_not(principal):
    assert principal_problem(principal).startswith(f'"{principal}" is not an IAM principal ARN')


def team(**changes) -> DataTeamSpec:
    values = dict(name="fraud-ds", principals=("arn:aws:iam::444444444444:role/fraud-ds",),
                  products=("customer-events",), consumer_group_prefix="fraud-ds-")
    values.update(changes)
    return DataTeamSpec(**values)


def test_a_team_group_prefix_may_not_reach_a_platform_group_or_another_teams():
    groups = {"loan-approvals": "consumer service loan-approvals", "bank-cdc": "the Connect cluster"}
    assert team_problems(team(), products=["customer-events"], service_groups=groups, other_prefixes={}) == []
    for prefix in ("loan-", "loan-approvals", "loan-approvals-x", "bank"):
        [(field, message)] = team_problems(team(consumer_group_prefix=prefix), products=["customer-events"],
                                           service_groups=groups, other_prefixes={})
        assert field == "consumer_group_prefix" and "overlaps consumer group" in message, prefix
    [(field, message)] = team_problems(team(consumer_group_prefix="fraud-ds-a"), products=["customer-events"],
                                       service_groups={}, other_prefixes={"fraud-ds-": "fraud"})
    assert message.endswith("of data team fraud; each team needs a prefix of its own")


def test_a_team_must_name_principals_and_known_products():
    problems = team_problems(team(principals=(), products=("nothing",)), products=["customer-events"],
                             service_groups={}, other_prefixes={})
    assert [field for field, _ in problems] == ["principals", "data_products"]
    assert team(principals=("arn:aws:iam::1:root", "arn:aws:iam::444444444444:root",
                            "arn:aws:iam::555555555555:role/x")).accounts() == ("444444444444", "555555555555")


# ---- every rule's message in full (found by make mutate: prefixes and fields alone let the wording drift) --------
def test_a_product_name_outside_the_rule_is_refused_with_the_rule():
    for name in ("a", "Customer-events", "1-events", "c" * 48, "customer_events"):
        assert product_problems(product(name=name))[0] == ("name", (
            f'"{name}" is not a data product name; use 2-47 lower-case letters, digits and hyphens, starting with a '
            "letter")), name
    for name in ("ab", "c" * 47, "customer-events-2"):
        assert product_problems(product(name=name)) == [], name


@pytest.mark.parametrize("tables", [(), "public.customers"])
def test_a_product_without_a_list_of_tables_is_refused_and_nothing_else_is_checked(tables):
    assert product_problems(product(tables=tables, columns={"nope": "hash"})) == [
        ("tables", "lists no tables; name the source connector's tables the product publishes")]


def test_the_messages_for_unknown_tables_and_columns_in_full():
    problems = product_problems(product(tables=("public.customers", "public.cards"),
                                        columns={"public.customers.emial": "hash",
                                                 "public.addresses.postcode": "exclude",
                                                 "public.customers.email": "hash",
                                                 "public.customers.full_name": "exclude",
                                                 "public.customers.phone": "mask"}))
    assert problems == [
        ("tables", '"public.cards" is not a table of connector customers-cdc (it captures public.customers, '
                   "public.addresses); use one of those, or capture it there"),
        ("columns.public.customers.emial", '"public.customers.emial" is not a classified column of connector '
                                           "customers-cdc; classify it there (columns: {public.customers.emial: pii}) "
                                           "or correct the name (classified: public.addresses.postcode, "
                                           "public.customers.email, public.customers.full_name, "
                                           "public.customers.phone, public.customers.risk_band)"),
        ("columns.public.addresses.postcode", '"public.addresses.postcode" is in table public.addresses, which the '
                                              "product does not publish; remove it or add the table"),
    ]
    [(field, message)] = product_problems(product(columns={"public.customers.x": "hash"}, classification={}))
    assert message.endswith("or correct the name")  # nothing classified: no list


def test_a_pii_column_in_clear_is_named_with_the_fix():
    problems = product_problems(product(columns={"public.customers.email": "hash",
                                                 "public.customers.full_name": "exclude"}))
    assert problems == [("columns.public.customers.phone", (
        "public.customers.phone is classified pii and the product would publish it in clear; set it to exclude, hash "
        "or mask (a data team may read a pii column only excluded, hashed or masked)"))]


def test_the_messages_of_a_team_in_full():
    groups = {"loan-approvals": "consumer service loan-approvals"}
    problems = team_problems(team(principals=("fraud-ds", "arn:aws:iam::444444444444:root"),
                                  products=("nothing", "customer-events")),
                             products=["customer-events", "card-events"], service_groups=groups, other_prefixes={})
    assert problems == [
        ("principals[0]", '"fraud-ds" is not an IAM principal ARN; write a role, a user or an account, such as '
                          "arn:aws:iam::444444444444:role/fraud-analytics or arn:aws:iam::444444444444:root"),
        ("data_products", '"nothing" is not a data product of this environment; use one of card-events, '
                          "customer-events"),
    ]
    assert team_problems(team(principals=(), products=()), products=[], service_groups={}, other_prefixes={}) == [
        ("principals", "names nobody; list the IAM roles (or the account) that read as this team"),
        ("data_products", "lists no data product; name the products the team reads")]
    assert team_problems(team(principals="arn:aws:iam::444444444444:root", products="customer-events"),
                         products=["customer-events"], service_groups={}, other_prefixes={}) == [
        ("principals", "names nobody; list the IAM roles (or the account) that read as this team"),
        ("data_products", "lists no data product; name the products the team reads")]
    [(_, message)] = team_problems(team(products=("x",)), products=[], service_groups={}, other_prefixes={})
    assert message == '"x" is not a data product of this environment; use one of none (declare one first)'


def test_a_bad_prefix_is_refused_and_not_compared():
    for prefix in ("f", "-fraud", "fraud ds", "f" * 64):
        assert team_problems(team(consumer_group_prefix=prefix), products=["customer-events"],
                             service_groups={prefix: "x"}, other_prefixes={prefix: "y"}) == [
            ("consumer_group_prefix", f'"{prefix}" is not a consumer-group prefix; use 2-63 letters, digits, dots, '
                                      "hyphens and underscores, such as fraud-ds-")], prefix
    assert team_problems(team(consumer_group_prefix="f" * 63), products=["customer-events"], service_groups={},
                         other_prefixes={}) == []


def test_overlapping_prefixes_are_named_with_their_owners_in_order():
    problems = team_problems(team(consumer_group_prefix="bank"), products=["customer-events"],
                             service_groups={"bank-cdc": "the Connect cluster", "bank-a": "consumer service a"},
                             other_prefixes={"banking-": "risk", "ba": "ops"})
    assert problems == [
        ("consumer_group_prefix", '"bank" overlaps consumer group "bank-a" of consumer service a: the team could '
                                  "join it and take its partitions, or commit its offsets; choose a prefix no platform "
                                  "group starts with"),
        ("consumer_group_prefix", '"bank" overlaps consumer group "bank-cdc" of the Connect cluster: the team could '
                                  "join it and take its partitions, or commit its offsets; choose a prefix no platform "
                                  "group starts with"),
        ("consumer_group_prefix", '"bank" overlaps "ba" of data team ops; each team needs a prefix of its own'),
        ("consumer_group_prefix", '"bank" overlaps "banking-" of data team risk; each team needs a prefix of its own'),
    ]


def test_a_principal_that_is_not_one_cannot_give_its_account():
    with pytest.raises(ValueError, match='"fraud-ds" is not an IAM principal ARN'):
        principal_account("fraud-ds")
    assert principal_account("arn:aws-us-gov:iam::444444444444:root") == "444444444444"


def test_a_products_connector_keeps_the_sources_own_settings():
    from dataclasses import replace

    source = replace(SOURCE, extra_config={"max.batch.size": "4096"})
    spec = product(source=source).connector_spec()
    assert spec.extra_config == {"max.batch.size": "4096"} and spec.config()["max.batch.size"] == "4096"
    assert spec.extra_config is not source.extra_config  # a copy: the two connectors share no mutable mapping


def test_a_classified_column_is_lower_case_schema_table_column_of_a_captured_table():
    from kafka_platform.domain.data_products import classification_problems

    assert classification_problems(["public.customers"], {"public.customers.email": "pii"}) == []
    assert classification_problems(["public.customers"], {"Public.Customers.Email": "pii", "email": "pii",
                                                          "public.cards.pan": "pii"}) == [
        ("columns.Public.Customers.Email", '"Public.Customers.Email" is not schema.table.column in lower case; write '
                                           "e.g. public.customers.email"),
        ("columns.email", '"email" is not schema.table.column in lower case; write e.g. public.customers.email'),
        ("columns.public.cards.pan", '"public.cards.pan" is in table public.cards, which the connector does not '
                                     "capture; capture it in tables, or remove the column (tables: public.customers)")]
