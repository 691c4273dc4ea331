"""Checks across fields of a parsed environment, each yielding ``(field path, message)``.

The messages come from ``kafka_platform.domain``, the same functions the constructs use on their props, so a file
and a construct call are held to one rule.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import re
from datetime import date
from typing import Callable, Iterator

from kafka_platform.config.model import MIN_STREAM_LAG_ALARM_SECONDS, Environment
from kafka_platform.domain import aws, connect_sizing, fargate, kafka_versions, msk, stack_layout
from kafka_platform.domain.connect_worker import ConnectWorkerSettings, group_id_problem, worker_grant_chars
from kafka_platform.domain.consumers import consumer_problems
from kafka_platform.config.standby import standby_environment
from kafka_platform.domain.disaster_recovery import replicator_cluster_problems
from kafka_platform.domain.data_products import classification_problems, product_problems, team_problems
from kafka_platform.domain.debezium import connector_problems, topic_under_prefix, uniqueness_problems
from kafka_platform.domain.secrets_manager import kms_key_arn_problem, secret_arn_problem
from kafka_platform.domain.topics import topic_problems
from kafka_platform.errors import show
from kafka_platform.quotas.checks import (MANAGED_POLICIES_PER_ROLE, MANAGED_POLICY_BUDGET_CHARS,
                                          MANAGED_POLICY_CHARS)

Found = Iterator[tuple[str, str]]
# Connector spec fields the YAML names with their unit (the constructs take Durations).
_YAML_FIELDS = {"heartbeat_interval": "heartbeat_interval_ms", "stream_lag_alarm": "stream_lag_alarm_seconds"}
# Tags the stage puts on every resource (kafka_platform.stacks.stage); a user tag of the same key would replace them.
RESERVED_TAGS: dict[str, Callable[[Environment], str]] = {"environment": lambda env: env.name, "managed-by": lambda env: "kafka-platform"}
MAX_TAGS = 50  # per resource
_TAG_TEXT = re.compile(r"^[\w .:/=+\-@]*$", re.UNICODE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PROTECTED_ENVIRONMENTS = ("staging", "prod")
_ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9]{1,15}$")
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


def environment_problems(env: Environment, file_stem: str) -> list[tuple[str, str]]:
    checks: list[Callable[[Environment], Found]] = [_identity, _key_administrators, _tags, _alarms,
                                                    _acknowledged_replacements, _zones,
                                                    _network, _kafka, _topics, _consumers, _connect,
                                                    _data_products, _data_teams, _disaster_recovery]
    found = [problem for check in checks for problem in check(env)]
    if env.name != file_stem:
        found.insert(0, ("name", f"{show(env.name)} does not match the file name; rename the file to "
                                 f"{env.name}.yaml or set name: {file_stem}"))
    return found


def _identity(env: Environment) -> Found:
    if not _ENVIRONMENT_NAME.match(env.name):
        yield "name", (f"{show(env.name)} is not an environment name; use 2-16 lower-case letters and digits, "
                       "starting with a letter, such as prod or collectionsdev (no hyphen: a standby is named "
                       "<name>-dr, and each name becomes a stage, Prod, and part of every resource name)")
    if (p := aws.account_problem(env.account)) is not None:
        yield "account", p
    if (p := aws.region_problem(env.region)) is not None:
        yield "region", p


_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/[\w+=,.@/-]{1,512}$")


def _key_administrators(env: Environment) -> Found:
    for index, arn in enumerate(env.key_administrators):
        match = _ROLE_ARN.match(arn)
        if match is None:
            yield f"key_administrators[{index}]", (
                f"{show(arn)} is not an IAM role ARN; name a role, arn:aws:iam::{env.account}:role/<name> (a key "
                "policy names principals that exist: no user, group or wildcard)")
        elif match["account"] != env.account and aws.account_problem(env.account) is None:
            yield f"key_administrators[{index}]", (
                f"{show(arn)} is in account {match['account']}, not this environment's {env.account}; a key's "
                "administrators belong to its own account")


def _tags(env: Environment) -> Found:
    for key, value in env.tags.items():
        if not key or len(key) > 128 or len(value) > 256:
            yield f"tags.{key}", f"{show(value)} is not a valid tag; keys take 1-128 characters, values up to 256"
        elif key.lower().startswith("aws:"):
            yield f"tags.{key}", (f"{show(key)} starts with aws:, which AWS reserves (CloudFormation refuses it on "
                                  "every resource); choose another key")
        elif key in RESERVED_TAGS:
            yield f"tags.{key}", (f"{show(key)} is the platform's own tag ({key}: {RESERVED_TAGS[key](env)}); it cannot "
                                  "be replaced, choose another key")
        elif not _TAG_TEXT.match(key) or not _TAG_TEXT.match(value):
            yield f"tags.{key}", (f"{show(key)}: {show(value)} has a character tags do not take; use letters, digits, "
                                  "spaces and _ . : / = + - @")
    if len(env.tags) + len(RESERVED_TAGS) > MAX_TAGS:
        yield "tags", (f"has {len(env.tags)} tags, and with the platform's {len(RESERVED_TAGS)} that is more than the "
                       f"{MAX_TAGS} a resource takes; keep {MAX_TAGS - len(RESERVED_TAGS)} or fewer")


def _alarms(env: Environment) -> Found:
    emails = env.alarms.email_subscriptions
    for i, email in enumerate(emails):
        if not _EMAIL.match(email):
            yield f"alarms.email_subscriptions[{i}]", (f"{show(email)} is not an e-mail address (SNS refuses it at "
                                                       "deploy); write it as name@example.com")
        elif email.lower() in (e.lower() for e in emails[:i]):
            yield f"alarms.email_subscriptions[{i}]", f"{show(email)} is listed twice; list each address once"


def _acknowledged_replacements(env: Environment) -> Found:
    for i, acknowledged in enumerate(env.acknowledged_replacements):
        if len(acknowledged.reason.strip()) < 40:
            yield f"acknowledged_replacements[{i}].reason", (
                f"{show(acknowledged.reason)} is too short to justify replacing {acknowledged.stack}/"
                f"{acknowledged.logical_id}, which loses its data; say in 40 characters or more why that is intended")


def _zones(env: Environment) -> Found:
    zones = env.availability_zones
    if not 2 <= len(zones) <= 3:
        yield "availability_zones", (f"{show(zones)} lists {len(zones)} zones; MSK needs 2 or 3 zones, and a bank "
                                     "in production wants 3")
    if len(set(zones)) != len(zones):
        yield "availability_zones", f"{show(zones)} repeats a zone; list each zone once"
    if aws.region_problem(env.region) is None:
        for i, zone in enumerate(zones):
            if (p := aws.zone_problem(zone, env.region)) is not None:
                yield f"availability_zones[{i}]", p


def _network(env: Environment) -> Found:
    network = env.network
    if (p := aws.log_retention_problem(network.flow_logs_retention_days)) is not None:
        yield "network.flow_logs_retention_days", p
    if network.internet_egress_reason is not None and len(network.internet_egress_reason.split()) < 4:
        yield "network.internet_egress_reason", (f"{show(network.internet_egress_reason)} does not say why; write who "
                                                 "needs the internet and for what (a reviewer reads it), or remove it "
                                                 "so that workloads reach only AWS's VPC endpoints")
    existing = network.existing_vpc
    if existing is not None and existing.endpoints_security_group_id is None and \
            network.internet_egress_reason is None:
        yield "network.existing_vpc.endpoints_security_group_id", (
            "is missing; name the security group of the VPC's interface endpoints (its owner runs them, with S3's "
            "gateway endpoint) so that workloads reach AWS APIs through them, or set network.internet_egress_reason")
    if existing is not None and existing.endpoints_security_group_id is not None and \
            not re.match(r"^sg-[0-9a-f]{8,17}$", existing.endpoints_security_group_id):
        yield "network.existing_vpc.endpoints_security_group_id", (
            f"{show(existing.endpoints_security_group_id)} is not a security group id; use the form sg-0abc1234")
    if existing is None:
        if network.vpc_cidr is None:
            yield "network.vpc_cidr", "is missing; give the new VPC a range such as 10.30.0.0/16, or set existing_vpc"
        elif (p := _cidr_problem(network.vpc_cidr)) is not None:
            yield "network.vpc_cidr", p
        if network.nat_gateways < 1:
            yield "network.nat_gateways", ("0 cannot build the platform's private subnets (subnets with egress route "
                                           "through a NAT gateway); use 1 or more. Workloads still reach only the "
                                           "VPC endpoints unless internet_egress_reason is set")
        if network.nat_gateways > len(env.availability_zones):
            yield "network.nat_gateways", (f"{network.nat_gateways} is more than the {len(env.availability_zones)} "
                                           "availability zones; use at most one per zone")
        return
    if network.vpc_cidr is not None:
        yield "network.vpc_cidr", (f"{show(network.vpc_cidr)} conflicts with existing_vpc; set one of vpc_cidr "
                                   "(a new VPC) or existing_vpc (an imported one)")
    if not re.match(r"^vpc-[0-9a-f]{8,17}$", existing.vpc_id):
        yield "network.existing_vpc.vpc_id", f"{show(existing.vpc_id)} is not a VPC id; use the form vpc-0abc1234"
    if (p := _cidr_problem(existing.vpc_cidr)) is not None:
        yield "network.existing_vpc.vpc_cidr", p
    zone_count = len(env.availability_zones)
    for field in ("private_subnet_ids", "private_subnet_route_table_ids"):
        ids = getattr(existing, field)
        if len(ids) != zone_count:
            yield f"network.existing_vpc.{field}", (f"{show(ids)} has {len(ids)} entries for {zone_count} availability "
                                                    "zones; give one per zone, in the order of availability_zones")
    for i, subnet in enumerate(existing.private_subnet_ids):
        if not re.match(r"^subnet-[0-9a-f]{8,17}$", subnet):
            yield f"network.existing_vpc.private_subnet_ids[{i}]", (f"{show(subnet)} is not a subnet id; use the "
                                                                    "form subnet-0abc1234")


def _cidr_problem(cidr: str) -> str | None:
    try:
        network = ipaddress.IPv4Network(cidr)
    except ValueError:
        return f"{show(cidr)} is not an IPv4 range; use a form such as 10.30.0.0/16"
    if not network.is_private:
        return f"{show(cidr)} is not a private range; use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
    if not 16 <= network.prefixlen <= 22:
        return f"{show(cidr)} has a /{network.prefixlen} prefix; use /16 to /22 so every zone gets room for tasks"
    return None


def _kafka(env: Environment) -> Found:
    kafka = env.kafka
    if (p := msk.cluster_name_problem(kafka.cluster_name)) is not None:
        yield "kafka.cluster_name", p
    version_problem = (msk.kafka_version_problem(kafka.kafka_version) or kafka_versions.version_problem(
        kafka.kafka_version, today=date.today(), zookeeper_mode_reason=kafka.zookeeper_mode_reason))
    if version_problem is not None:
        yield "kafka.kafka_version", version_problem
    elif kafka.zookeeper_mode_reason and kafka_versions.BY_NAME[kafka.kafka_version].kraft:
        yield "kafka.zookeeper_mode_reason", (f"is set, but {show(kafka.kafka_version)} runs in KRaft mode: delete "
                                              "zookeeper_mode_reason")
    if (p := msk.instance_type_problem(kafka.broker_instance_type)) is not None:
        yield "kafka.broker_instance_type", p
    if (p := msk.broker_count_problem(kafka.broker_count, len(env.availability_zones))) is not None:
        yield "kafka.broker_count", p
    if kafka.tiered_storage and version_problem is None:
        if (p := msk.tiered_storage_problem(kafka.kafka_version, kafka.broker_instance_type)) is not None:
            yield "kafka.tiered_storage", p
    if kafka.provisioned_throughput_mibps is not None:
        if (p := msk.provisioned_throughput_problem(kafka.broker_instance_type,
                                                    kafka.provisioned_throughput_mibps)) is not None:
            yield "kafka.provisioned_throughput_mibps", p
    if kafka.storage_auto_expansion is not None:
        expansion = kafka.storage_auto_expansion
        for field, p in msk.storage_expansion_problems(kafka.broker_volume_size_gib, expansion.max_volume_size_gib,
                                                       expansion.target_utilization_percent):
            yield f"kafka.storage_auto_expansion.{field}", p
    if (p := aws.log_retention_problem(kafka.broker_log_retention_days)) is not None:
        yield "kafka.broker_log_retention_days", p
    for key, p in msk.server_properties_problems(kafka.server_properties):
        yield f"kafka.server_properties.{key}", p
    if kafka.removal_policy == "destroy" and env.name in PROTECTED_ENVIRONMENTS:
        yield "kafka.removal_policy", (f"\"destroy\" would delete the {env.name} cluster and its data with the stack; "
                                       "staging and prod must use retain")


def _topics(env: Environment) -> Found:
    kafka = env.kafka
    seen: set[str] = set()
    for topic in kafka.topics:
        where = f"kafka.topics[{topic.name}]"
        if topic.name in seen:
            yield f"{where}.name", f"{show(topic.name)} is declared twice; give each topic one entry"
        seen.add(topic.name)
        for field, p in topic_problems(topic.spec(), broker_count=kafka.broker_count,
                                       cluster_tiered_storage=kafka.tiered_storage):
            yield f"{where}.{field}", p
    # Kafka refuses a topic whose name differs from another's only by "." against "_" (they collide in metric names).
    for topic, other in _colliding(t.name for t in kafka.topics):
        yield f"kafka.topics[{topic}].name", _collision(topic, other)
    total = sum(t.partitions * t.replication_factor for t in kafka.topics)
    limit = msk.partitions_per_broker_limit(kafka.broker_instance_type) * kafka.broker_count
    if total > limit:
        yield "kafka.topics", (f"{total} partition replicas exceed the {limit} that {kafka.broker_count} "
                               f"{kafka.broker_instance_type} brokers carry; add brokers, use a larger type or fewer "
                               "partitions")


def _pulls_only_in_region(env: Environment) -> bool:
    """Tasks pull images only from ECR in their region: no internet egress (and a region to judge by)."""
    return env.network.internet_egress_reason is None and aws.region_problem(env.region) is None


def _consumers(env: Environment) -> Found:
    declared = {topic.name: topic.partitions for topic in env.kafka.topics}
    names: set[str] = set()
    groups: set[str] = set()
    for consumer in env.consumers:
        where = f"consumers[{consumer.name}]"
        if not _SERVICE_NAME.match(consumer.name):
            yield f"{where}.name", (f"{show(consumer.name)} is not a service name; use 2-40 lower-case letters, digits "
                                    "and hyphens, starting with a letter")
        if consumer.name in names:
            yield f"{where}.name", f"{show(consumer.name)} is declared twice; give each consumer one entry"
        if consumer.consumer_group in groups:
            yield f"{where}.consumer_group", (f"{show(consumer.consumer_group)} is used by another consumer; two "
                                              "services in one group split its partitions and their scaling fights")
        names.add(consumer.name)
        groups.add(consumer.consumer_group)
        for field in ("topics", "output_topics"):
            for topic in getattr(consumer, field):
                if topic not in declared:
                    yield f"{where}.{field}", (f"{show(topic)} is not declared under kafka.topics; declare it there "
                                               f"or correct the name (declared: {', '.join(declared)})")
        if consumer.team is not None and (p := stack_layout.team_problem(consumer.team)) is not None:
            yield f"{where}.team", p
        if (p := fargate.image_problem(consumer.image)) is not None:
            yield f"{where}.image", p
        elif _pulls_only_in_region(env) and \
                (p := fargate.image_reachability_problem(consumer.image, env.region)) is not None:
            yield f"{where}.image", p
        if (size := fargate.task_size_problem(consumer.cpu, consumer.memory_mib)) is not None:
            yield f"{where}.{size[0]}", size[1]
        if (p := aws.log_retention_problem(consumer.log_retention_days)) is not None:
            yield f"{where}.log_retention_days", p
        for name, secret in consumer.secrets.items():
            if (p := secret_arn_problem(secret.secret_arn)) is not None:
                yield f"{where}.secrets.{name}.secret_arn", p
            if secret.kms_key_arn is not None and (p := kms_key_arn_problem(secret.kms_key_arn)) is not None:
                yield f"{where}.secrets.{name}.kms_key_arn", p
        if any(topic not in declared for topic in consumer.topics):
            continue  # partitions unknown: capacity checks would only repeat the missing topic
        for field, p in consumer_problems(
                consumer_group=consumer.consumer_group, topic_names=consumer.topics,
                partitions=sum(declared[t] for t in consumer.topics), environment=consumer.environment,
                min_tasks=consumer.min_tasks, max_tasks=consumer.max_tasks,
                wake_up_on_produce=consumer.wake_up_on_produce, scaling_mode=consumer.scaling_mode,
                task_throughput=consumer.task_throughput_messages_per_second,
                max_delay_seconds=consumer.max_delay_seconds,
                scale_out_backlog_per_task=consumer.scale_out_backlog_per_task_messages,
                scale_in_backlog_per_task=consumer.scale_in_backlog_per_task_messages,
                scale_out_steps=consumer.steps, scale_in_percent=consumer.scale_in_percent,
                scale_out_cooldown_seconds=consumer.effective_scale_out_cooldown_seconds,
                scale_in_cooldown_seconds=consumer.scale_in_cooldown_seconds,
                target_backlog_per_task=consumer.target_backlog_per_task_messages,
                broker_count=env.kafka.broker_count, headroom_percent=consumer.headroom_percent,
                scheduled_capacity=consumer.scheduled_actions):
            yield f"{where}.{field}", p
        if consumer.scaling_mode == "needed_tasks" and env.kafka.enhanced_monitoring in ("DEFAULT", "PER_BROKER"):
            yield f"{where}.scaling_mode", (f"needed_tasks reads each topic's incoming rate from per-topic broker "
                                            f"metrics, but kafka.enhanced_monitoring is "
                                            f"{env.kafka.enhanced_monitoring}; use PER_TOPIC_PER_BROKER, or "
                                            "scaling_mode steps")
        if consumer.wake_up_on_produce and env.kafka.enhanced_monitoring in ("DEFAULT", "PER_BROKER"):
            yield f"{where}.wake_up_on_produce", (f"needs per-topic broker metrics, but kafka.enhanced_monitoring is "
                                                  f"{env.kafka.enhanced_monitoring}; use PER_TOPIC_PER_BROKER")
    for name, p in stack_layout.layout_problems(env.consumers):
        yield f"consumers[{name}].team", p


def _connect(env: Environment) -> Found:
    connect = env.connect
    if connect is None:
        return
    if (p := group_id_problem(connect.name)) is not None:
        yield "connect.name", p
    if (size := fargate.task_size_problem(connect.cpu, connect.memory_mib)) is not None:
        yield f"connect.{size[0]}", size[1]
    if not 1 <= connect.min_workers <= connect.max_workers:
        yield "connect.min_workers", (f"{connect.min_workers} is not between 1 and max_workers {connect.max_workers}; "
                                      "a Connect cluster needs at least one worker")
    if not 10 <= connect.cpu_target_percent <= 90:
        yield "connect.cpu_target_percent", f"{connect.cpu_target_percent} is outside 10-90; 60 is a good start"
    if connect.stream_lag_alarm_seconds < MIN_STREAM_LAG_ALARM_SECONDS:
        yield "connect.stream_lag_alarm_seconds", (f"{connect.stream_lag_alarm_seconds} s is below the health "
                                                   "monitor's one-minute period; use 60 seconds or more (default "
                                                   "300)")
    if not 60 <= connect.reconcile_timeout_seconds <= 840:
        yield "connect.reconcile_timeout_seconds", (f"{connect.reconcile_timeout_seconds} is outside 60-840: the "
                                                    "reconciler is a Lambda function (15 minutes at most)")
    if (p := aws.log_retention_problem(connect.log_retention_days)) is not None:
        yield "connect.log_retention_days", p
    if connect.image is not None and (p := fargate.image_problem(connect.image)) is not None:
        yield "connect.image", p
    elif connect.image is not None and _pulls_only_in_region(env) and \
            (p := fargate.image_reachability_problem(connect.image, env.region)) is not None:
        yield "connect.image", p
    declared = [c.spec() for c in connect.connectors]
    for connector, spec in zip(connect.connectors, declared):
        where = f"connect.connectors[{connector.name}]"
        for field, p in connector_problems(spec, broker_count=env.kafka.broker_count):
            yield f"{where}.{_YAML_FIELDS.get(field, field)}", p
        for field, p in classification_problems(connector.tables, connector.columns):
            yield f"{where}.{field}", p
        if (p := secret_arn_problem(connector.database.credentials_secret_arn)) is not None:
            yield f"{where}.database.credentials_secret_arn", p
        kms_key = connector.database.credentials_kms_key_arn
        if kms_key is not None and (p := kms_key_arn_problem(kms_key)) is not None:
            yield f"{where}.database.credentials_kms_key_arn", p
    # The data products' connectors share the cluster, its slots' namespace and its workers' role.
    specs = connect.connector_specs()
    products = {p.connector_name: p.name for p in connect.product_specs()}
    for name, field, p in uniqueness_problems(specs):
        where = f"connect.data_products[{products[name]}].name" if name in products else \
            f"connect.connectors[{name}].{field}"
        yield where, p
    if (p := connect_sizing.sizing_problem(len(specs), connect.memory_mib, connect.min_workers)) is not None:
        yield "connect.memory_mib", p
    if len(specs) > stack_layout.MAX_CONNECTORS_PER_STACK:
        counted = f"{len(declared)} connectors" + (f" and {len(products)} data products" if products else "")
        yield "connect.connectors", (f"{counted} need up to {stack_layout.RESOURCES_PER_CONNECTOR} resources each in "
                                     "the Connect stack (the connector, its two stream alarms, its database's slot-lag "
                                     f"alarm); CloudFormation takes 500 a stack, so it holds at most "
                                     f"{stack_layout.MAX_CONNECTORS_PER_STACK}: move some connectors to another "
                                     "Connect cluster")
    grants = worker_grant_chars(ConnectWorkerSettings(group_id=connect.name), specs, region=env.region,
                                account=env.account, cluster_name=env.kafka.cluster_name)
    if (needed := math.ceil(grants / MANAGED_POLICY_BUDGET_CHARS)) > MANAGED_POLICIES_PER_ROLE:
        counted = f"{len(declared)} connectors" + (f" and {len(products)} data products" if products else "")
        yield "connect.connectors", (f"{counted} need about {needed} managed policies of "
                                     f"{MANAGED_POLICY_CHARS:,} characters on the workers' role ({grants:,} "
                                     f"characters of grants), and IAM attaches at most {MANAGED_POLICIES_PER_ROLE}; "
                                     "move some connectors to another Connect cluster")
    # A declared topic that collides with a connector's (Kafka refuses the second, the connector fails, and its
    # replication slot keeps the database's log), or that lies under a connector's prefix (Connect may write it).
    connector_topics = {f"{s.topic_prefix}.{table}": s.name for s in specs for table in s.tables} | {
        s.heartbeat_topic: s.name for s in specs}
    by_key = {_collision_key(name): name for name in connector_topics}
    for topic in env.kafka.topics:
        other = by_key.get(_collision_key(topic.name))
        if other is not None and other != topic.name:
            yield f"kafka.topics[{topic.name}].name", (f"{_collision(topic.name, other)} of connector "
                                                       f"{connector_topics[other]}")
        if (owner := topic_under_prefix(topic.name, specs)) is not None:
            yield f"kafka.topics[{topic.name}].name", (f"{show(topic.name)} lies under connector {owner.name}'s topic "
                                                       f"prefix {show(owner.topic_prefix)}, which Kafka Connect may "
                                                       "write; rename the topic or the connector's topic_prefix")


def _data_products(env: Environment) -> Found:
    if env.connect is None:
        return
    connect = env.connect
    sources = {c.name for c in connect.connectors}
    specs = {p.name: p for p in connect.product_specs()}
    seen: set[str] = set()
    for product in connect.data_products:
        where = f"connect.data_products[{product.name}]"
        if product.name in seen:
            yield f"{where}.name", f"{show(product.name)} is declared twice; give each data product its own name"
        seen.add(product.name)
        if product.connector not in sources:
            close = difflib.get_close_matches(product.connector, sorted(sources), n=1)
            hint = f"did you mean {close[0]}?" if close else "name one of connect.connectors"
            yield f"{where}.connector", f"{show(product.connector)} is not a connector of this Connect cluster; {hint}"
            continue
        for field, p in product_problems(specs[product.name]):
            yield f"{where}.{field}", p


def _data_teams(env: Environment) -> Found:
    products = [p.name for p in env.connect.data_products] if env.connect else []
    groups = {c.consumer_group: f"consumer service {c.name}" for c in env.consumers}
    if env.connect is not None:
        groups[env.connect.name] = "the Connect cluster"
    prefixes: dict[str, str] = {}
    names: set[str] = set()
    for team in env.data_teams:
        where = f"data_teams[{team.name}]"
        if (p := stack_layout.team_problem(team.name)) is not None:
            yield f"{where}.name", p
        if team.name in names:
            yield f"{where}.name", f"{show(team.name)} is declared twice; give each data team its own name"
        names.add(team.name)
        spec = team.spec()
        for field, p in team_problems(spec, products=products, service_groups=groups, other_prefixes=prefixes):
            yield f"{where}.{field}", p
        prefixes.setdefault(team.consumer_group_prefix, team.name)
        outside = [a for a in spec.accounts() if a != env.account]
        if outside and not env.kafka.multi_vpc_connectivity:
            yield f"{where}.principals", (
                f"account {', '.join(outside)} is not this environment's ({env.account}): its clients reach the "
                "cluster only through multi-VPC private connectivity; set kafka.multi_vpc_connectivity: true, in a "
                "deployment of its own once the cluster exists (see docs/guides/add-a-data-team.md)")


# The standby's own fields, as the rules of the primary's name them, and where they are in the file.
_STANDBY_FIELDS = {"availability_zones": "availability_zones", "network": "network",
                   "kafka.broker_instance_type": "broker_instance_type", "kafka.broker_count": "broker_count",
                   "kafka.broker_volume_size_gib": "broker_volume_size_gib"}


def _disaster_recovery(env: Environment) -> Found:
    dr = env.disaster_recovery
    if dr is None:
        return
    if (p := aws.region_problem(dr.region)) is not None:
        yield "disaster_recovery.region", p
        return
    if dr.region == env.region:
        yield "disaster_recovery.region", (f"{show(dr.region)} is the primary region; disaster recovery needs another "
                                           "region, such as eu-west-1")
        return
    if dr.phase is None:
        yield "disaster_recovery.phase", ("is missing; start with prepare (the primary admits MSK Replicator, the "
                                          "standby cluster is built), then replicate, and failover only when the "
                                          "primary region is lost (docs/operations/disaster-recovery.md)")
    # The primary's cluster, as MSK Replicator needs it (a field its own rules found wrong is reported once).
    primary_wrong = {field for field, _ in _kafka(env)}
    for field, p in replicator_cluster_problems(
            broker_instance_type=env.kafka.broker_instance_type, broker_count=env.kafka.broker_count,
            zone_count=len(env.availability_zones), kafka_version=env.kafka.kafka_version, which="primary"):
        if f"kafka.{field}" not in primary_wrong:
            primary_wrong.add(f"kafka.{field}")
            yield f"kafka.{field}", p
    if dr.phase is not None and not env.kafka.multi_vpc_connectivity:
        yield "kafka.multi_vpc_connectivity", (
            f"is off, and MSK Replicator reaches the primary cluster from {dr.region} only through multi-VPC private "
            "connectivity: set it to true and deploy that alone first (a rolling broker restart of 30 minutes or "
            f"more), then phase {dr.phase}")
    # The standby: the primary's own rules on its zones, network and brokers, and Replicator's.
    standby = standby_environment(env)
    assert standby is not None
    reported = set()
    for check in (_zones, _network, _kafka):
        for field, p in check(standby):
            place = next((f"disaster_recovery.{to}{field[len(origin):]}" for origin, to in _STANDBY_FIELDS.items()
                          if field == origin or field.startswith(origin + ".") or field.startswith(origin + "[")),
                         None)
            # A broker setting the standby inherits is the primary's, reported there if wrong.
            inherited = field in primary_wrong and getattr(dr, _STANDBY_FIELDS.get(field, ""), None) is None
            if place is not None and not inherited:
                reported.add(place)
                yield place, p
    for field, p in replicator_cluster_problems(
            broker_instance_type=standby.kafka.broker_instance_type, broker_count=standby.kafka.broker_count,
            zone_count=len(standby.availability_zones), kafka_version=standby.kafka.kafka_version, which="standby"):
        # The primary's version is reported once, above; a field already wrong is reported once.
        inherited = f"kafka.{field}" in primary_wrong and getattr(dr, field, None) is None
        if field != "kafka_version" and f"disaster_recovery.{field}" not in reported and not inherited:
            yield f"disaster_recovery.{field}", p
    declared = {t.name for t in env.kafka.topics}
    for i, topic in enumerate(dr.topics or []):
        if topic not in declared:
            yield f"disaster_recovery.topics[{i}]", (f"{show(topic)} is not a declared topic; replicate declared "
                                                     "topics only (Connect's internal topics are always replicated)")
    groups = {c.consumer_group for c in env.consumers} | {f"{t.consumer_group_prefix}*" for t in env.data_teams}
    for i, group in enumerate(dr.consumer_groups or []):
        if group not in groups:
            yield f"disaster_recovery.consumer_groups[{i}]", (
                f"{show(group)} is neither a service's consumer group nor a data team's prefix (prefix*); use one of "
                f"{', '.join(sorted(groups)) or 'none declared'}")
    if dr.phase != "failover":
        for field, count in (("consumer_tasks", dr.standby.consumer_tasks),
                             ("connect_workers", dr.standby.connect_workers)):
            if count:
                yield f"disaster_recovery.standby.{field}", (
                    f"{count} would run in {dr.region} while the primary runs: standby consumers process the "
                    "replicated records a second time (and MSK Replicator stops synchronising a group's offsets while "
                    "it has an active member), and standby Connect workers start the replicated connectors against "
                    "the same replication slots; keep 0 until phase failover")


def _collision_key(topic: str) -> str:
    return topic.replace(".", "_")


def _colliding(names: Iterator[str] | list[str]) -> Iterator[tuple[str, str]]:
    seen: dict[str, str] = {}
    for name in names:
        key = _collision_key(name)
        if key in seen and seen[key] != name:
            yield name, seen[key]
        seen.setdefault(key, name)


def _collision(topic: str, other: str) -> str:
    return (f"{show(topic)} collides with {show(other)}: Kafka treats \".\" and \"_\" alike in metric names and "
            "refuses the second topic; rename one of them")
