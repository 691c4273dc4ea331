"""The Connect image's entrypoint, run with a stand-in ``java`` (and the JDK's real ``keytool``): what it writes and
what the JVM is given."""

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from kafka_platform.constructs.connect_cluster import IMAGE_DIRECTORY
from kafka_platform.domain.connect_worker import rest_jaas_config
from tests.runtime_code.lambda_modules import load

x509 = load("x509")
PASSWORD = "Gen3rat3dPassw0rd"
STANDBY_PASSWORD = "St4ndbyPassw0rd"
CURRENT = x509.issue([], days=30, common_name="kafka-platform cdc REST CA", ca=True)
NEXT = x509.issue([], days=30, common_name="kafka-platform cdc REST CA", ca=True)
pytestmark = pytest.mark.skipif(shutil.which("keytool") is None, reason="the JDK's keytool builds the trust store")


def run_entrypoint(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess:
    home, bin_dir = tmp_path / "connect", tmp_path / "bin"
    (home / "config").mkdir(parents=True)
    bin_dir.mkdir()
    (bin_dir / "java").write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$CONNECT_HOME/java-arguments"\n'
                                  'env > "$CONNECT_HOME/java-environment"\n')
    (bin_dir / "hostname").write_text("#!/bin/sh\necho 10.0.1.5\n")
    (bin_dir / "keytool").symlink_to(shutil.which("keytool"))
    for tool in ("java", "hostname"):
        (bin_dir / tool).chmod(0o755)
    environment = {"PATH": f"{bin_dir}:/usr/bin:/bin", "CONNECT_HOME": str(home),
                   "CONNECT_WORKER_PROPERTIES": "group.id=cdc", "KAFKA_BOOTSTRAP_SERVERS": "b-1:9098",
                   "CONNECT_REST_JAAS": rest_jaas_config(str(home / "config" / "rest-credentials.properties")),
                   "CONNECT_REST_USERNAME": "platform-a", "CONNECT_REST_PASSWORD": PASSWORD,
                   "CONNECT_REST_STANDBY_USERNAME": "platform-b", "CONNECT_REST_STANDBY_PASSWORD": STANDBY_PASSWORD,
                   "CONNECT_REST_HOST": "rest.cdc.connect.internal",
                   "CONNECT_REST_CA_KEYSTORE": CURRENT.keystore_base64,
                   "CONNECT_REST_CA_KEYSTORE_PASSWORD": CURRENT.keystore_password,
                   "CONNECT_REST_CERTIFICATES": CURRENT.certificate_pem + NEXT.certificate_pem, **overrides}
    environment = {k: v for k, v in environment.items() if v}
    return subprocess.run(["sh", str(IMAGE_DIRECTORY / "entrypoint.sh")], env=environment, capture_output=True,
                          text=True, timeout=60)


def test_the_rest_credentials_reach_files_only_the_worker_reads_and_never_the_command_line(tmp_path):
    result = run_entrypoint(tmp_path)
    assert result.returncode == 0, result.stderr
    config = tmp_path / "connect" / "config"
    # Both users: the active one the Lambdas sign in as, and the standby a rotation switches to.
    assert (config / "rest-credentials.properties").read_text() == \
        f"platform-a={PASSWORD}\nplatform-b={STANDBY_PASSWORD}\n"
    assert (config / "rest-curl.conf").read_text() == f'user = "platform-a:{PASSWORD}"\n'
    assert "PropertyFileLoginModule required" in (config / "rest-jaas.conf").read_text()
    for name in ("rest-credentials.properties", "rest-curl.conf", "rest-jaas.conf", "worker.properties",
                 "rest-keystore.p12", "rest-truststore.p12", "rest-certificates.pem"):
        assert stat.S_IMODE(os.stat(config / name).st_mode) == 0o600, name
    arguments = (tmp_path / "connect" / "java-arguments").read_text().splitlines()
    assert f"-Djava.security.auth.login.config={config}/rest-jaas.conf" in arguments
    assert not any(secret in argument for argument in arguments
                   for secret in (PASSWORD, STANDBY_PASSWORD, CURRENT.keystore_password))
    # The JVM, and so every connector, never sees a password or the authority's key in its environment, and the
    # authority's key is not left on disk.
    environment = (tmp_path / "connect" / "java-environment").read_text()
    for secret in (PASSWORD, STANDBY_PASSWORD, CURRENT.keystore_password, CURRENT.keystore_base64[:40],
                   "TRUST_PASSWORD", "KEYSTORE_PASSWORD"):
        assert secret not in environment
    assert sorted(p.name for p in config.iterdir()) == [
        "rest-certificates.pem", "rest-credentials.properties", "rest-curl.conf", "rest-jaas.conf",
        "rest-keystore.p12", "rest-truststore.p12", "worker.properties"]
    properties = (config / "worker.properties").read_text()
    assert "bootstrap.servers=b-1:9098" in properties and "rest.advertised.host.name=10.0.1.5" in properties
    assert "listeners.https.ssl.keystore.password=" in properties


