"""The REST access secret: its first version, its rotation (alternating users, a certificate renewed in two steps),
Secrets Manager's rotation protocol, and a client that pins the secret's certificates."""

from __future__ import annotations

import datetime
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.runtime_code.lambda_modules import load
from tests.runtime_code.memory_stores import VersionedSecret

x509 = load("x509")
rest_access = load("rest_access")
connect_rest = load("connect_rest")
ARN = "arn:aws:secretsmanager:eu-west-2:111122223333:secret:prod-connect-rest-AbCdEf"
HOST = "rest.bank-cdc.connect.internal"
NOW = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    monkeypatch.setenv("CONNECT_CLUSTER", "bank-cdc")
    monkeypatch.setenv("SECRET_ARN", ARN)
    monkeypatch.setenv("ECS_CLUSTER", "connect-cluster")
    monkeypatch.setenv("ECS_SERVICE", "connect-service")
    monkeypatch.setenv("CONNECT_URL", f"https://{HOST}:8083")


# ---- the certificate ---------------------------------------------------------------------------------------------
def test_a_certificate_names_its_hosts_and_lasts_its_days():
    issued = x509.issue([HOST, "localhost"], days=397)
    ends = x509.not_after(issued.certificate_pem)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(days=396) < ends - now <= datetime.timedelta(days=397)
    assert x509.split_bundle(issued.certificate_pem + issued.certificate_pem) == [issued.certificate_pem] * 2
    assert len(x509.fingerprint(issued.certificate_pem)) == 64
    # Two issues never share a key or a certificate.
    other = x509.issue([HOST], days=1)
    assert other.keystore_base64 != issued.keystore_base64 and other.certificate_pem != issued.certificate_pem


def test_an_authority_may_sign_and_nothing_else(tmp_path):
    import subprocess

    issued = x509.issue([], days=30, common_name="kafka-platform bank-cdc REST CA", ca=True)
    (tmp_path / "ca.pem").write_text(issued.certificate_pem)
    text = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "ca.pem"), "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    assert "CA:TRUE, pathlen:0" in text and "Certificate Sign, CRL Sign" in text
    assert "CN = kafka-platform bank-cdc REST CA" in text and "Subject Alternative Name" not in text


@pytest.mark.parametrize("names, days, options", [([], 30, {}), (["Upper.Case"], 30, {}), (["ok.internal"], 0, {}),
                                                  (["ok.internal"], 826, {}), (["bad name"], 30, {}),
                                                  ([], 30, {"ca": True})])
def test_a_certificate_is_refused_for_bad_names_or_lifetimes(names, days, options):
    with pytest.raises(x509.CertificateError):
        x509.issue(names, days=days, **options)


# ---- the first version -----------------------------------------------------------------------------------------
class Ecs:
    def __init__(self) -> None:
        self.updates: list[dict] = []

    def update_service(self, **request):
        self.updates.append(request)


def initialization(request_type: str = "Create") -> dict:
    return {"RequestType": request_type, "ResourceProperties": {"SecretArn": ARN}, "ResponseURL": "https://x",
            "StackId": "s", "RequestId": "r", "LogicalResourceId": "Initialization"}


def test_the_first_version_holds_two_users_and_the_clusters_authority_which_alone_is_trusted(monkeypatch):
    secrets, sent = VersionedSecret("generated-placeholder"), []
    monkeypatch.setattr(load("custom_resource"), "_put", lambda url, data: sent.append(json.loads(data)))
    rest_access.initialize(initialization(), None, secrets_client=secrets)
    assert sent[-1]["Status"] == "SUCCESS" and sent[-1]["Data"] == {"Initialized": "written"}
    value = secrets.current()
    assert set(value) == set(rest_access.KEYS)
    assert (value["username"], value["standby_username"]) == rest_access.USERS
    assert value["password"] != value["standby_password"] and value["password"].isalnum()
    assert value["certificates"] == value["ca_certificate"]
    assert _text(value["ca_certificate"]).startswith("CN=kafka-platform bank-cdc REST CA, serialNumber=")
    # Nothing of it reaches CloudFormation.
    assert not any(value[key][:20] in json.dumps(sent) for key in ("password", "standby_password", "ca_keystore"))


def _text(pem: str) -> str:
    import subprocess

    return subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "sep_comma_plus_space"], input=pem,
                          capture_output=True, text=True, check=True).stdout.replace("subject=", "")


