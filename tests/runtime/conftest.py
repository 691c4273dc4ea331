"""The runtime tier: one harness per session (PostgreSQL, three KRaft nodes, a Connect worker), torn down at the end.

Without Java, Maven or PostgreSQL these tests are skipped, saying what to install; with
``KAFKA_PLATFORM_RUNTIME_REQUIRED=1`` (CI sets it) they fail instead, so a machine that cannot run them is noticed.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kafka_platform.config import load_environments
from kafka_platform.config.model import Connector, Environment
from kafka_platform.domain.connect_worker import ConnectWorkerSettings
from kafka_platform.domain.msk import effective_server_properties
from tests.conftest import ENVIRONMENTS_DIR
from tests.runtime import harness

REQUIRED = os.environ.get("KAFKA_PLATFORM_RUNTIME_REQUIRED") == "1"
CONNECT_GROUP = "runtime-cdc"
WRONG_CREDENTIALS_PREFIX = "DBZ_WRONG_CREDENTIALS"


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

    @property
    def connect_url(self) -> str:
        return self.connect.url

    def connectors(self) -> list[tuple[str, Connector]]:
        """Every connector declared in every environment."""
        return [(name, connector) for name, environment in sorted(self.environments.items())
                if environment.connect for connector in environment.connect.connectors]

    def connector_config(self, connector: Connector, **overrides: str) -> dict[str, str]:
        """The declared configuration, pointed at the local PostgreSQL: only host and port are test values."""
        config = connector.spec().config()
        config.update({"database.hostname": "127.0.0.1", "database.port": str(self.postgres.port)})
        config.update(overrides)
        return config

    def start_worker(self, name: str, wait: bool = True) -> harness.ConnectWorker:
        worker = harness.start_connect_worker(self.jars, self.directory, self.kafka.bootstrap, worker_settings(),
                                              self.worker_environment, name, wait=wait)
        self.extra_workers.append(worker)
        return worker


def worker_settings() -> ConnectWorkerSettings:
    return ConnectWorkerSettings(group_id=CONNECT_GROUP, security="plaintext", scheduled_rebalance_max_delay_ms=10_000)


@pytest.fixture(scope="session")
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
        try:
            postgres.start()
            kafka.start()
            worker_environment = {WRONG_CREDENTIALS_PREFIX + "_USER": harness.DB_USER,
                                  WRONG_CREDENTIALS_PREFIX + "_PASSWORD": harness.WRONG_PASSWORD}
            for environment in environments.values():
                for connector in (environment.connect.connectors if environment.connect else []):
                    postgres.create_database(connector.database.name, connector.tables)
                    spec = connector.spec()
                    worker_environment[spec.user_variable] = harness.DB_USER
                    worker_environment[spec.password_variable] = harness.DB_PASSWORD
            workers.append(harness.start_connect_worker(jars, directory, kafka.bootstrap, worker_settings(),
                                                        worker_environment, "connect-1"))
            runtime = Runtime(environments, postgres, kafka, workers[0], jars, directory, worker_environment,
                              started_in_seconds=time.monotonic() - started)
            yield runtime
        finally:
            for worker in workers + (runtime.extra_workers if runtime else []):
                worker.stop()
            kafka.stop()
            postgres.stop()
