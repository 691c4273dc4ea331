"""The Connect REST API over TLS on a real worker, and its access rotated while the reconciler and the health monitor
keep working (issue 30, item 6).

The rotation runs the rotator's own steps (``lambda/rest_access.py``): its test step reaches the real worker over TLS
with the pending version, and its ECS redeployment is a real worker restarted on the same port with the version now
current (as ECS replaces tasks behind one Cloud Map name). Secrets Manager's version stages are kept in memory
(``VersionedSecret``); the Lambdas read the current version through boto3 from the tier's loopback Secrets Manager.
The rotated cluster is a Connect group of its own, so that its restarts touch no other test's connectors. Each worker
issues itself its listener's certificate at start with the image's own script (``connect_image/rest-tls.sh``).
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
import urllib.error
import urllib.request

import pytest

from kafka_platform.domain.connect_worker import ConnectWorkerSettings
from tests.runtime import harness
from tests.runtime_code.lambda_modules import load
from tests.runtime_code.memory_stores import MemoryState, RecordingCloudWatch, VersionedSecret
from tests.support import resources

connect_rest = load("connect_rest")
rest_access = load("rest_access")
health = load("connect_health")
x509 = load("x509")
ARN = "arn:aws:secretsmanager:eu-west-2:111122223333:secret:runtime-rotated-rest-AbCdEf"
NAME = "rotation-check"


def test_the_rest_api_serves_tls_only_with_the_certificate_the_secret_lists_and_no_admin_endpoints(runtime):
    assert runtime.connect_url.startswith("https://")
    client = connect_rest.platform_client(runtime.connect_url, deadline=time.monotonic() + 30)
    assert isinstance(client.connectors(), list)
    # A listener that is not the platform's (a certificate the secret does not list) is refused, never retried.
    stranger = connect_rest.ConnectClient(runtime.connect_url, deadline=time.monotonic() + 30,
                                          credentials=(harness.REST_USERNAME, harness.REST_PASSWORD),
                                          certificates=x509.issue(["localhost"], days=1).certificate_pem,
                                          sleep=lambda s: pytest.fail("an untrusted certificate is not retried"))
    with pytest.raises(connect_rest.ConnectError) as raised:
        stranger.connectors()
    assert "does not trust" in str(raised.value)
    # Nothing answers plain HTTP (Jetty answers with a TLS alert, which is no HTTP status line).
    with pytest.raises((urllib.error.URLError, http.client.HTTPException, ConnectionError)):
        urllib.request.urlopen(runtime.connect_url.replace("https://", "http://") + "/connectors", timeout=10)
    # No admin endpoints (admin.listeners is empty).
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(harness.rest_request(f"{runtime.connect_url}/admin/loggers"), timeout=10)
    assert missing.value.code == 404


def _first_version(days: int) -> dict[str, str]:
    issued = x509.issue([], days=days, common_name="kafka-platform rotation-cdc REST CA", ca=True)
    return {"username": "platform-a", "password": "firstA0", "standby_username": "platform-b",
            "standby_password": "firstB0", "ca_keystore": issued.keystore_base64,
            "ca_keystore_password": issued.keystore_password, "ca_certificate": issued.certificate_pem,
            "certificates": issued.certificate_pem}


def _issued_by(port: int, authority: str) -> bool:
    """Whether the worker's listener presents a certificate for localhost issued by ``authority``."""
    import socket

    context = ssl.create_default_context(cadata=authority)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                context.wrap_socket(raw, server_hostname="localhost"):
            return True
    except ssl.SSLCertVerificationError:
        return False


class _Redeployment:
    """ECS's forced new deployment: the worker replaced by one that starts with the secret's current version."""

    def __init__(self, runtime, secret: VersionedSecret, worker: harness.ConnectWorker, port: int) -> None:
        self.runtime, self.secret, self.worker, self.port = runtime, secret, worker, port
        self.count = 0

    def update_service(self, **request) -> None:
        self.count += 1
        current = self.secret.current()
        self.runtime.secrets.secrets[ARN] = json.dumps(current)  # what GetSecretValue now returns
        harness.trust_in_tests(current["certificates"])
        self.worker.stop()
        self.worker = _start(self.runtime, current, self.port, f"rotation-{self.count + 1}")


def _start(runtime, access, port, name) -> harness.ConnectWorker:
    worker = harness.start_connect_worker(
        runtime.jars, runtime.directory, runtime.kafka.bootstrap,
        ConnectWorkerSettings(group_id="rotation-cdc", security="plaintext", scheduled_rebalance_max_delay_ms=5_000),
        runtime.worker_environment, name, access=access, port=port)
    runtime.extra_workers.append(worker)
    return worker


@pytest.fixture
def rotated_cluster(runtime, deployment, monkeypatch, synthesized):
    first = _first_version(days=100)  # near its end: the first rotation renews it
    harness.trust_in_tests(first["certificates"])
    port = harness.free_port()
    worker = _start(runtime, first, port, "rotation-1")
    secret = VersionedSecret(first)
    runtime.secrets.secrets[ARN] = json.dumps(first)
    for variable, value in {"CONNECT_URL": worker.url, "CONNECT_REST_SECRET_ARN": ARN, "SECRET_ARN": ARN,
                            "ECS_CLUSTER": "connect",
                            "ECS_SERVICE": "workers", "CONNECT_CLUSTER": "rotation-cdc", "CORRECT_DRIFT": "true",
                            "PRUNE_UNDECLARED": "false"}.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setattr(connect_rest, "_ACCESS", {})
    redeployment = _Redeployment(runtime, secret, worker, port)
    yield secret, redeployment
    redeployment.worker.stop()


