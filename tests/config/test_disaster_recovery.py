"""The standby a file's disaster_recovery describes: derived from the same file, checked before synthesis."""

from __future__ import annotations

import yaml

from kafka_platform.config import load_environment
from kafka_platform.config.model import AcknowledgedReplacement
from kafka_platform.config.standby import replicated_groups, replicated_topics, standby_environment
from kafka_platform.errors import ConfigurationError
from tests.conftest import ENVIRONMENTS_DIR

DR = {"region": "eu-west-1", "phase": "prepare", "availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
      "network": {"vpc_cidr": "10.11.0.0/16"}}


def _problems(tmp_path, name, change):
    data = yaml.safe_load((ENVIRONMENTS_DIR / f"{name}.yaml").read_text())
    change(data)
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(data))
    try:
        load_environment(tmp_path / f"{name}.yaml")
    except ConfigurationError as error:
        return [f"{p.field}: {p.message}" for p in error.problems]
    return []


def test_dev_is_refused_for_its_t3_brokers(tmp_path):
    problems = _problems(tmp_path, "dev", lambda d: d.update(disaster_recovery=DR))
    assert problems == [
        'kafka.broker_instance_type: "kafka.t3.small": MSK Replicator needs kafka.m5.large or larger (kafka.m7g.* '
        "too) on the primary cluster; t3 brokers are not supported",
        "kafka.multi_vpc_connectivity: is off, and MSK Replicator reaches the primary cluster from eu-west-1 only "
        "through multi-VPC private connectivity: set it to true and deploy that alone first (a rolling broker "
        "restart of 30 minutes or more), then phase prepare"]


def test_the_standby_is_the_same_file_in_the_dr_region(environments):
    prod = environments["prod"]
    standby = standby_environment(prod)
    assert (standby.name, standby.stage_name, standby.region) == ("prod-dr", "ProdDr", "eu-west-1")
    assert standby.account == prod.account and standby.availability_zones == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert standby.kafka.cluster_name == "bank-streaming-prod-dr"
    # The same topics and bank defaults; the primary's brokers unless the file says otherwise.
    assert standby.kafka.topics == prod.kafka.topics and standby.kafka.server_properties == prod.kafka.server_properties
    assert (standby.kafka.broker_instance_type, standby.kafka.broker_count) == ("kafka.m7g.xlarge", 6)
    # Before failover nothing consumes there, and nobody from another account connects.
    assert standby.consumers == [] and standby.connect is None and standby.data_teams == []
    assert standby.kafka.multi_vpc_connectivity is False and standby.disaster_recovery is None
    assert standby_environment(environments["dev"]) is None


def test_in_failover_the_services_and_connect_run_there_from_the_dr_regions_registry(environments):
    prod = environments["prod"]
    failover = prod.model_copy(update={"disaster_recovery": prod.disaster_recovery.model_copy(update={
        "phase": "failover", "standby": prod.disaster_recovery.standby.model_copy(update={"consumer_tasks": 3})})})
    standby = standby_environment(failover)
    assert [c.name for c in standby.consumers] == [c.name for c in prod.consumers]
    assert all(c.min_tasks == 3 for c in standby.consumers)
    assert all(".dkr.ecr.eu-west-1.amazonaws.com/" in c.image for c in standby.consumers)
    assert standby.connect.connectors == prod.connect.connectors
    assert standby.connect.min_workers == prod.connect.min_workers  # 0 standby workers: Connect's own minimum


def test_the_allow_lists_always_carry_connects_internal_topics_and_every_group(environments):
    prod = environments["prod"]
    topics = replicated_topics(prod)
    assert topics[:len(prod.kafka.topics)] == [t.name for t in prod.kafka.topics]
    assert topics[len(prod.kafka.topics):] == ["_connect-bank-cdc-prod-configs", "_connect-bank-cdc-prod-offsets",
                                               "_connect-bank-cdc-prod-status"]
    assert replicated_groups(prod) == sorted({c.consumer_group for c in prod.consumers}) + ["fraud-ds-*"]
    narrowed = prod.model_copy(update={"disaster_recovery": prod.disaster_recovery.model_copy(update={
        "topics": ["repayments"], "consumer_groups": ["repayments-processing"]})})
    assert replicated_topics(narrowed) == ["repayments", "_connect-bank-cdc-prod-configs",
                                           "_connect-bank-cdc-prod-offsets", "_connect-bank-cdc-prod-status"]
    assert replicated_groups(narrowed) == ["repayments-processing"]


def _with_dr(env, **update):
    standby = update.pop("standby", None)
    dr = env.disaster_recovery.model_copy(update=update)
    if standby:
        dr = dr.model_copy(update={"standby": dr.standby.model_copy(update=standby)})
    return env.model_copy(update={"disaster_recovery": dr})


