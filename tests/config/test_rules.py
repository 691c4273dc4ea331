"""The cross-field rules on a parsed environment, called directly on a minimal environment: each rule on both sides
of its bound, with its message in full (found by make mutate: the bad-file battery holds one case per rule, rarely
its bound)."""

import pytest

from kafka_platform.config.model import Environment
from kafka_platform.config.rules import environment_problems

MINIMAL = {
    "name": "dev", "account": "111111111111", "region": "eu-west-2",
    "availability_zones": ["eu-west-2a", "eu-west-2b", "eu-west-2c"],
    "network": {"vpc_cidr": "10.10.0.0/16"},
    "kafka": {"cluster_name": "bank-dev", "kafka_version": "4.1.x.kraft", "broker_instance_type": "kafka.m7g.large",
              "broker_count": 3, "broker_volume_size_gib": 100},
}
EXISTING = {"vpc_id": "vpc-0abc1234", "vpc_cidr": "10.20.0.0/16",
            "private_subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"],
            "private_subnet_route_table_ids": ["rtb-1", "rtb-2", "rtb-3"],
            "endpoints_security_group_id": "sg-0abc1234"}


def problems(stem="dev", **changes):
    data = {**MINIMAL, **changes}
    return environment_problems(Environment.model_validate(data), stem)


def test_the_minimal_environment_has_no_problem():
    assert problems() == []


def test_the_name_follows_the_file_and_the_rule():
    assert problems(stem="prod") == [("name", '"dev" does not match the file name; rename the file to dev.yaml or set '
                                              "name: prod")]
    rule = ("is not an environment name; use 2-16 lower-case letters and digits, starting with a letter, such as prod "
            "or collectionsdev (no hyphen: a standby is named <name>-dr, and each name becomes a stage, Prod, and part "
            "of every resource name)")
    for name in ("d", "dev-1", "Dev", "1dev", "a" * 17):
        assert ("name", f'"{name}" {rule}') in problems(stem=name, name=name), name
    for name in ("de", "a" * 16, "collections2"):
        assert problems(stem=name, name=name) == [], name


@pytest.mark.parametrize("tags, expected", [
    ({"k" * 128: "v" * 256}, []),
    ({"k" * 129: "v"}, [(f"tags.{'k' * 129}", '"v" is not a valid tag; keys take 1-128 characters, values up to 256')]),
    ({"k": "v" * 257}, [("tags.k", f'"{"v" * 257}" is not a valid tag; keys take 1-128 characters, values up to 256')]),
    ({"": "v"}, [("tags.", '"v" is not a valid tag; keys take 1-128 characters, values up to 256')]),
    ({"AWS:team": "x"}, [("tags.AWS:team", '"AWS:team" starts with aws:, which AWS reserves (CloudFormation refuses it '
                                           "on every resource); choose another key")]),
    ({"environment": "x"}, [("tags.environment", '"environment" is the platform\'s own tag (environment: dev); it '
                                                 "cannot be replaced, choose another key")]),
    ({"managed-by": "x"}, [("tags.managed-by", '"managed-by" is the platform\'s own tag (managed-by: kafka-platform); '
                                               "it cannot be replaced, choose another key")]),
    ({"team": "a;b"}, [("tags.team", '"team": "a;b" has a character tags do not take; use letters, digits, spaces and '
                                     "_ . : / = + - @")]),
    ({"te#am": "ab"}, [("tags.te#am", '"te#am": "ab" has a character tags do not take; use letters, digits, spaces '
                                      "and _ . : / = + - @")]),
    ({"cost centre": "a_b.c:d/e=f+g-h@i"}, []),
])
def test_tags(tags, expected):
    assert problems(tags=tags) == expected


def test_a_resource_takes_fifty_tags_with_the_platforms_two():
    assert problems(tags={f"t{i}": "x" for i in range(48)}) == []
    assert problems(tags={f"t{i}": "x" for i in range(49)}) == [
        ("tags", "has 49 tags, and with the platform's 2 that is more than the 50 a resource takes; keep 48 or fewer")]


def test_alarm_addresses_are_addresses_listed_once_in_any_case():
    assert problems(alarms={"email_subscriptions": ["ops@bank.example", "risk@bank.example"]}) == []
    assert problems(alarms={"email_subscriptions": ["ops@bank.example", "ops", "OPS@bank.example", "a b@c.d"]}) == [
        ("alarms.email_subscriptions[1]", '"ops" is not an e-mail address (SNS refuses it at deploy); write it as '
                                          "name@example.com"),
        ("alarms.email_subscriptions[2]", '"OPS@bank.example" is listed twice; list each address once'),
        ("alarms.email_subscriptions[3]", '"a b@c.d" is not an e-mail address (SNS refuses it at deploy); write it as '
                                          "name@example.com")]


