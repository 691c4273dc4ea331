"""A database password rotated in Secrets Manager reaches exactly the connectors that read it, with one restart of
each, no worker rolled: the platform's credentials provider in a real Kafka Connect worker reads the tier's Secrets
Manager stand-in whenever a connector starts, PostgreSQL's ALTER ROLE rotates the password, and the health monitor's
handler restarts the connectors of the secret on Secrets Manager's ``Secret Label Updated`` event.

A stream keeps flowing across the rotation itself (PostgreSQL does not end a session whose role's password changes),
and after its restart the connector authenticates with the new password: the old one no longer works. The other
connector, on another secret, is not restarted (its status records in Connect's status topic do not change).
``CredentialsRefused`` counts only a password that is really wrong."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from kafka_platform.domain.connect_worker import ConnectWorkerSettings
from kafka_platform.domain.debezium import env_prefix

from tests.runtime import harness, kafka_clients
from tests.runtime_code.lambda_modules import load

health = load("connect_health")
connect_rest = load("connect_rest")

GROUP = "rotation-test"
ROTATING, STEADY = "rot-a", "rot-b"
ARN = {ROTATING: "arn:aws:secretsmanager:eu-west-2:111122223333:secret:rotation-a-AbCdEf",
       STEADY: "arn:aws:secretsmanager:eu-west-2:111122223333:secret:rotation-b-AbCdEf"}
ROLE, FIRST, SECOND = "rotating_user", "first-Passw0rd-1", "second-Passw0rd-2"


class Declared:
    """What the deployed template says, as the monitor reads it: the two connectors and their credential sources."""

    def __init__(self, configs):
        self.configs = configs

    def connectors(self, url):
        return {name: type("Declaration", (), {"config": config})() for name, config in self.configs.items()}

    def credential_sources(self):
        return {f"{env_prefix(name)}_{field}": ARN[name] for name in self.configs for field in ("USER", "PASSWORD")}


class CloudWatch:
    def __init__(self):
        self.metrics = []

    def put_metric_data(self, **request):
        self.metrics += [(m["MetricName"], m["Value"]) for m in request["MetricData"]]


def _request(url, path, method="GET", body=None):
    request = harness.rest_request(f"{url}{path}", method=method,
                                   data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local worker
        text = response.read()
        return json.loads(text) if text else None


def _running(url, name):
    try:
        status = _request(url, f"/connectors/{name}/status")
    except Exception:  # noqa: BLE001 - not written yet
        return False
    return status["connector"]["state"] == "RUNNING" and [t["state"] for t in status["tasks"]] == ["RUNNING"]


def _status_records(bootstrap, name):
    """How many status records Connect wrote for the connector and its task: each start and restart adds some."""
    return sum(1 for key in kafka_clients.keys(bootstrap, f"_connect-{GROUP}-status")
               if key.endswith(f"-{name}") or f"-{name}-" in key)


def _ids(bootstrap, database, expected):
    topic = f"rotation.{database}.public.payments"
    values = kafka_clients.consume_json(bootstrap, topic, until=lambda v: len(v) >= expected, timeout=120)
    # Sorted: the topic has 6 partitions, and rows of different keys arrive in no particular order.
    return sorted(v["payload"]["after"]["id"] for v in values if v.get("payload", {}).get("after"))


def test_a_rotated_password_reaches_only_its_connectors_with_one_restart(runtime, monkeypatch):
    postgres, bootstrap = runtime.postgres, runtime.kafka.bootstrap
    postgres.sql("postgres", f"CREATE ROLE {ROLE} WITH LOGIN REPLICATION PASSWORD '{FIRST}'")
    postgres.sql("postgres", f"CREATE DATABASE rotation_a OWNER {ROLE}")
    postgres.sql("rotation_a", f"SET ROLE {ROLE}; CREATE TABLE debezium_heartbeat (id int PRIMARY KEY, "
                               "seen_at timestamptz NOT NULL); CREATE TABLE public.payments (id bigserial PRIMARY KEY, "
                               "reference text NOT NULL)")
    postgres.sql("postgres", f"CREATE DATABASE rotation_b OWNER {harness.DB_USER}")
    postgres.sql("rotation_b", f"SET ROLE {harness.DB_USER}; CREATE TABLE debezium_heartbeat (id int PRIMARY KEY, "
                               "seen_at timestamptz NOT NULL); CREATE TABLE public.payments (id bigserial PRIMARY "
                               "KEY, reference text NOT NULL)")
    secrets = runtime.secrets
    secrets.secrets[ARN[ROTATING]] = json.dumps({"username": ROLE, "password": FIRST})
    secrets.secrets[ARN[STEADY]] = json.dumps({"username": harness.DB_USER, "password": harness.DB_PASSWORD})

    # The worker holds no password: only where each is (as the task definition gives it), and the stand-in's address.
    environment = {"AWS_ACCESS_KEY_ID": "runtime", "AWS_SECRET_ACCESS_KEY": "runtime", "AWS_REGION": "eu-west-2"}
    for name in (ROTATING, STEADY):
        environment[f"{env_prefix(name)}_USER_FROM_SECRET"] = f"{ARN[name]}#username"
        environment[f"{env_prefix(name)}_PASSWORD_FROM_SECRET"] = f"{ARN[name]}#password"
    settings = ConnectWorkerSettings(group_id=GROUP, security="plaintext", secrets_endpoint=secrets.url)
    worker = harness.start_connect_worker(runtime.jars, runtime.directory, bootstrap, settings, environment,
                                          "rotation-1")
    runtime.extra_workers.append(worker)

    _, template = next((e, c) for e, c in runtime.connectors() if e == "staging")
    configs = {}
    for name, database in ((ROTATING, "rotation_a"), (STEADY, "rotation_b")):
        configs[name] = runtime.own_credentials(name, runtime.connector_config(template, **{
            "database.dbname": database, "slot.name": f"slot_{database}", "publication.name": f"pub_{database}",
            "topic.prefix": f"rotation.{database}", "table.include.list": "public.payments,public.debezium_heartbeat",
            "predicates.platformHeartbeatTable.pattern": f"rotation\\.{database}\\.public\\.debezium_heartbeat"}))
        _request(worker.url, "/connectors", "POST", {"name": name, "config": configs[name]})
    for name in configs:
        harness.wait_until(lambda n=name: _running(worker.url, n), timeout=120, what=f"{name} running")

    postgres.sql("rotation_a", "INSERT INTO payments (reference) VALUES ('before')")
    postgres.sql("rotation_b", "INSERT INTO payments (reference) VALUES ('before')")
    assert _ids(bootstrap, "rotation_a", 1) == [1] and _ids(bootstrap, "rotation_b", 1) == [1]
    before = {name: _status_records(bootstrap, name) for name in configs}

    # The rotation: the database first (a rotation's setSecret), then the secret's current version (finishSecret).
    postgres.sql("postgres", f"ALTER ROLE {ROLE} PASSWORD '{SECOND}'")
    postgres.sql("rotation_a", "INSERT INTO payments (reference) VALUES ('during')")
    assert _ids(bootstrap, "rotation_a", 2) == [1, 2]  # the open session streams on
    secrets.secrets[ARN[ROTATING]] = json.dumps({"username": ROLE, "password": SECOND})

    monkeypatch.setenv("CONNECT_URL", worker.url)
    monkeypatch.setenv("CONNECT_CLUSTER", GROUP)
    cloudwatch = CloudWatch()
    event = {"detail-type": "Secret Label Updated", "source": "aws.secretsmanager", "resources": [ARN[ROTATING]],
             "detail": {"name": "rotation-a", "labelUpdated": "AWSCURRENT", "versionId": "v2"}}
    answer = health.handler(event, None, cloudwatch=cloudwatch, stack=Declared(configs))
    assert answer == {"restarted_for_credentials": [ROTATING]}
    assert ("CredentialRestarts", 1) in cloudwatch.metrics
    harness.wait_until(lambda: _running(worker.url, ROTATING), timeout=120, what=f"{ROTATING} running again")

    # After its restart the connector signed in with the new password (the old one is refused by now).
    postgres.sql("rotation_a", "INSERT INTO payments (reference) VALUES ('after')")
    postgres.sql("rotation_b", "INSERT INTO payments (reference) VALUES ('after')")
    ids = _ids(bootstrap, "rotation_a", 3)
    assert ids == [1, 2, 3], ids  # every row once: nothing lost, nothing read twice
    assert _ids(bootstrap, "rotation_b", 2) == [1, 2]
    after = {name: _status_records(bootstrap, name) for name in configs}
    assert after[STEADY] == before[STEADY], (before, after)  # the other connector was not touched
    assert after[ROTATING] > before[ROTATING]  # this one restarted

    client = connect_rest.platform_client(worker.url, deadline=time.monotonic() + 60)
    report = health.check(client, {}, time.time())
    assert report.credentials_refused == [], report
    # A wrong new value: the restart it causes fails to sign in, and only then is CredentialsRefused counted.
    secrets.secrets[ARN[ROTATING]] = json.dumps({"username": ROLE, "password": "not-the-password"})
    assert health.handler(event, None, cloudwatch=cloudwatch, stack=Declared(configs)) == {
        "restarted_for_credentials": [ROTATING]}
    harness.wait_until(lambda: health.check(client, {}, time.time()).credentials_refused == [ROTATING],
                       timeout=120, what="the wrong password refused")
    assert _running(worker.url, STEADY)


@pytest.mark.parametrize("label", ["AWSPENDING", "MYLABEL"])
def test_a_label_other_than_current_restarts_nothing(runtime, monkeypatch, label):
    monkeypatch.setenv("CONNECT_URL", runtime.connect_url)
    monkeypatch.setenv("CONNECT_CLUSTER", "runtime")
    event = {"detail-type": "Secret Label Updated", "resources": [ARN[ROTATING]], "detail": {"labelUpdated": label}}
    assert health.handler(event, None, cloudwatch=CloudWatch(), stack=Declared({})) == {
        "restarted_for_credentials": []}