def _rotate(secret: VersionedSecret, redeployment: _Redeployment, token: str) -> None:
    secret.rotate(token)  # RotateSecret, as Secrets Manager's schedule calls it
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        rest_access.rotate({"SecretId": ARN, "ClientRequestToken": token, "Step": step}, None,
                           secrets_client=secret, ecs_client=redeployment)


def _declared_connector(synthesized, runtime, url: str, state: str) -> tuple[str, dict]:
    [(logical_id, resource)] = resources(synthesized.raw("dev", "Connect"), "Custom::KafkaConnector").items()
    properties = {k: v for k, v in resource["Properties"].items() if k != "ServiceToken"}
    config = {**properties["Config"], "database.hostname": "127.0.0.1", "database.port": str(runtime.postgres.port),
              "database.sslrootcert": str(runtime.postgres.ca_file), "slot.name": "rotation_check",
              "topic.prefix": "rotation.check"}
    properties.update(ConnectUrl=url, ConnectorName=NAME, Config=runtime.own_credentials(NAME, config),
                      DesiredState=state, TimeoutSeconds=120, StableSeconds=2)
    return logical_id, properties


def _monitor(deployment) -> dict:
    return health.handler({}, None, cloudwatch=RecordingCloudWatch(), store=MemoryState(), clock=time.time,
                          stack=deployment.settled())


def test_a_rotation_keeps_the_reconciler_and_the_monitor_working_and_renews_the_certificate(
        runtime, synthesized, deployment, rotated_cluster):
    secret, redeployment = rotated_cluster
    url = redeployment.worker.url
    logical_id, stopped = _declared_connector(synthesized, runtime, url, "stopped")
    assert deployment.send("Create", stopped, logical_id=logical_id)["Status"] == "SUCCESS"
    first_authority = secret.current()["ca_certificate"]
    assert _issued_by(redeployment.port, first_authority)
    warm = connect_rest.platform_client(url, deadline=time.monotonic() + 120)  # a warm Lambda's cached access
    assert warm.connectors() == [NAME]

    # Rotation 1: the standby user becomes active; the authority near its end gets a successor, trusted everywhere
    # (issuing nothing yet). The workers are redeployed with the new version.
    _rotate(secret, redeployment, "v2")
    after_one = secret.current()
    assert after_one["username"] == "platform-b" and "next_ca_certificate" in after_one
    assert _issued_by(redeployment.port, first_authority)
    assert redeployment.count == 1
    # The warm client's cached password for platform-a changed: it reads the secret again and goes on as platform-b.
    assert warm.connectors() == [NAME]
    # The reconciler changes a connector (kept stopped: no task, no replication slot) and the monitor finds no drift.
    changed = {**stopped, "Config": {**stopped["Config"], "heartbeat.interval.ms": "5000"}}
    assert deployment.send("Update", changed, logical_id=logical_id, physical_id=NAME,
                           old_properties=stopped)["Data"] == {"Action": "updated", "State": "STOPPED"}
    assert _monitor(deployment)["drifted"] == []

    # Rotation 2: the successor issues the workers' certificates; the old one stays trusted while they are replaced.
    _rotate(secret, redeployment, "v3")
    after_two = secret.current()
    assert after_two["username"] == "platform-a" and after_two["ca_certificate"] == after_one["next_ca_certificate"]
    assert _issued_by(redeployment.port, after_two["ca_certificate"])
    assert not _issued_by(redeployment.port, first_authority)
    connect_rest._ACCESS.clear()  # a cold Lambda
    assert connect_rest.platform_client(url, deadline=time.monotonic() + 60).connectors() == [NAME]
    assert deployment.send("Update", stopped, logical_id=logical_id, physical_id=NAME,
                           old_properties=changed)["Data"] == {"Action": "updated", "State": "STOPPED"}
    assert _monitor(deployment)["drifted"] == []
    assert deployment.send("Delete", stopped, logical_id=logical_id, physical_id=NAME)["Data"] == \
        {"Action": "deleted"}


def test_a_rotation_the_workers_have_not_restarted_for_is_refused_and_changes_nothing(runtime, rotated_cluster):
    secret, redeployment = rotated_cluster

    class NoRedeployment:
        def update_service(self, **request):
            pass  # ECS did not replace the workers (a failed deployment)

    _rotate(secret, NoRedeployment(), "v2")  # platform-a's password changed; the running workers do not know it
    runtime.secrets.secrets[ARN] = json.dumps(secret.current())
    before = secret.current()
    with pytest.raises(rest_access.RotationError) as raised:
        _rotate(secret, NoRedeployment(), "v3")
    assert "have not restarted since the last rotation" in str(raised.value)
    assert secret.current() == before
    # The platform still reaches the workers with the current version.
    connect_rest._ACCESS.clear()
    assert connect_rest.platform_client(redeployment.worker.url, deadline=time.monotonic() + 60).connectors() == []