def test_a_replacement_is_acknowledged_in_forty_characters_or_more():
    def acknowledged(reason):
        return problems(acknowledged_replacements=[{"stack": "Kafka", "logical_id": "Cluster", "reason": reason}])

    assert acknowledged("x" * 40) == [] and acknowledged("  " + "x" * 40 + "  ") == []
    assert acknowledged(" " + "x" * 39 + " ") == [("acknowledged_replacements[0].reason", (
        f'" {"x" * 39} " is too short to justify replacing Kafka/Cluster, which loses its data; say in 40 characters '
        "or more why that is intended"))]


@pytest.mark.parametrize("zones, expected", [
    (["eu-west-2a", "eu-west-2b"], []),
    (["eu-west-2a"], [("availability_zones", '["eu-west-2a"] lists 1 zones; MSK needs 2 or 3 zones, and a bank in '
                                             "production wants 3")]),
    (["eu-west-2a", "eu-west-2a"], [("availability_zones", '["eu-west-2a", "eu-west-2a"] repeats a zone; list each '
                                                           "zone once")]),
])
def test_two_or_three_distinct_zones(zones, expected):
    found = [p for p in problems(availability_zones=zones, network={"vpc_cidr": "10.10.0.0/16"},
                                 kafka={**MINIMAL["kafka"], "broker_count": 2 * len(set(zones)) or 2})
             if p[0].startswith("availability_zones")]
    assert found == expected


def test_four_zones_are_refused():
    found = [p for p in problems(availability_zones=["eu-west-2a", "eu-west-2b", "eu-west-2c", "eu-west-2d"])
             if p[0] == "availability_zones"]
    assert found == [("availability_zones", '["eu-west-2a", "eu-west-2b", "eu-west-2c", "eu-west-2d"] lists 4 zones; '
                                            "MSK needs 2 or 3 zones, and a bank in production wants 3")]


def test_a_zone_of_another_region_is_named_by_its_index():
    found = problems(availability_zones=["eu-west-2a", "eu-west-1b", "eu-west-2c"])
    assert [field for field, _ in found] == ["availability_zones[1]"]


@pytest.mark.parametrize("cidr, message", [
    ("10.10.0.0/16", None), ("10.10.0.0/22", None), ("172.16.0.0/16", None), ("192.168.0.0/20", None),
    ("10.0.0.0/15", '"10.0.0.0/15" has a /15 prefix; use /16 to /22 so every zone gets room for tasks'),
    ("10.10.0.0/23", '"10.10.0.0/23" has a /23 prefix; use /16 to /22 so every zone gets room for tasks'),
    ("8.8.0.0/16", '"8.8.0.0/16" is not a private range; use a range inside 10.0.0.0/8, 172.16.0.0/12 or '
                   "192.168.0.0/16"),
    ("10.10.0.0", '"10.10.0.0" has a /32 prefix; use /16 to /22 so every zone gets room for tasks'),
    ("10.10.0.1/16", '"10.10.0.1/16" is not an IPv4 range; use a form such as 10.30.0.0/16'),
    ("ten", '"ten" is not an IPv4 range; use a form such as 10.30.0.0/16'),
])
def test_a_new_vpcs_range(cidr, message):
    assert problems(network={"vpc_cidr": cidr}) == ([] if message is None else [("network.vpc_cidr", message)])


def test_a_new_vpc_needs_a_range_and_one_to_three_nat_gateways():
    assert problems(network={}) == [("network.vpc_cidr", "is missing; give the new VPC a range such as 10.30.0.0/16, "
                                                         "or set existing_vpc")]
    assert problems(network={"vpc_cidr": "10.10.0.0/16", "nat_gateways": 3}) == []
    assert problems(network={"vpc_cidr": "10.10.0.0/16", "nat_gateways": 0}) == [("network.nat_gateways", (
        "0 cannot build the platform's private subnets (subnets with egress route through a NAT gateway); use 1 or "
        "more. Workloads still reach only the VPC endpoints unless internet_egress_reason is set"))]
    assert problems(network={"vpc_cidr": "10.10.0.0/16", "nat_gateways": 4}) == [("network.nat_gateways", (
        "4 is more than the 3 availability zones; use at most one per zone"))]