def test_the_standby_brokers_follow_the_file_where_it_names_them(environments):
    prod = environments["prod"]
    standby = standby_environment(_with_dr(prod, broker_instance_type="kafka.m7g.large", broker_count=3,
                                           broker_volume_size_gib=500))
    assert (standby.kafka.broker_instance_type, standby.kafka.broker_count,
            standby.kafka.broker_volume_size_gib) == ("kafka.m7g.large", 3, 500)
    primary_only = AcknowledgedReplacement(stack="Kafka", logical_id="Cluster", reason="x" * 40)
    for_standby = AcknowledgedReplacement(stack="Kafka", logical_id="TopicA", reason="y" * 40, standby=True)
    same = standby_environment(prod.model_copy(update={
        "shares_account_with": ["staging"], "acknowledged_replacements": [primary_only, for_standby]}))
    assert same.kafka.broker_volume_size_gib == prod.kafka.broker_volume_size_gib == 2000
    assert same.network == prod.disaster_recovery.network and same.network != prod.network
    assert same.shares_account_with == []
    # The standby's stacks are acknowledged by the entries marked standby: true, and only those.
    assert same.acknowledged_replacements == [for_standby.model_copy(update={"standby": False})]
    assert prod.kafka.multi_vpc_connectivity is True  # the standby's False is set, not inherited


def test_in_failover_connect_runs_the_standby_workers_and_keeps_its_maximum(environments):
    prod = environments["prod"]
    standby = standby_environment(_with_dr(prod, phase="failover", standby={"connect_workers": 5}))
    assert standby.connect.min_workers == 5
    assert standby.connect.max_workers == max(5, prod.connect.max_workers)
    many = standby_environment(_with_dr(prod, phase="failover", standby={"connect_workers": 40}))
    assert (many.connect.min_workers, many.connect.max_workers) == (40, 40)
    assert [c.min_tasks for c in standby_environment(_with_dr(prod, phase="failover")).consumers] == \
        [c.min_tasks for c in prod.consumers]  # no standby count: each service's own minimum
    images = {c.name: c.image for c in prod.consumers}
    for consumer in standby.consumers:
        assert consumer.image == images[consumer.name].replace(".dkr.ecr.eu-west-2.", ".dkr.ecr.eu-west-1.")
    if prod.connect.image:
        assert standby.connect.image == prod.connect.image.replace(".dkr.ecr.eu-west-2.", ".dkr.ecr.eu-west-1.")


def test_before_failover_nothing_runs_in_the_standby_whatever_the_standby_counts(environments):
    standby = standby_environment(_with_dr(environments["prod"], phase="replicate",
                                           standby={"connect_workers": 5, "consumer_tasks": 2}))
    assert standby.consumers == [] and standby.connect is None


def test_only_the_primary_regions_ecr_images_move_to_the_standby_region():
    from kafka_platform.config.standby import in_region

    ecr = "111122223333.dkr.ecr.eu-west-2.amazonaws.com/loans:1.4"
    assert in_region(ecr, "eu-west-2", "eu-west-1") == "111122223333.dkr.ecr.eu-west-1.amazonaws.com/loans:1.4"
    other = "111122223333.dkr.ecr.us-east-1.amazonaws.com/loans:1.4"
    assert in_region(other, "eu-west-2", "eu-west-1") == other  # another region's registry: left as written
    assert in_region("public.ecr.aws/x/loans:1", "eu-west-2", "eu-west-1") == "public.ecr.aws/x/loans:1"
    tricky = "111122223333.dkr.ecr.eu-west-2.amazonaws.com/a.dkr.ecr.eu-west-2.b:1"
    assert in_region(tricky, "eu-west-2", "eu-west-1") == \
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/a.dkr.ecr.eu-west-2.b:1"  # the registry only
    assert in_region("1111.dkr.ecr.eu-west-2.amazonaws.com/x", "eu-west-2", "eu-west-1") == \
        "1111.dkr.ecr.eu-west-2.amazonaws.com/x"  # not a 12-digit account: not an ECR registry


def test_in_failover_connect_runs_its_own_image_from_the_dr_regions_registry(environments):
    prod = environments["prod"]
    image = "333333333333.dkr.ecr.eu-west-2.amazonaws.com/platform/connect:3.0.1"
    with_image = prod.model_copy(update={"connect": prod.connect.model_copy(update={"image": image})})
    standby = standby_environment(_with_dr(with_image, phase="failover"))
    assert standby.connect.image == "333333333333.dkr.ecr.eu-west-1.amazonaws.com/platform/connect:3.0.1"
    assert standby_environment(_with_dr(prod, phase="failover")).connect.image is None  # built from the package


def test_without_connect_only_the_declared_topics_are_replicated(environments):
    prod = environments["prod"]
    alone = prod.model_copy(update={"connect": None})
    assert replicated_topics(alone) == [t.name for t in prod.kafka.topics]
