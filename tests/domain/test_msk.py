"""MSK's own rules as data: the server properties the bank renders, tiered storage and provisioned throughput limits,
and which overrides weaken durability (found by make mutate: only whole-template tests reached these)."""

import pytest

from kafka_platform.domain import msk


def test_the_bank_defaults_render_sorted_with_overrides_applied():
    merged = msk.effective_server_properties({"log.retention.hours": "720", "num.partitions": "6"})
    assert merged == dict(sorted({**msk.BANK_SERVER_PROPERTIES, "log.retention.hours": "720",
                                  "num.partitions": "6"}.items()))
    assert list(merged) == sorted(merged) and merged["compression.type"] == "zstd"
    assert msk.effective_server_properties() == dict(sorted(msk.BANK_SERVER_PROPERTIES.items()))
    assert msk.effective_server_properties(None) == msk.effective_server_properties({})


def test_server_properties_render_one_per_line():
    assert msk.render_server_properties({"a.b": "1", "c": "x y"}) == "a.b=1\nc=x y\n"
    assert msk.render_server_properties({}) == ""


def test_the_configuration_name_carries_the_version():
    assert msk.configuration_name("bank-streaming-prod", "3.9.x") == "bank-streaming-prod-3-9-x"
    assert msk.configuration_name("c", "4.0.x.kraft") == "c-4-0-x-kraft"


@pytest.mark.parametrize("version, problem", [("3.5.1", True), ("3.6.0", False), ("3.9.x", False),
                                              ("4.1.x.kraft", False), ("2.8.1", False)])
def test_tiered_storage_needs_kafka_3_6_of_the_known_versions(version, problem):
    """2.8.1 is not a version MSK offers: the version rule names it, not this one."""
    found = msk.tiered_storage_problem(version, "kafka.m7g.large")
    assert (found is not None) == problem
    if problem:
        assert found == (f'true is not supported with kafka_version "{version}"; tiered storage needs Kafka 3.6.0 or '
                         "later: raise kafka_version or set tiered_storage: false")


def test_tiered_storage_is_not_offered_on_t3_brokers():
    assert msk.tiered_storage_problem("3.9.x", "kafka.t3.small") == (
        "true is not supported on kafka.t3.small brokers; use kafka.m5.large or larger, or set tiered_storage: false")


@pytest.mark.parametrize("mibps, ok", [(249, False), (250, True), (1000, True), (1001, False)])
def test_provisioned_throughput_is_250_to_1000(mibps, ok):
    found = msk.provisioned_throughput_problem("kafka.m7g.2xlarge", mibps)
    assert found == (None if ok else f"{mibps} is outside MSK's range; use 250 to 1000 MiB/s")


def test_provisioned_throughput_needs_a_large_broker():
    assert msk.provisioned_throughput_problem("kafka.m7g.xlarge", 250) == (
        "250 cannot be provisioned on kafka.m7g.xlarge; provisioned storage throughput needs kafka.m5.4xlarge, "
        "kafka.m7g.2xlarge or larger: remove it or choose a larger instance type")


@pytest.mark.parametrize("key, value", [("num.partitions", "1"), ("min.insync.replicas", "two"),
                                        ("log.retention.hours", "-1"), ("log.retention.ms", "-1")])
def test_what_durability_does_not_judge_passes(key, value):
    assert msk.durability_problem(key, value) is None


def test_a_durability_floor_is_met_at_its_value_and_refused_below():
    assert msk.durability_problem("min.insync.replicas", "2") is None
    assert msk.durability_problem("min.insync.replicas", "1") == (
        '"1" would acknowledge writes held by a single broker; the bank requires 2 or more')


def test_a_typo_gets_one_suggestion_and_a_stranger_none():
    [(key, message)] = msk.server_properties_problems({"min.insync.replica": "2"})
    assert key == "min.insync.replica" and "(did you mean min.insync.replicas?)" in message
    [(_, message)] = msk.server_properties_problems({"zzzz": "2"})
    assert message.startswith('"zzzz" is not a property MSK lets you set; see the MSK')


def test_storage_expansion_bounds_each_side():
    assert msk.storage_expansion_problems(1000, 1001, 10) == []
    assert msk.storage_expansion_problems(1000, 16384, 80) == []
    assert msk.storage_expansion_problems(1000, 1000, 70) == [("max_volume_size_gib", (
        "1000 is not above broker_volume_size_gib 1000; storage never shrinks, so set a maximum larger than the "
        "starting size"))]
    assert msk.storage_expansion_problems(1000, 16385, 70) == [("max_volume_size_gib", (
        "16385 is above MSK's 16384 GiB per broker; use 16384 or less"))]
    for percent in (9, 81):
        assert msk.storage_expansion_problems(1000, 2000, percent) == [("target_utilization_percent", (
            f"{percent} is outside 10-80; MSK storage auto scaling accepts a target between 10 and 80 percent, 70 is "
            "a good start"))]


def test_partition_guidance_per_broker_size_and_a_default():
    assert msk.partitions_per_broker_limit("kafka.m7g.large") == msk._PARTITIONS_PER_BROKER["large"]
    assert msk.partitions_per_broker_limit("kafka.m5.huge") == 4000
    assert msk.partitions_per_broker_limit("custom") == 4000


def test_every_unknown_property_is_named():
    assert [key for key, _ in msk.server_properties_problems({"zzzz": "1", "yyyy": "2"})] == ["zzzz", "yyyy"]


def test_region_and_zone_messages():
    from kafka_platform.domain import aws

    assert aws.region_problem("eu-west-9") == '"eu-west-9" is not an AWS region; did you mean eu-west-3?'
    assert aws.region_problem("zz-nowhere-1") == '"zz-nowhere-1" is not an AWS region; use a region such as eu-west-2'
    assert aws.region_problem("Europe") == '"Europe" is not an AWS region name; use a name such as eu-west-2'
    assert aws.zone_problem("west", "eu-west-2") == '"west" is not an availability zone name; use a name such as ' \
                                                    "eu-west-2a"


@pytest.mark.parametrize("key, value, message", [
    ("unclean.leader.election.enable", "true", '"true" lets an out-of-sync replica become leader and lose '
                                               "acknowledged writes; keep false"),
    ("auto.create.topics.enable", "TRUE", '"TRUE" lets any client create topics by typo; keep false and declare topics '
                                          "under kafka.topics"),
    ("compression.type", "brotli", '"brotli" is not a Kafka compression type; use one of zstd, lz4, snappy, gzip, '
                                   "uncompressed, producer"),
    ("log.cleanup.policy", "compact", '"compact" as the cluster default would compact every topic; set cleanup_policy '
                                      "per topic instead"),
])
def test_each_weakening_override_in_full(key, value, message):
    assert msk.server_properties_problems({key: value}) == [(key, message)]


@pytest.mark.parametrize("key, value", [("unclean.leader.election.enable", "False"),
                                        ("auto.create.topics.enable", "FALSE"), ("compression.type", "lz4"),
                                        ("log.cleanup.policy", "delete")])
def test_the_safe_values_in_any_case_are_accepted(key, value):
    assert msk.server_properties_problems({key: value}) == []