def test_internet_egress_is_explained_in_four_words_or_more():
    assert problems(network={"vpc_cidr": "10.10.0.0/16", "internet_egress_reason": "vendor API needs it"}) == []
    assert problems(network={"vpc_cidr": "10.10.0.0/16", "internet_egress_reason": "vendor API access"}) == [
        ("network.internet_egress_reason", '"vendor API access" does not say why; write who needs the internet and for '
                                           "what (a reviewer reads it), or remove it so that workloads reach only "
                                           "AWS's VPC endpoints")]


def test_flow_log_retention_is_one_cloudwatch_offers():
    assert [f for f, _ in problems(network={"vpc_cidr": "10.10.0.0/16", "flow_logs_retention_days": 2})] == [
        "network.flow_logs_retention_days"]


def test_an_existing_vpc_is_taken_as_given():
    assert problems(network={"existing_vpc": EXISTING}) == []
    assert problems(network={"existing_vpc": {**EXISTING, "endpoints_security_group_id": None},
                             "internet_egress_reason": "vendor API needs it always"}) == []


def test_an_existing_vpcs_ids_and_counts_are_checked():
    existing = {**EXISTING, "vpc_id": "vpc-1", "vpc_cidr": "8.8.0.0/16", "endpoints_security_group_id": "sg-xyz",
                "private_subnet_ids": ["subnet-0aaa1111", "subnet-x"], "private_subnet_route_table_ids": ["rtb-1"]}
    assert problems(network={"existing_vpc": existing, "vpc_cidr": "10.10.0.0/16"}) == [
        ("network.existing_vpc.endpoints_security_group_id", '"sg-xyz" is not a security group id; use the form '
                                                              "sg-0abc1234"),
        ("network.vpc_cidr", '"10.10.0.0/16" conflicts with existing_vpc; set one of vpc_cidr (a new VPC) or '
                             "existing_vpc (an imported one)"),
        ("network.existing_vpc.vpc_id", '"vpc-1" is not a VPC id; use the form vpc-0abc1234'),
        ("network.existing_vpc.vpc_cidr", '"8.8.0.0/16" is not a private range; use a range inside 10.0.0.0/8, '
                                          "172.16.0.0/12 or 192.168.0.0/16"),
        ("network.existing_vpc.private_subnet_ids", '["subnet-0aaa1111", "subnet-x"] has 2 entries for 3 availability '
                                                    "zones; give one per zone, in the order of availability_zones"),
        ("network.existing_vpc.private_subnet_route_table_ids", '["rtb-1"] has 1 entries for 3 availability zones; '
                                                                "give one per zone, in the order of "
                                                                "availability_zones"),
        ("network.existing_vpc.private_subnet_ids[1]", '"subnet-x" is not a subnet id; use the form subnet-0abc1234'),
    ]


def test_an_existing_vpc_without_egress_names_its_endpoints_group():
    assert problems(network={"existing_vpc": {**EXISTING, "endpoints_security_group_id": None}}) == [
        ("network.existing_vpc.endpoints_security_group_id", (
            "is missing; name the security group of the VPC's interface endpoints (its owner runs them, with S3's "
            "gateway endpoint) so that workloads reach AWS APIs through them, or set network.internet_egress_reason"))]


@pytest.mark.parametrize("ids", [("vpc-0123456789abcdef0", "sg-0123456789abcdef0", "subnet-0123456789abcdef0"),
                                 ("vpc-01234567", "sg-01234567", "subnet-01234567")])
def test_ids_of_8_to_17_hex_digits_are_accepted(ids):
    vpc, sg, subnet = ids
    existing = {**EXISTING, "vpc_id": vpc, "endpoints_security_group_id": sg,
                "private_subnet_ids": [subnet, subnet.replace("0", "1", 1), subnet.replace("0", "2", 1)]}
    assert problems(network={"existing_vpc": existing}) == []


# ---- Kafka Connect ------------------------------------------------------------------------------------------------
def connect_problems(**connect):
    found = problems(connect={"name": "bank-cdc", **connect})
    return [p for p in found if p[0].startswith("connect.")]


def test_a_default_connect_cluster_has_no_problem():
    assert connect_problems() == []


