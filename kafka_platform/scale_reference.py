"""Environments at the digital bank's scale, generated from the shipped ones: the reference every gate must pass.

The bank runs 70-80 Debezium connectors (one PostgreSQL database per microservice) and about as many consumer
services. ``write_scale_reference`` copies each shipped environment file and gives it ``count`` connectors and
``count`` consumer services in teams of ten, each service on a topic of its own, and, where the shipped file declares
data teams, a data product on every tenth connector, each read by a data team of its own, so that the templates are
what such an environment really synthesizes. Used by the tests and by ``make bench-synth``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEAM_SIZE = 10
PRODUCT_EVERY = 10  # connectors per data product
_HEARTBEAT = ("INSERT INTO debezium_heartbeat (id, seen_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET "
              "seen_at = now()")


def scale_environment(shipped: dict[str, Any], count: int) -> dict[str, Any]:
    """``shipped`` (an environment file's content) with ``count`` services and ``count`` connectors."""
    env = dict(shipped)
    account, region, name = env["account"], env["region"], env["name"]
    kafka = dict(env["kafka"])
    # Partitions sized so that the replicas fit the brokers (t3.small carries 300, larger types 1000 or more).
    partitions = 3 if kafka["broker_instance_type"] == "kafka.t3.small" else 12
    kafka["topics"] = [{"name": f"events-{i:03d}", "partitions": partitions} for i in range(count)]
    env["kafka"] = kafka
    env["consumers"] = [{
        "name": f"service-{i:03d}", "team": f"team-{i // TEAM_SIZE:02d}", "consumer_group": f"service-{i:03d}",
        "topics": [f"events-{i:03d}"], **({"output_topics": [f"events-{(i + 1) % count:03d}"]} if i % 3 == 0 else {}),
        "image": f"{account}.dkr.ecr.{region}.amazonaws.com/team-{i // TEAM_SIZE:02d}/service-{i:03d}:1.0.{i}",
        "min_tasks": 1, "task_throughput_messages_per_second": 50, "max_delay_seconds": 180,
        # Half on prod's needed_tasks (its alarms read each broker's rate), half on steps: both at the bank's scale.
        "scaling_mode": "needed_tasks" if i % 2 == 0 else "steps",
        "environment": {"LOG_LEVEL": "INFO"},
        **({"secrets": {"DB_PASSWORD": {
            "secret_arn": f"arn:aws:secretsmanager:{region}:{account}:secret:services/service-{i:03d}-Ab{i:04d}",
            "field": "password"}}} if i % 2 == 0 else {}),
    } for i in range(count)]
    connect = dict(env["connect"])
    connect["connectors"] = [{
        "name": f"service-{i:03d}-cdc",
        "database": {"hostname": f"service-{i:03d}-db-{name}.c9akciq32xyz.eu-west-2.rds.amazonaws.com", "name": f"service_{i:03d}",
                     "credentials_secret_arn": f"arn:aws:secretsmanager:{region}:{account}:secret:cdc/"
                                               f"service-{i:03d}-Cd{i:04d}"},
        "tables": ["public.entities", "public.entity_events"] if i % 2 == 0 else ["public.entities"],
        "topic_prefix": f"cdc.service-{i:03d}", "slot_name": f"debezium_service_{i:03d}",
        "publication_name": f"dbz_service_{i:03d}", "heartbeat_action_query": _HEARTBEAT,
        **({"columns": {"public.entities.email": "pii", "public.entities.name": "pii",
                        "public.entities.segment": "confidential"}} if i % PRODUCT_EVERY == 0 else {}),
    } for i in range(count)]
    if env.get("data_teams"):
        connect["data_products"] = [{
            "name": f"service-{i:03d}-entities", "connector": f"service-{i:03d}-cdc", "tables": ["public.entities"],
            "columns": {"public.entities.email": "hash", "public.entities.name": "exclude"},
        } for i in range(0, count, PRODUCT_EVERY)]
        env["data_teams"] = [{
            "name": f"data-team-{i // PRODUCT_EVERY:02d}",
            "principals": [f"arn:aws:iam::{account}:role/data-team-{i // PRODUCT_EVERY:02d}"],
            "data_products": [f"service-{i:03d}-entities"], "consumer_group_prefix": f"data-{i // PRODUCT_EVERY:02d}-",
        } for i in range(0, count, PRODUCT_EVERY)]
    env["connect"] = connect
    return env


def write_scale_reference(shipped_directory: Path | str, out: Path | str, count: int = 80) -> Path:
    """Write every shipped environment at ``count`` services and connectors into ``out``; returns ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(shipped_directory).glob("*.yaml")):
        shipped = yaml.safe_load(path.read_text())
        (out / path.name).write_text(yaml.safe_dump(scale_environment(shipped, count), sort_keys=False))
    return out
