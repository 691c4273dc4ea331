"""The local brokers run the server properties the MSK configuration declares, and those properties hold."""

from kafka_platform.domain.msk import effective_server_properties
from tests.runtime.kafka_clients import broker_config, produce, topics


def test_the_harness_starts_in_under_a_minute_once_the_jars_are_cached(runtime):
    assert runtime.started_in_seconds < 60


def test_every_declared_server_property_is_in_force(runtime):
    declared = effective_server_properties(runtime.environments["prod"].kafka.server_properties)
    actual = broker_config(runtime.kafka.bootstrap)
    assert {key: actual[key] for key in declared} == declared
    assert actual["compression.type"] == "zstd" and actual["min.insync.replicas"] == "2"


def test_topics_are_not_created_by_a_typo(runtime):
    error = produce(runtime.kafka.bootstrap, "loan-aplications", b"{}", **{"allow.auto.create.topics": True})
    assert error is not None
    assert "loan-aplications" not in topics(runtime.kafka.bootstrap)