@pytest.mark.parametrize("settings, expected", [
    ({"min_workers": 1, "max_workers": 1}, []),
    ({"min_workers": 0}, [("connect.min_workers", "0 is not between 1 and max_workers 4; a Connect cluster needs at "
                                                  "least one worker")]),
    ({"min_workers": 5}, [("connect.min_workers", "5 is not between 1 and max_workers 4; a Connect cluster needs at "
                                                  "least one worker")]),
    ({"cpu_target_percent": 10}, []), ({"cpu_target_percent": 90}, []),
    ({"cpu_target_percent": 9}, [("connect.cpu_target_percent", "9 is outside 10-90; 60 is a good start")]),
    ({"cpu_target_percent": 91}, [("connect.cpu_target_percent", "91 is outside 10-90; 60 is a good start")]),
    ({"stream_lag_alarm_seconds": 60}, []),
    ({"stream_lag_alarm_seconds": 59}, [("connect.stream_lag_alarm_seconds", "59 s is below the health monitor's "
                                                                             "one-minute period; use 60 seconds or "
                                                                             "more (default 300)")]),
    ({"reconcile_timeout_seconds": 60}, []), ({"reconcile_timeout_seconds": 840}, []),
    ({"reconcile_timeout_seconds": 59}, [("connect.reconcile_timeout_seconds", "59 is outside 60-840: the reconciler "
                                                                               "is a Lambda function (15 minutes at "
                                                                               "most)")]),
    ({"reconcile_timeout_seconds": 841}, [("connect.reconcile_timeout_seconds", "841 is outside 60-840: the "
                                                                                "reconciler is a Lambda function (15 "
                                                                                "minutes at most)")]),
    ({"cpu": 2048, "memory_mib": 2048}, [("connect.memory_mib", "2048 does not fit cpu 2048; Fargate offers 4096 to "
                                                                "16384 MiB in steps of 1024")]),
    ({"image": "debezium/connect"}, [("connect.image", '"debezium/connect" is not a pinned image reference; use '
                                                       "registry/repository:version or registry/repository@sha256:"
                                                       "<digest>, e.g. 333333333333.dkr.ecr.eu-west-2.amazonaws.com/"
                                                       "app:1.4.2")]),
    ({"image": "quay.io/debezium/connect:3.0"}, [("connect.image", '"quay.io/debezium/connect:3.0" is pulled from '
                                                                   "quay.io, which the VPC's endpoints do not reach "
                                                                   "(tasks have no internet); copy it to ECR in "
                                                                   "eu-west-2 (<account>.dkr.ecr.eu-west-2.amazonaws"
                                                                   ".com/<repository>:<version>), or set "
                                                                   "network.internet_egress_reason")]),
    ({"image": "111111111111.dkr.ecr.eu-west-2.amazonaws.com/connect:3.0"}, []),
])
def test_connect_bounds(settings, expected):
    assert connect_problems(**settings) == expected


def test_an_image_from_the_internet_is_fine_with_egress():
    found = problems(connect={"name": "bank-cdc", "image": "quay.io/debezium/connect:3.0"},
                     network={"vpc_cidr": "10.10.0.0/16", "internet_egress_reason": "pulls the vendor's images"})
    assert found == []


def test_the_connect_clusters_name_is_a_group_id():
    [(field, _)] = connect_problems(name="Bank CDC")
    assert field == "connect.name"


# ---- data products and data teams ---------------------------------------------------------------------------------
CONNECTOR = {"name": "customers-cdc", "tables": ["public.customers"], "topic_prefix": "cdc.customers",
             "slot_name": "debezium_customers", "publication_name": "dbz_customers",
             "database": {"hostname": "customers-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com", "name": "customers",
                          "credentials_secret_arn": "arn:aws:secretsmanager:eu-west-2:111111111111:secret:c-AbCdEf"},
             "columns": {"public.customers.email": "pii"}}
PRODUCT = {"name": "customer-events", "connector": "customers-cdc", "tables": ["public.customers"],
           "columns": {"public.customers.email": "hash"}}
TEAM = {"name": "fraud", "principals": ["arn:aws:iam::111111111111:role/fraud"], "data_products": ["customer-events"],
        "consumer_group_prefix": "fraud-ds-"}


def with_products(products, teams=(), **kafka):
    return problems(connect={"name": "bank-cdc", "connectors": [CONNECTOR], "data_products": list(products)},
                    data_teams=list(teams), kafka={**MINIMAL["kafka"], **kafka})


def test_a_product_and_a_team_of_this_account_have_no_problem():
    assert with_products([PRODUCT], [TEAM]) == []


def test_a_product_is_declared_once_on_a_known_connector():
    assert with_products([PRODUCT, PRODUCT]) == [
        ("connect.data_products[customer-events].name", '"product-customer-events" is already used by connector '
                                                         "product-customer-events; each connector needs its own name"),
        ("connect.data_products[customer-events].name", '"product_customer_events" is already used by connector '
                                                         "product-customer-events; each connector needs its own slot "
                                                         "name"),
        ("connect.data_products[customer-events].name", '"products.customer-events" is already used by connector '
                                                         "product-customer-events; each connector needs its own topic "
                                                         "prefix"),
        ("connect.data_products[customer-events].name", '"customer-events" is declared twice; give each data product '
                                                         "its own name")]
    assert with_products([{**PRODUCT, "connector": "customer-cdc"}]) == [
        ("connect.data_products[customer-events].connector", '"customer-cdc" is not a connector of this Connect '
                                                              "cluster; did you mean customers-cdc?")]
    assert with_products([{**PRODUCT, "connector": "zzz"}]) == [
        ("connect.data_products[customer-events].connector", '"zzz" is not a connector of this Connect cluster; name '
                                                              "one of connect.connectors")]


