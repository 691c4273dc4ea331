"""The runtime tier: one harness per session (PostgreSQL, three KRaft nodes, a Connect worker), torn down at the end.

Without Java, Maven or PostgreSQL these tests are skipped, saying what to install; with
``KAFKA_PLATFORM_RUNTIME_REQUIRED=1`` (CI sets it) they fail instead, so a machine that cannot run them is noticed.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kafka_platform.config import load_environments
from kafka_platform.config.model import Connector, Environment
from kafka_platform.domain.connect_worker import ConnectWorkerSettings
from kafka_platform.domain.data_products import SALT_PLACEHOLDER
from kafka_platform.domain.debezium import PostgresConnectorSpec, env_prefix
from kafka_platform.domain.msk import effective_server_properties
from tests.conftest import ENVIRONMENTS_DIR
from tests.runtime import harness

REQUIRED = os.environ.get("KAFKA_PLATFORM_RUNTIME_REQUIRED") == "1"
CONNECT_GROUP = "runtime-cdc"
# Connectors the runtime tests create besides the declared ones: each reads only its own credentials (the reconciler
# refuses anything else), so the workers hold a pair for each; "reconciler-wrong" holds a wrong password.
TEST_CONNECTORS = ("reconciler-accounts", "health-first", "health-second", "stream-watch", "lifecycle-kept",
                   "lifecycle-removed", "rename-before", "rename-after", "rotation-check")
WRONG_PASSWORD_CONNECTOR = "reconciler-wrong"
# A variable the workers hold but the config provider's allowlist keeps from connectors (it holds the right password).
NOT_ALLOWED_VARIABLE = "PLATFORM_NOT_ALLOWED_PASSWORD"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/runtime/" in str(item.fspath):
            item.add_marker(pytest.mark.runtime)


@dataclass
class Runtime:
    """What the runtime tests talk to."""

    environments: dict[str, Environment]
    postgres: harness.Postgres
    kafka: harness.KafkaNodes
    connect: harness.ConnectWorker
    jars: Path
    directory: Path
    worker_environment: dict[str, str]
    extra_workers: list[harness.ConnectWorker] = field(default_factory=list)
    started_in_seconds: float = 0.0
    #: The loopback Secrets Manager the Lambda code reads (add a secret to ``secrets.secrets`` by ARN).
    secrets: harness.FakeSecretsManager | None = None

    @property
    def connect_url(self) -> str:
        return self.connect.url

    def connect_json(self, path: str) -> Any:
        """``GET`` ``path`` (e.g. ``/connectors/x/status``) on the worker's REST API, with its credentials: the JSON."""
        with urllib.request.urlopen(harness.rest_request(f"{self.connect_url}{path}"), timeout=30) as response:  # noqa: S310 - the local worker
            return json.loads(response.read())

    def connectors(self) -> list[tuple[str, Connector]]:
        """Every connector declared in every environment."""
        return [(name, connector) for name, environment in sorted(self.environments.items())
                if environment.connect for connector in environment.connect.connectors]

    def connector_config(self, connector: Connector, **overrides: str) -> dict[str, str]:
        """The declared configuration, pointed at the local PostgreSQL: only the host, the port and the CA (the
        harness's own instead of RDS's) are test values; sslmode stays verify-full."""
        return self.spec_config(connector.spec(), **overrides)

    def spec_config(self, spec: PostgresConnectorSpec, **overrides: str) -> dict[str, str]:
        """``connector_config`` of any connector the cluster runs (a data product's too, its salt a test value)."""
        config = {key.replace(SALT_PLACEHOLDER, "RuntimeTestSalt0123456789"): value
                  for key, value in spec.config().items()}
        config.update({"database.hostname": "127.0.0.1", "database.port": str(self.postgres.port),
                       "database.sslrootcert": str(self.postgres.ca_file)})
        config.update(overrides)
        return config

    @staticmethod
    def own_credentials(name: str, config: dict[str, str]) -> dict[str, str]:
        """``config`` reading connector ``name``'s own credentials, as the reconciler requires."""
        prefix = env_prefix(name)
        return {**config, "database.user": f"${{env:{prefix}_USER}}", "database.password": f"${{env:{prefix}_PASSWORD}}"}

    def start_worker(self, name: str, wait: bool = True) -> harness.ConnectWorker:
        worker = harness.start_connect_worker(self.jars, self.directory, self.kafka.bootstrap, worker_settings(),
                                              self.worker_environment, name, wait=wait)
        self.extra_workers.append(worker)
        return worker


