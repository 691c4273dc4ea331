"""The Connect image's entrypoint, run with a stand-in ``java``: what it writes and what the JVM is given."""

import os
import stat
import subprocess
from pathlib import Path

from kafka_platform.constructs.connect_cluster import IMAGE_DIRECTORY
from kafka_platform.domain.connect_worker import rest_jaas_config

PASSWORD = "Gen3rat3dPassw0rd"


def run_entrypoint(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess:
    home, bin_dir = tmp_path / "connect", tmp_path / "bin"
    (home / "config").mkdir(parents=True)
    bin_dir.mkdir()
    (bin_dir / "java").write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$CONNECT_HOME/java-arguments"\n'
                                  'env > "$CONNECT_HOME/java-environment"\n')
    (bin_dir / "hostname").write_text("#!/bin/sh\necho 10.0.1.5\n")
    for tool in ("java", "hostname"):
        (bin_dir / tool).chmod(0o755)
    environment = {"PATH": f"{bin_dir}:/usr/bin:/bin", "CONNECT_HOME": str(home),
                   "CONNECT_WORKER_PROPERTIES": "group.id=cdc", "KAFKA_BOOTSTRAP_SERVERS": "b-1:9098",
                   "CONNECT_REST_JAAS": rest_jaas_config(str(home / "config" / "rest-credentials.properties")),
                   "CONNECT_REST_USERNAME": "platform", "CONNECT_REST_PASSWORD": PASSWORD, **overrides}
    environment = {k: v for k, v in environment.items() if v}
    return subprocess.run(["sh", str(IMAGE_DIRECTORY / "entrypoint.sh")], env=environment, capture_output=True,
                          text=True, timeout=30)


def test_the_rest_credentials_reach_files_only_the_worker_reads_and_never_the_command_line(tmp_path):
    result = run_entrypoint(tmp_path)
    assert result.returncode == 0, result.stderr
    config = tmp_path / "connect" / "config"
    assert (config / "rest-credentials.properties").read_text() == f"platform={PASSWORD}\n"
    assert (config / "rest-curl.conf").read_text() == f'user = "platform:{PASSWORD}"\n'
    assert "PropertyFileLoginModule required" in (config / "rest-jaas.conf").read_text()
    for name in ("rest-credentials.properties", "rest-curl.conf", "rest-jaas.conf", "worker.properties"):
        assert stat.S_IMODE(os.stat(config / name).st_mode) == 0o600, name
    arguments = (tmp_path / "connect" / "java-arguments").read_text().splitlines()
    assert f"-Djava.security.auth.login.config={config}/rest-jaas.conf" in arguments
    assert not any(PASSWORD in argument for argument in arguments)
    # The JVM, and so every connector, never sees the password in its environment.
    assert PASSWORD not in (tmp_path / "connect" / "java-environment").read_text()
    properties = (config / "worker.properties").read_text()
    assert "bootstrap.servers=b-1:9098" in properties and "rest.advertised.host.name=10.0.1.5" in properties


def test_a_worker_without_its_rest_password_does_not_start(tmp_path):
    result = run_entrypoint(tmp_path, CONNECT_REST_PASSWORD="")
    assert result.returncode != 0 and "the REST API's password is missing" in result.stderr
    assert not (tmp_path / "connect" / "java-arguments").exists()