def test_a_product_rule_is_reported_under_the_product():
    assert with_products([{**PRODUCT, "tables": ["public.cards"], "columns": {}}]) == [
        ("connect.data_products[customer-events].tables", '"public.cards" is not a table of connector customers-cdc '
                                                          "(it captures public.customers); use one of those, or capture "
                                                          "it there")]


def test_a_team_is_declared_once_with_a_team_name():
    assert with_products([PRODUCT], [TEAM, {**TEAM, "consumer_group_prefix": "fraud-ds-2-"}]) == [
        ("data_teams[fraud].name", '"fraud" is declared twice; give each data team its own name'),
        ("data_teams[fraud].consumer_group_prefix", '"fraud-ds-2-" overlaps "fraud-ds-" of data team fraud; each team '
                                                    "needs a prefix of its own")]
    [(field, _)] = with_products([PRODUCT], [{**TEAM, "name": "Fraud"}])
    assert field == "data_teams[Fraud].name"


def test_a_teams_group_prefix_may_not_reach_the_connect_clusters_group():
    [(field, message)] = with_products([PRODUCT], [{**TEAM, "consumer_group_prefix": "bank-"}])
    assert field == "data_teams[fraud].consumer_group_prefix" and 'consumer group "bank-cdc" of the Connect cluster' \
        in message


def test_a_team_in_another_account_needs_multi_vpc_connectivity():
    outside = {**TEAM, "principals": ["arn:aws:iam::444444444444:role/fraud", "arn:aws:iam::555555555555:root",
                                      "arn:aws:iam::111111111111:role/local"]}
    assert with_products([PRODUCT], [outside]) == [("data_teams[fraud].principals", (
        "account 444444444444, 555555555555 is not this environment's (111111111111): its clients reach the cluster "
        "only through multi-VPC private connectivity; set kafka.multi_vpc_connectivity: true, in a deployment of its "
        "own once the cluster exists (see docs/guides/add-a-data-team.md)"))]
    assert with_products([PRODUCT], [outside], multi_vpc_connectivity=True) == []


def test_a_team_without_connect_has_no_product_to_read():
    found = problems(data_teams=[TEAM])
    assert found == [("data_teams[fraud].data_products", '"customer-events" is not a data product of this environment; '
                                                          "use one of none (declare one first)")]


# ---- disaster recovery --------------------------------------------------------------------------------------------
PRIMARY_KAFKA = {**MINIMAL["kafka"], "multi_vpc_connectivity": True}
DR = {"region": "eu-west-1", "phase": "replicate", "availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
      "network": {"vpc_cidr": "10.11.0.0/16"}}


def dr_problems(kafka=None, **dr):
    return problems(kafka={**PRIMARY_KAFKA, **(kafka or {})}, disaster_recovery={**DR, **dr})


def test_a_sound_standby_has_no_problem():
    assert dr_problems() == []
    assert dr_problems(phase="failover", standby={"consumer_tasks": 2, "connect_workers": 2}) == []


def test_the_phase_must_be_given_and_each_phase_needs_multi_vpc_connectivity():
    missing = ("is missing; start with prepare (the primary admits MSK Replicator, the standby cluster is built), then "
               "replicate, and failover only when the primary region is lost (docs/operations/disaster-recovery.md)")
    assert dr_problems(phase=None) == [("disaster_recovery.phase", missing)]
    assert dr_problems(phase=None, kafka={"multi_vpc_connectivity": False}) == [("disaster_recovery.phase", missing)]
    for phase in ("prepare", "replicate", "failover"):
        assert dr_problems(phase=phase, kafka={"multi_vpc_connectivity": False}) == [("kafka.multi_vpc_connectivity", (
            "is off, and MSK Replicator reaches the primary cluster from eu-west-1 only through multi-VPC private "
            "connectivity: set it to true and deploy that alone first (a rolling broker restart of 30 minutes or "
            f"more), then phase {phase}"))]


def test_a_primary_wrong_for_its_own_rules_is_reported_once():
    found = dr_problems(kafka={"broker_instance_type": "kafka.t3.small"})
    assert [field for field, _ in found] == ["kafka.broker_instance_type"]
    assert found[0][1].startswith('"kafka.t3.small": MSK Replicator needs kafka.m5.large or larger')