def test_the_first_version_is_written_once_and_never_replaced_by_a_second_call(monkeypatch):
    secrets = VersionedSecret("generated-placeholder")
    monkeypatch.setattr(load("custom_resource"), "_put", lambda url, data: None)
    rest_access.initialize(initialization(), None, secrets_client=secrets)
    first = secrets.current()
    for request_type in ("Create", "Update", "Delete"):
        rest_access.initialize(initialization(request_type), None, secrets_client=secrets)
    assert secrets.current() == first and secrets.calls.count("PutSecretValue") == 1


# ---- rotation --------------------------------------------------------------------------------------------------
def first(days: int = 397) -> dict:
    issued = x509.issue([], days=days, common_name="kafka-platform bank-cdc REST CA", ca=True)
    return {"username": "platform-a", "password": "a1", "standby_username": "platform-b", "standby_password": "b1",
            "ca_keystore": issued.keystore_base64, "ca_keystore_password": issued.keystore_password,
            "ca_certificate": issued.certificate_pem, "certificates": issued.certificate_pem}


NAME = "kafka-platform bank-cdc REST CA"


def test_a_rotation_makes_the_standby_active_with_the_password_every_worker_knows():
    current = first()
    new = rest_access.rotated(current, NAME, NOW)
    assert (new["username"], new["password"]) == ("platform-b", "b1")  # unchanged: the running workers know it
    assert new["standby_username"] == "platform-a" and new["standby_password"] not in ("a1", "b1")
    assert new["ca_keystore"] == current["ca_keystore"] and new["certificates"] == current["ca_certificate"]
    again = rest_access.rotated(new, NAME, NOW)
    assert (again["username"], again["password"]) == ("platform-a", new["standby_password"])


def test_an_authority_near_its_end_is_renewed_in_two_rotations_and_always_trusted_before_it_issues():
    current = first(days=100)  # within RENEW_DAYS of its end
    now = datetime.datetime.now(datetime.timezone.utc)
    issued_next = rest_access.rotated(current, NAME, now)
    # First rotation: the next authority is trusted everywhere, and issues nothing yet.
    assert issued_next["ca_keystore"] == current["ca_keystore"]
    assert x509.split_bundle(issued_next["certificates"]) == [current["ca_certificate"],
                                                             issued_next["next_ca_certificate"]]
    promoted = rest_access.rotated(issued_next, NAME, now)
    # Second: it issues the workers' certificates, and the old one stays trusted while the workers are replaced.
    assert promoted["ca_keystore"] == issued_next["next_ca_keystore"]
    assert promoted["ca_certificate"] == issued_next["next_ca_certificate"]
    assert not any(key.startswith("next_") for key in promoted)
    assert x509.split_bundle(promoted["certificates"]) == [promoted["ca_certificate"], current["ca_certificate"]]
    # Third: only the authority in use.
    settled = rest_access.rotated(promoted, NAME, now)
    assert x509.split_bundle(settled["certificates"]) == [promoted["ca_certificate"]]


def test_a_version_this_function_did_not_write_is_not_rotated():
    with pytest.raises(rest_access.RotationError) as raised:
        rest_access.rotated({"username": "platform", "password": "x"}, NAME, NOW)
    assert "standby_username" in str(raised.value)


def rotation_event(step: str, token: str = "v2") -> dict:
    return {"SecretId": ARN, "ClientRequestToken": token, "Step": step}


def run_rotation(secrets: Secrets, ecs: Ecs, probe) -> None:
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        rest_access.rotate(rotation_event(step), None, secrets_client=secrets, ecs_client=ecs, probe=probe,
                           clock=lambda: NOW)


def test_the_four_steps_stage_a_new_version_test_it_make_it_current_and_redeploy_the_workers():
    secrets, ecs, probed = VersionedSecret(first()), Ecs(), []
    secrets.rotate()
    run_rotation(secrets, ecs, probed.append)
    assert secrets.current()["username"] == "platform-b"
    assert [p["username"] for p in probed] == ["platform-b"]
    assert ecs.updates == [{"cluster": "connect-cluster", "service": "connect-service", "forceNewDeployment": True}]
    # A retried createSecret finds its pending version and writes nothing more.
    secrets.rotate("v3")
    for _ in range(2):
        rest_access.rotate(rotation_event("createSecret", "v3"), None, secrets_client=secrets, clock=lambda: NOW)
    assert secrets.calls.count("PutSecretValue") == 2


def test_a_rotation_the_running_workers_refuse_keeps_the_current_version_and_redeploys_nothing():
    secrets, ecs = VersionedSecret(first()), Ecs()
    before = secrets.current()
    secrets.rotate()

    def refused(pending):
        raise rest_access.RotationError("the workers refuse the next version")

    with pytest.raises(rest_access.RotationError):
        run_rotation(secrets, ecs, refused)
    assert secrets.current() == before and ecs.updates == []


