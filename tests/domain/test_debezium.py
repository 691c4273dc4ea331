"""A connector's heartbeat table: in its publication, so that heartbeats move the stream; out of every topic."""

import pytest

from kafka_platform.domain.debezium import (Milliseconds, PostgresConnectorSpec, connector_problems, env_prefix)


def spec(**changes):
    values = dict(name="accounts-cdc", database_host="accounts-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com",
                  database_name="accounts", tables=("public.accounts",), topic_prefix="cdc.accounts",
                  slot_name="debezium_accounts", publication_name="dbz_accounts",
                  credentials_env_prefix=env_prefix("accounts-cdc"), heartbeat_table="public.debezium_heartbeat")
    values.update(changes)
    return PostgresConnectorSpec(**values)


def test_the_heartbeat_table_joins_the_publication_and_is_filtered_before_any_topic():
    config = spec().config()
    assert config["table.include.list"] == "public.accounts,public.debezium_heartbeat"
    assert config["heartbeat.action.query"] == ("INSERT INTO public.debezium_heartbeat (id, seen_at) VALUES (1, now()) "
                                                "ON CONFLICT (id) DO UPDATE SET seen_at = now()")
    assert config["transforms"] == "platformHeartbeat" and config["predicates"] == "platformHeartbeatTable"
    assert config["transforms.platformHeartbeat.type"] == "org.apache.kafka.connect.transforms.Filter"
    assert config["transforms.platformHeartbeat.predicate"] == "platformHeartbeatTable"
    assert config["predicates.platformHeartbeatTable.type"] == \
        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"
    # A Java regex of exactly the heartbeat table's topic: the dots escaped, nothing else matched.
    assert config["predicates.platformHeartbeatTable.pattern"] == r"cdc\.accounts\.public\.debezium_heartbeat"
    assert spec().watched and connector_problems(spec()) == []


def test_a_connectors_own_transforms_follow_the_platforms_and_its_own_query_is_kept():
    own = spec(extra_config={"transforms": "route", "transforms.route.type": "x", "predicates": "p"},
               heartbeat_action_query="UPDATE public.debezium_heartbeat SET seen_at = now()")
    config = own.config()
    assert config["transforms"] == "platformHeartbeat,route" and config["predicates"] == "platformHeartbeatTable,p"
    assert config["heartbeat.action.query"] == "UPDATE public.debezium_heartbeat SET seen_at = now()"
    assert spec(tables=("public.accounts", "public.debezium_heartbeat")).config()["table.include.list"] == \
        "public.accounts,public.debezium_heartbeat"  # named once


def test_without_a_heartbeat_table_nothing_changes_and_the_stream_is_not_watched():
    config = spec(heartbeat_table=None).config()
    assert config["table.include.list"] == "public.accounts"
    assert not any(key.startswith(("transforms", "predicates")) for key in config)
    assert "heartbeat.action.query" not in config
    assert not spec(heartbeat_table=None).watched and not spec(desired_state="paused").watched


def test_a_heartbeat_query_that_misses_the_heartbeat_table_is_refused():
    problems = dict(connector_problems(spec(heartbeat_action_query="SELECT 1")))
    assert "does not write the heartbeat table public.debezium_heartbeat" in problems["heartbeat_action_query"]


@pytest.mark.parametrize("changes,field,words", [
    ({"heartbeat_table": "Heartbeat"}, "heartbeat_table", "is not schema.table in lower case"),
    ({"stream_lag_alarm": Milliseconds(30_000)}, "stream_lag_alarm", "30 s is below the health monitor's one-minute"),
    ({"stream_lag_alarm": 300}, "stream_lag_alarm", "is not a Duration"),
    ({"extra_config": {"transforms.platformHeartbeat.type": "x"}}, "extra_config.transforms.platformHeartbeat.type",
     "is the platform's heartbeat filter"),
])
def test_bad_heartbeat_and_lag_settings_are_refused(changes, field, words):
    problems = dict(connector_problems(spec(**changes)))
    assert words in problems[field]