def test_a_standby_broker_setting_of_its_own_is_judged_there():
    assert dr_problems(broker_instance_type="kafka.t3.small") == [("disaster_recovery.broker_instance_type", (
        '"kafka.t3.small": MSK Replicator needs kafka.m5.large or larger (kafka.m7g.* too) on the standby cluster; t3 '
        "brokers are not supported"))]
    # Wrong for the cluster rules too: reported once, by them.
    assert dr_problems(broker_instance_type="kafka.m5.huge") == [("disaster_recovery.broker_instance_type", (
        '"kafka.m5.huge" is not an MSK standard broker type; use kafka.t3.small, kafka.m5.<size> or '
        "kafka.m7g.<size>, for example kafka.m7g.large"))]


def test_a_standby_over_two_zones_needs_four_brokers():
    two = {"availability_zones": ["eu-west-1a", "eu-west-1b"], "broker_count": 2}
    assert dr_problems(**two) == [("disaster_recovery.broker_count", (
        "2: MSK Replicator needs at least 4 brokers on the standby cluster (4 over two zones)"))]
    assert dr_problems(**{**two, "broker_count": 4}) == []


def test_the_standby_region_is_another_known_region():
    assert dr_problems(region="eu-west-2") == [("disaster_recovery.region", (
        '"eu-west-2" is the primary region; disaster recovery needs another region, such as eu-west-1'))]
    [(field, message)] = dr_problems(region="eu-west-9")
    assert field == "disaster_recovery.region" and message.startswith('"eu-west-9" is not an AWS region')


def test_the_allow_lists_name_what_is_declared():
    groups = "none declared"
    assert dr_problems(topics=[], consumer_groups=["payments"]) == [("disaster_recovery.consumer_groups[0]", (
        f'"payments" is neither a service\'s consumer group nor a data team\'s prefix (prefix*); use one of {groups}'))]
    found = problems(kafka={**PRIMARY_KAFKA, "topics": [{"name": "loans", "partitions": 6}]},
                     disaster_recovery={**DR, "topics": ["loans", "loan"]})
    assert found == [("disaster_recovery.topics[1]", '"loan" is not a declared topic; replicate declared topics only '
                                                     "(Connect's internal topics are always replicated)")]


@pytest.mark.parametrize("field", ["consumer_tasks", "connect_workers"])
def test_nothing_runs_in_the_standby_before_failover(field):
    for phase in ("prepare", "replicate"):
        assert dr_problems(phase=phase, standby={field: 1}) == [(f"disaster_recovery.standby.{field}", (
            "1 would run in eu-west-1 while the primary runs: standby consumers process the replicated records a "
            "second time (and MSK Replicator stops synchronising a group's offsets while it has an active member), "
            "and standby Connect workers start the replicated connectors against the same replication slots; keep 0 "
            "until phase failover"))]


def test_a_file_named_otherwise_is_the_first_problem():
    found = problems(stem="prod", tags={"environment": "x"})
    assert [field for field, _ in found] == ["name", "tags.environment"]


def test_service_names_and_their_duplicates_are_named():
    consumer = {"name": "loans", "image": "111111111111.dkr.ecr.eu-west-2.amazonaws.com/loans:1.0",
                "consumer_group": "loans", "topics": ["loans"], "task_throughput_messages_per_second": 40,
                "max_delay_seconds": 180}
    kafka = {**MINIMAL["kafka"], "topics": [{"name": "loans", "partitions": 6}]}
    assert problems(kafka=kafka, consumers=[consumer]) == []
    found = problems(kafka=kafka, consumers=[{**consumer, "name": "Loans"}, {**consumer, "consumer_group": "b"},
                                             {**consumer, "consumer_group": "c"}])
    assert found == [
        ("consumers[Loans].name", '"Loans" is not a service name; use 2-40 lower-case letters, digits and hyphens, '
                                  "starting with a letter"),
        ("consumers[loans].name", '"loans" is declared twice; give each consumer one entry')]