def test_a_step_for_another_secret_or_an_unknown_version_is_refused():
    secrets = VersionedSecret(first())
    with pytest.raises(rest_access.RotationError) as raised:
        rest_access.rotate({**rotation_event("createSecret"), "SecretId": ARN + "-other"}, None,
                           secrets_client=secrets)
    assert "rotates" in str(raised.value) and "PutSecretValue" not in secrets.calls
    with pytest.raises(rest_access.RotationError) as raised:
        rest_access.rotate(rotation_event("createSecret", token="unknown"), None, secrets_client=secrets)
    assert "does not exist" in str(raised.value)


def test_a_step_on_the_current_version_does_nothing():
    secrets, ecs = VersionedSecret(first()), Ecs()
    rest_access.rotate(rotation_event("finishSecret", token="v1"), None, secrets_client=secrets, ecs_client=ecs)
    assert ecs.updates == [] and "UpdateSecretVersionStage" not in secrets.calls


# ---- the client pins the secret's certificates -----------------------------------------------------------------
class _Api(BaseHTTPRequestHandler):
    password = "a1"

    def do_GET(self):  # noqa: N802
        import base64

        ok = self.headers.get("Authorization") == "Basic " + base64.b64encode(
            f"platform-a:{self.password}".encode()).decode()
        body = b'["accounts-cdc"]' if ok else b'{"error_code":401,"message":"User cannot access the resource."}'
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def tls_api(tmp_path: Path):
    issued = x509.issue(["localhost"], days=2)
    (tmp_path / "c.pem").write_text(issued.certificate_pem)
    (tmp_path / "k.pem").write_text(issued.private_key_pem)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield f"https://localhost:{server.server_address[1]}", issued.certificate_pem
    server.shutdown()


def test_a_client_trusting_two_certificates_for_the_same_name_verifies_either(tls_api):
    """The current and the next certificate name the same host; each has a subject of its own, so that OpenSSL
    does not take the other one as the issuer (found on the real worker when both named localhost alone)."""
    url, certificate = tls_api
    other = x509.issue(["localhost"], days=2).certificate_pem
    for bundle in (other + certificate, certificate + other):
        client = connect_rest.ConnectClient(url, deadline=1e12, credentials=("platform-a", "a1"), certificates=bundle)
        assert client.connectors() == ["accounts-cdc"]


def test_the_client_trusts_only_the_certificates_it_is_given(tls_api):
    url, certificate = tls_api
    client = connect_rest.ConnectClient(url, deadline=1e12, credentials=("platform-a", "a1"),
                                        certificates=certificate)
    assert client.connectors() == ["accounts-cdc"]
    stranger = x509.issue(["localhost"], days=2).certificate_pem
    impostor = connect_rest.ConnectClient(url, deadline=1e12, credentials=("platform-a", "a1"),
                                          certificates=stranger,
                                          sleep=lambda s: pytest.fail("an untrusted certificate is never retried"))
    with pytest.raises(connect_rest.ConnectError) as raised:
        impostor.connectors()
    assert "a certificate the platform does not trust" in str(raised.value)


def test_an_https_url_without_certificates_is_refused():
    with pytest.raises(connect_rest.ConnectError) as raised:
        connect_rest.ConnectClient("https://rest.x.connect.internal:8083", deadline=1e12)
    assert "no certificate to trust" in str(raised.value)


def test_a_refused_password_or_certificate_reads_the_secret_once_more(tls_api, monkeypatch):
    url, certificate = tls_api
    monkeypatch.setattr(_Api, "password", "a2")  # rotated since the client cached its copy
    reads = []

    def reload():
        reads.append(1)
        return connect_rest.RestAccess("platform-a", "a2", certificate)

    stale = connect_rest.ConnectClient(url, deadline=1e12, credentials=("platform-a", "a1"),
                                       certificates=x509.issue(["localhost"], days=1).certificate_pem,
                                       reload=reload, sleep=lambda s: None)
    assert stale.connectors() == ["accounts-cdc"] and reads == [1]
    wrong = connect_rest.ConnectClient(url, deadline=1e12, credentials=("platform-a", "a1"), certificates=certificate,
                                       reload=lambda: connect_rest.RestAccess("platform-a", "still-wrong",
                                                                              certificate), sleep=lambda s: None)
    with pytest.raises(connect_rest.ConnectError) as raised:
        wrong.connectors()
    assert raised.value.status == 401 and "still-wrong" not in str(raised.value)