def _store(config: Path, name: str, password_key: str) -> str:
    properties = (config / "worker.properties").read_text()
    password = properties.split(f"listeners.https.ssl.{password_key}.password=")[1].split("\n")[0]
    return subprocess.run(["keytool", "-list", "-rfc", "-storetype", "PKCS12", "-keystore", str(config / name),
                           "-storepass", password], capture_output=True, text=True, check=True).stdout


def test_the_trust_store_holds_every_authority_the_secret_lists(tmp_path):
    assert run_entrypoint(tmp_path).returncode == 0
    listing = _store(tmp_path / "connect" / "config", "rest-truststore.p12", "truststore")
    found = {x509.fingerprint(pem) for pem in x509.split_bundle(listing)}
    assert found == {x509.fingerprint(CURRENT.certificate_pem), x509.fingerprint(NEXT.certificate_pem)}
    assert listing.count("trustedCertEntry") == 2 and listing.count("Alias name:") == 2


def test_the_worker_issues_itself_a_certificate_for_its_name_and_its_ip_from_the_current_authority(tmp_path):
    """Jetty 12 refuses a request whose Host the certificate does not name, and followers forward to the leader by
    its IP: each worker's certificate names the task's IP, the REST API's name and localhost (the health check)."""
    assert run_entrypoint(tmp_path).returncode == 0
    listing = _store(tmp_path / "connect" / "config", "rest-keystore.p12", "keystore")
    assert listing.count("Alias name:") == 1 and "PrivateKeyEntry" in listing and "Certificate chain length: 2" \
        in listing
    chain = x509.split_bundle(listing)
    assert len(chain) == 2 and x509.fingerprint(chain[1]) == x509.fingerprint(CURRENT.certificate_pem)
    text = subprocess.run(["openssl", "x509", "-noout", "-text"], input=chain[0], capture_output=True, text=True,
                          check=True).stdout
    assert "DNS:rest.cdc.connect.internal, DNS:localhost, IP Address:10.0.1.5" in text
    assert "CA:FALSE" in text and "TLS Web Server Authentication" in text
    (tmp_path / "ca.pem").write_text(CURRENT.certificate_pem)
    (tmp_path / "leaf.pem").write_text(chain[0])
    subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "ca.pem"), str(tmp_path / "leaf.pem")],
                   check=True, capture_output=True)


@pytest.mark.parametrize("missing, message", [
    ("CONNECT_REST_PASSWORD", "the REST API's password is missing"),
    ("CONNECT_REST_STANDBY_PASSWORD", "the REST API's standby password is missing"),
    ("CONNECT_REST_CA_KEYSTORE", "the REST API's certificate authority is missing"),
    ("CONNECT_REST_CERTIFICATES", "the REST API's trusted certificates are missing")])
def test_a_worker_without_its_rest_access_does_not_start(tmp_path, missing, message):
    result = run_entrypoint(tmp_path, **{missing: ""})
    assert result.returncode != 0 and message in result.stderr
    assert not (tmp_path / "connect" / "java-arguments").exists()


def test_a_certificate_bundle_without_a_certificate_stops_the_worker(tmp_path):
    result = run_entrypoint(tmp_path, CONNECT_REST_CERTIFICATES="not a certificate")
    assert result.returncode != 0 and "holds no certificate" in result.stderr