def test_partition_replicas_up_to_the_brokers_guidance_are_accepted():
    limit = 3 * 1000  # three kafka.m7g.large brokers
    at = {**MINIMAL["kafka"], "topics": [{"name": "t", "partitions": limit // 3}]}
    assert problems(kafka=at) == []
    over = {**MINIMAL["kafka"], "topics": [{"name": "t", "partitions": limit // 3 + 1}]}
    assert problems(kafka=over) == [("kafka.topics", "3003 partition replicas exceed the 3000 that 3 kafka.m7g.large "
                                                     "brokers carry; add brokers, use a larger type or fewer "
                                                     "partitions")]


def test_connect_log_retention_and_connector_checks_that_need_the_cluster():
    [(field, _)] = connect_problems(log_retention_days=2)
    assert field == "connect.log_retention_days"
    above = {**CONNECTOR, "topic_creation": {"replication_factor": 4}}
    assert connect_problems(connectors=[above]) == [("connect.connectors[customers-cdc].topic_creation."
                                                     "replication_factor", "4 is above the 3 brokers")]


def test_a_connectors_credentials_key_is_a_kms_key_arn():
    good = {**CONNECTOR, "database": {**CONNECTOR["database"],
                                      "credentials_kms_key_arn": "arn:aws:kms:eu-west-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}
    assert connect_problems(connectors=[good]) == []
    bad = {**CONNECTOR, "database": {**CONNECTOR["database"], "credentials_kms_key_arn": "alias/db"}}
    [(field, message)] = connect_problems(connectors=[bad])
    assert field == "connect.connectors[customers-cdc].database.credentials_kms_key_arn" and '"alias/db"' in message


def many_connectors(count, prefix_length=0):
    pad = "p" * prefix_length
    return [{**CONNECTOR, "name": f"c{i:03d}-cdc", "slot_name": f"slot_{i:03d}", "publication_name": f"pub_{i:03d}",
             "topic_prefix": f"cdc.c{i:03d}{pad}", "columns": {}} for i in range(count)]


BIG_WORKERS = {"cpu": 4096, "memory_mib": 30720, "min_workers": 40, "max_workers": 40}


def test_a_connect_stack_holds_100_connectors():
    assert connect_problems(connectors=many_connectors(100), **BIG_WORKERS) == []
    stack = ("need up to 4 resources each in the Connect stack (the connector, its two stream alarms, its database's "
             "slot-lag alarm); CloudFormation takes 500 a stack, so it holds at most 100: move some connectors to "
             "another Connect cluster")
    assert connect_problems(connectors=many_connectors(101), **BIG_WORKERS) == [
        ("connect.connectors", f"101 connectors {stack}")]
    product = {**PRODUCT, "connector": "c000-cdc", "columns": {}}
    assert connect_problems(connectors=many_connectors(100), data_products=[product], **BIG_WORKERS) == [
        ("connect.connectors", f"100 connectors and 1 data products {stack}")]


def test_the_workers_grants_must_fit_ten_managed_policies():
    from kafka_platform.domain.connect_worker import ConnectWorkerSettings, worker_grant_chars

    connectors = many_connectors(90, prefix_length=200)
    found = connect_problems(connectors=connectors, **BIG_WORKERS)
    env = Environment.model_validate({**MINIMAL, "connect": {"name": "bank-cdc", "connectors": connectors,
                                                             **BIG_WORKERS}})
    grants = worker_grant_chars(ConnectWorkerSettings(group_id="bank-cdc"), env.connect.connector_specs(),
                                region="eu-west-2", account="111111111111", cluster_name="bank-dev")
    needed = -(-grants // 5_844)
    assert needed > 10 and found == [("connect.connectors", (
        f"90 connectors need about {needed} managed policies of 6,144 characters on the workers' role ({grants:,} "
        "characters of grants), and IAM attaches at most 10; move some connectors to another Connect cluster"))]


SERVICE = {"name": "loans", "image": "111111111111.dkr.ecr.eu-west-2.amazonaws.com/loans:1.0",
           "consumer_group": "loans", "topics": ["loans"], "task_throughput_messages_per_second": 40,
           "max_delay_seconds": 180}
LOANS = {**MINIMAL["kafka"], "topics": [{"name": "loans", "partitions": 6}]}


def test_a_service_on_an_undeclared_topic_does_not_stop_the_others_being_judged():
    found = problems(kafka=LOANS, consumers=[{**SERVICE, "topics": ["nope"]},
                                             {**SERVICE, "name": "bb", "consumer_group": "bb", "max_delay_seconds": 59}])
    assert [field for field, _ in found] == ["consumers[loans].topics", "consumers[bb].max_delay_seconds"]


@pytest.mark.parametrize("monitoring", ["DEFAULT", "PER_BROKER"])
def test_rate_based_scaling_and_wake_up_need_per_topic_metrics(monitoring):
    kafka = {**LOANS, "enhanced_monitoring": monitoring}
    needed = {**SERVICE, "scaling_mode": "needed_tasks"}
    assert problems(kafka=kafka, consumers=[needed]) == [("consumers[loans].scaling_mode", (
        "needed_tasks reads each topic's incoming rate from per-topic broker metrics, but kafka.enhanced_monitoring is "
        f"{monitoring}; use PER_TOPIC_PER_BROKER, or scaling_mode steps"))]
    waking = {**SERVICE, "min_tasks": 0, "wake_up_on_produce": True}
    assert problems(kafka=kafka, consumers=[waking]) == [("consumers[loans].wake_up_on_produce", (
        f"needs per-topic broker metrics, but kafka.enhanced_monitoring is {monitoring}; use PER_TOPIC_PER_BROKER"))]
    assert problems(kafka={**LOANS, "enhanced_monitoring": "PER_TOPIC_PER_PARTITION"}, consumers=[needed, {
        **waking, "name": "ww", "consumer_group": "ww"}]) == []


def test_a_primary_over_two_zones_needs_four_brokers_for_replicator():
    two = {"availability_zones": ["eu-west-2a", "eu-west-2b"], "network": {"vpc_cidr": "10.10.0.0/16"}}
    found = problems(kafka={**PRIMARY_KAFKA, "broker_count": 2}, disaster_recovery=DR, **two)
    assert found == [("kafka.broker_count", "2: MSK Replicator needs at least 4 brokers on the primary cluster (4 over "
                                            "two zones)")]


def test_a_standby_type_of_its_own_is_judged_even_when_the_primarys_is_wrong():
    found = dr_problems(kafka={"broker_instance_type": "kafka.m5.huge"}, broker_instance_type="kafka.m7g.huge")
    assert [field for field, _ in found] == ["kafka.broker_instance_type", "disaster_recovery.broker_instance_type"]
    assert found[1][1].startswith('"kafka.m7g.huge" is not an MSK standard broker type')  # the standby's own rule


def test_every_product_is_judged_past_one_on_an_unknown_connector():
    found = with_products([{**PRODUCT, "connector": "zzz"}, {**PRODUCT, "name": "other-events", "tables": ["x.y"],
                                                             "columns": {}}])
    assert [field for field, _ in found] == ["connect.data_products[customer-events].connector",
                                             "connect.data_products[other-events].tables"]


def test_a_standby_type_of_its_own_is_judged_by_replicator_beside_a_wrong_primary():
    found = dr_problems(kafka={"broker_instance_type": "kafka.t3.small"}, broker_instance_type="kafka.t3.small")
    assert [field for field, _ in found] == ["kafka.broker_instance_type", "disaster_recovery.broker_instance_type"]
    assert found[1][1].endswith("on the standby cluster; t3 brokers are not supported")


def test_a_wrong_primary_version_is_reported_once():
    found = dr_problems(kafka={"kafka_version": "2.6.2"})
    assert [field for field, _ in found] == ["kafka.kafka_version"]


def test_the_group_allow_list_takes_service_groups_and_team_prefixes():
    env = {"kafka": {**LOANS, "multi_vpc_connectivity": True}, "consumers": [SERVICE],
           "connect": {"name": "bank-cdc", "connectors": [CONNECTOR], "data_products": [PRODUCT]},
           "data_teams": [TEAM]}
    assert problems(**env, disaster_recovery={**DR, "consumer_groups": ["loans", "fraud-ds-*"]}) == []
    assert problems(**env, disaster_recovery={**DR, "consumer_groups": ["payments"]}) == [
        ("disaster_recovery.consumer_groups[0]", '"payments" is neither a service\'s consumer group nor a data team\'s '
                                                 "prefix (prefix*); use one of fraud-ds-*, loans")]


def test_ten_managed_policies_are_enough_and_products_are_counted():
    from kafka_platform.domain.connect_worker import ConnectWorkerSettings, worker_grant_chars

    def needed(count, pad):
        env = Environment.model_validate({**MINIMAL, "connect": {"name": "bank-cdc", **BIG_WORKERS,
                                                                 "connectors": many_connectors(count, pad)}})
        grants = worker_grant_chars(ConnectWorkerSettings(group_id="bank-cdc"), env.connect.connector_specs(),
                                    region="eu-west-2", account="111111111111", cluster_name="bank-dev")
        return -(-grants // 5_844)

    count = next(n for n in range(60, 110) if needed(n, 200) == 10)  # the most that still need only ten
    assert connect_problems(connectors=many_connectors(count, 200), **BIG_WORKERS) == []
    product = {**PRODUCT, "connector": "c000-cdc", "columns": {}}
    [(field, message)] = connect_problems(connectors=many_connectors(90, 200), data_products=[product], **BIG_WORKERS)
    assert message.startswith("90 connectors and 1 data products need about ")