def worker_settings() -> ConnectWorkerSettings:
    return ConnectWorkerSettings(group_id=CONNECT_GROUP, security="plaintext", scheduled_rebalance_max_delay_ms=10_000)


# Package scope: the services stop, and the variables below are unset, once the last runtime test has run, so that
# nothing outside this tier can reach the loopback endpoints (tests/test_nothing_calls_aws.py checks).
@pytest.fixture(scope="package")
def runtime() -> Any:
    try:
        tools = harness.prerequisites()
    except harness.MissingPrerequisite as missing:
        if REQUIRED:
            pytest.fail(f"{missing} (KAFKA_PLATFORM_RUNTIME_REQUIRED=1)", pytrace=False)
        pytest.skip(str(missing))
    environments = {e.name: e for e in load_environments(ENVIRONMENTS_DIR)}
    jars = harness.resolve_jars(tools["mvn"])
    started = time.monotonic()
    with harness.temporary_directory() as directory:
        postgres = harness.Postgres(Path(tools["pg_bin"]), directory / "postgres", harness.free_port())
        postgres.directory.mkdir()
        kafka = harness.KafkaNodes(jars, directory,
                                   effective_server_properties(environments["prod"].kafka.server_properties))
        workers: list[harness.ConnectWorker] = []
        runtime = None
        secrets = harness.FakeSecretsManager()
        try:
            postgres.start()
            kafka.start()
            wrong = env_prefix(WRONG_PASSWORD_CONNECTOR)
            worker_environment = {f"{wrong}_USER": harness.DB_USER, f"{wrong}_PASSWORD": harness.WRONG_PASSWORD,
                                  NOT_ALLOWED_VARIABLE: harness.DB_PASSWORD}
            for name in TEST_CONNECTORS:
                worker_environment.update({f"{env_prefix(name)}_USER": harness.DB_USER,
                                           f"{env_prefix(name)}_PASSWORD": harness.DB_PASSWORD})
            for environment in environments.values():
                for connector in (environment.connect.connectors if environment.connect else []):
                    postgres.create_database(connector.database.name, connector.tables)
                # Every connector the cluster runs, data products' included, holds its own credentials.
                for spec in (environment.connect.connector_specs() if environment.connect else []):
                    worker_environment[spec.user_variable] = harness.DB_USER
                    worker_environment[spec.password_variable] = harness.DB_PASSWORD
            workers.append(harness.start_connect_worker(jars, directory, kafka.bootstrap, worker_settings(),
                                                        worker_environment, "connect-1"))
            runtime = Runtime(environments, postgres, kafka, workers[0], jars, directory, worker_environment,
                              started_in_seconds=time.monotonic() - started, secrets=secrets)
            # The reconciler acts on the Connect cluster it was deployed for (CONNECT_URL): here, the local worker,
            # with the REST credentials from the secret the stack names, read through boto3 as on AWS.
            os.environ["CONNECT_URL"] = runtime.connect_url
            os.environ["CONNECT_REST_SECRET_ARN"] = harness.REST_SECRET_ARN
            os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = secrets.url
            yield runtime
        finally:
            for variable in ("CONNECT_URL", "CONNECT_REST_SECRET_ARN", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
                os.environ.pop(variable, None)
            secrets.stop()
            for worker in workers + (runtime.extra_workers if runtime else []):
                worker.stop()
            kafka.stop()
            postgres.stop()


@pytest.fixture
def deployment(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The Connect stack in CloudFormation, for a test that deploys connectors (``cloudformation.Deployment``)."""
    from tests.runtime.cloudformation import Deployment

    deployment = Deployment(monkeypatch)
    yield deployment
    deployment.close()
