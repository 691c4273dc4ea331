"""Real Kafka, Kafka Connect with Debezium, and PostgreSQL on loopback, for the runtime tests.

* Jars: resolved by Maven from Maven Central with ``connect_image/pom.xml`` and the versions of
  ``connect_image/versions.json``, the very files the Connect image is built from; cached under ``.runtime-cache/``
  (Maven's own repository included), so the second run resolves nothing.
* Kafka: three KRaft nodes (broker and controller each) running the server properties the MSK configuration declares
  (``kafka_platform.domain.msk.effective_server_properties``): replication 3 and min ISR 2 cannot hold on one node.
* PostgreSQL: Debian's server binaries, logical replication on, TLS on with a certificate for 127.0.0.1 signed by a CA
  of the harness's own (connectors keep ``sslmode=verify-full`` and name that CA as ``database.sslrootcert``).
* Kafka Connect: distributed workers with ``kafka_platform.domain.connect_worker.worker_properties``, plaintext
  instead of MSK IAM (a local broker has no IAM), and the connectors' credentials in their environment; the REST API
  listens with TLS and asks for basic credentials (the platform's JAAS file): the access secret's first version is
  the one the platform's own initializer writes (``lambda/rest_access.py``), with a certificate for ``localhost``,
  and ``FakeSecretsManager`` hands it to the Lambda code through boto3, as Secrets Manager does on AWS. The tests'
  own requests (``rest_request``) trust the harness's certificates through ``urllib``'s default opener; the Lambda
  code trusts only what the secret lists.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

from kafka_platform.constructs.connect_cluster import IMAGE_DIRECTORY, pinned_versions
from kafka_platform.domain.connect_worker import ConnectWorkerSettings, render, rest_jaas_config, rest_tls_properties, \
    worker_properties
from kafka_platform.domain.msk import effective_server_properties
from tests.runtime_code.lambda_modules import load as load_lambda

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".runtime-cache"
DB_USER = "debezium"
DB_PASSWORD = "debezium-test-password"
WRONG_PASSWORD = "not-the-password"
REST_SECRET_ARN = "arn:aws:secretsmanager:eu-west-2:111122223333:secret:runtime-connect-rest-AbCdEf"
#: The REST API's name in the tests: the certificate names it, as it names rest.<name>.connect.internal on AWS.
REST_HOST = "localhost"
#: The access secret's first version, written as the platform's initializer writes it.
REST_ACCESS: dict[str, str] = load_lambda("rest_access").initial("kafka-platform runtime REST CA")
REST_USERNAME, REST_PASSWORD = REST_ACCESS["username"], REST_ACCESS["password"]
# The tests' own requests (urllib's default opener) trust the certificates the harness issues, and nothing else.
_TEST_TRUST = ssl.create_default_context(cadata=REST_ACCESS["certificates"])
urllib.request.install_opener(urllib.request.build_opener(urllib.request.HTTPSHandler(context=_TEST_TRUST)))


def trust_in_tests(certificates: str) -> None:
    """Let the tests' own requests trust ``certificates`` too (a rotation's renewed certificate)."""
    _TEST_TRUST.load_verify_locations(cadata=certificates)


def rest_request(url: str, *, method: str = "GET", data: bytes | None = None,
                 credentials: tuple[str, str] | None = (REST_USERNAME, REST_PASSWORD)) -> urllib.request.Request:
    """A request to a worker's REST API, with the platform's basic credentials unless told otherwise."""
    import base64

    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if credentials:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(credentials).encode()).decode()
    return urllib.request.Request(url, data=data, method=method, headers=headers)


class FakeSecretsManager:
    """Answers Secrets Manager's GetSecretValue for the REST credentials, on loopback: boto3 reaches it through
    ``AWS_ENDPOINT_URL_SECRETS_MANAGER``, so the Lambda code reads its credentials exactly as on AWS."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        import threading

        #: SecretString by ARN: the REST credentials, and whatever a test puts here (a data product's salt).
        self.secrets: dict[str, str] = {REST_SECRET_ARN: json.dumps(REST_ACCESS)}
        self.requests: list[str] = []
        requests, secrets = self.requests, self.secrets

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                requests.append(body.get("SecretId", ""))
                found = self.headers.get("X-Amz-Target") == "secretsmanager.GetSecretValue" and \
                    body.get("SecretId") in secrets
                answer = ({"ARN": body["SecretId"], "Name": body["SecretId"].split(":")[-1],
                           "SecretString": secrets[body["SecretId"]]}
                          if found else {"__type": "ResourceNotFoundException", "message": "no such secret"})
                payload = json.dumps(answer).encode()
                self.send_response(200 if found else 400)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()


# The test tier's JVMs start fast and small; the Connect image's (entrypoint.sh) run G1 and stop on running out of heap.
TEST_JVM_FLAGS = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
IMAGE_JVM_FLAGS = ("-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError")


class MissingPrerequisite(Exception):
    """What to install so that the runtime tests can run."""


def prerequisites() -> dict[str, str]:
    """Java 17+, Maven and PostgreSQL's server binaries; raises MissingPrerequisite naming what to install."""
    missing = []
    java, mvn = shutil.which("java"), shutil.which("mvn")
    if java is None:
        missing.append("Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)")
    if mvn is None:
        missing.append("Maven (Debian: apt-get install maven)")
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        missing.append("PostgreSQL's server (Debian: apt-get install postgresql)")
    if shutil.which("keytool") is None:
        missing.append("the JDK's keytool (Debian: apt-get install openjdk-17-jre-headless)")
    if shutil.which("openssl") is None:
        missing.append("openssl (Debian: apt-get install openssl)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        missing.append("runuser (util-linux), to run PostgreSQL as its own user")
    if missing:
        raise MissingPrerequisite("runtime tests need " + "; ".join(missing))
    return {"java": java, "mvn": mvn, "pg_bin": str(Path(bins[-1]).parent)}


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, *, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # noqa: BLE001 - keep trying until the deadline, report the last error
            last = error
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready within {timeout:.0f} s" + (f": {last}" if last else ""))


# ---- jars ------------------------------------------------------------------------------------------------------

def resolve_jars(mvn: str) -> Path:
    """The Connect image's jars plus a broker, for the versions of versions.json; resolved once and cached."""
    versions = pinned_versions()
    pom = IMAGE_DIRECTORY / "pom.xml"
    sources = sorted((IMAGE_DIRECTORY / "src").rglob("*.java"))
    key = hashlib.sha256(pom.read_bytes() + json.dumps(versions, sort_keys=True).encode()
                         + b"".join(path.read_bytes() for path in sources)).hexdigest()[:16]
    target = CACHE / f"jars-{key}"
    if (target / "complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    # Maven writes target/ beside the pom it runs: give it a copy in the cache, never the package's own file.
    build = CACHE / "maven-build"
    build.mkdir(parents=True, exist_ok=True)
    # The dependency plugin skips an unpack whose marker a previous build left in target/: start clean.
    shutil.rmtree(build / "target", ignore_errors=True)
    shutil.copy(pom, build / "pom.xml")
    shutil.rmtree(build / "src", ignore_errors=True)
    shutil.copytree(IMAGE_DIRECTORY / "src", build / "src")
    command = [mvn, "-q", "-B", "-f", str(build / "pom.xml"), "-Pbroker", "package", f"-Doutput.dir={target}",
               f"-Dmaven.repo.local={CACHE / 'm2'}", f"-Dkafka.version={versions['kafka']}",
               f"-Ddebezium.version={versions['debezium']}",
               f"-Daws.msk.iam.auth.version={versions['aws_msk_iam_auth']}", f"-Dlog4j.version={versions['log4j']}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=build)
    if result.returncode != 0:
        raise RuntimeError(f"Maven could not resolve the Connect jars:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    (target / "complete").write_text(json.dumps(versions))
    return target


# ---- processes ---------------------------------------------------------------------------------------------------

@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""


def start_process(name: str, command: list[str], directory: Path, env: Mapping[str, str] | None = None) -> Process:
    log = directory / f"{name}.log"
    handle = open(log, "ab")  # noqa: SIM115 - closed when the process ends
    popen = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                             cwd=directory, start_new_session=True)
    return Process(name, popen, log)


# ---- PostgreSQL --------------------------------------------------------------------------------------------------

def issue_server_certificate(directory: Path, data: Path) -> None:
    """A CA (``directory/ca.crt``) and, signed by it, the server's certificate for 127.0.0.1 and localhost."""
    def openssl(*arguments: str) -> None:
        subprocess.run(["openssl", *arguments], check=True, capture_output=True, timeout=60)

    openssl("req", "-new", "-x509", "-days", "2", "-nodes", "-subj", "/CN=kafka-platform test CA",
            "-keyout", str(directory / "ca.key"), "-out", str(directory / "ca.crt"))
    openssl("req", "-new", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(data / "server.key"),
            "-out", str(directory / "server.csr"))
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-days", "2", "-in", str(directory / "server.csr"), "-CA", str(directory / "ca.crt"),
            "-CAkey", str(directory / "ca.key"), "-CAcreateserial", "-extfile", str(directory / "san.ext"),
            "-out", str(data / "server.crt"))
    os.chmod(directory / "ca.crt", 0o644)


@dataclass
class Postgres:
    bin_dir: Path
    directory: Path
    port: int
    process: Process | None = None
    #: Each connector holds one replication slot and one WAL sender, and two connections (with its JDBC one).
    max_replication_slots: int = 40

    @property
    def ca_file(self) -> Path:
        """The CA that signed the server's certificate: what a connector's ``database.sslrootcert`` names here."""
        return self.directory / "ca.crt"

    def _as_postgres(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def start(self) -> None:
        data = self.directory / "data"
        data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
            shutil.chown(data, "postgres")
        subprocess.run(self._as_postgres([str(self.bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                                          "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8"]),
                       check=True, capture_output=True, timeout=120)
        issue_server_certificate(self.directory, data)
        os.chmod(data / "server.key", 0o600)
        if os.geteuid() == 0:
            for name in ("server.key", "server.crt"):
                shutil.chown(data / name, "postgres")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{data}'\n"
                       f"wal_level = logical\nmax_replication_slots = {self.max_replication_slots}\n"
                       f"max_wal_senders = {self.max_replication_slots}\n"
                       f"max_connections = {max(100, 3 * self.max_replication_slots)}\nssl = on\n"
                       "ssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nfsync = off\n")
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 scram-sha-256\n")
        self.process = start_process("postgres", self._as_postgres([str(self.bin_dir / "postgres"), "-D", str(data)]),
                                     self.directory)
        wait_until(lambda: self.sql("postgres", "SELECT 1") == "1", timeout=60, what="PostgreSQL")
        self.sql("postgres", f"CREATE ROLE {DB_USER} WITH LOGIN REPLICATION PASSWORD '{DB_PASSWORD}'")

    def sql(self, database: str, statement: str) -> str:
        """Run SQL as the postgres superuser over the local socket; returns the unaligned, tuples-only output."""
        command = self._as_postgres(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h",
                                     str(self.directory / "data"), "-p", str(self.port), "-U", "postgres", "-d",
                                     database, "-c", statement])
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"psql on {database}: {result.stderr.strip()}")
        return result.stdout.strip()

    def create_database(self, name: str, tables: list[str]) -> None:
        """A microservice's database, owned by the Debezium user (so that it may create filtered publications), with
        its tables and the heartbeat table the connectors write to."""
        if self.sql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1":
            return
        self.sql("postgres", f"CREATE DATABASE {name} OWNER {DB_USER}")
        statements = [f"SET ROLE {DB_USER}",
                      "CREATE TABLE debezium_heartbeat (id int PRIMARY KEY, seen_at timestamptz NOT NULL)"]
        for table in tables:
            schema, table_name = table.split(".")
            statements.append(f"CREATE TABLE {schema}.{table_name} (id bigserial PRIMARY KEY, reference text NOT NULL, "
                              "amount numeric(12, 2), updated_at timestamptz NOT NULL DEFAULT now())")
        self.sql(name, "; ".join(statements))

    def stop(self) -> None:
        if self.process:
            self.process.stop()


# ---- Kafka ---------------------------------------------------------------------------------------------------------

@dataclass
class KafkaNodes:
    """Three KRaft nodes, each a broker and a controller, with the MSK configuration's server properties."""

    jars: Path
    directory: Path
    server_properties: Mapping[str, str]
    nodes: int = 3
    #: The test tier's small fast-starting JVM; a benchmark gives the brokers Kafka's own (G1, the full JIT).
    jvm_flags: tuple[str, ...] = TEST_JVM_FLAGS
    broker_ports: list[int] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.broker_ports)

    def start(self) -> None:
        self.broker_ports = [free_port() for _ in range(self.nodes)]
        controller_ports = [free_port() for _ in range(self.nodes)]
        voters = ",".join(f"{i + 1}@127.0.0.1:{port}" for i, port in enumerate(controller_ports))
        cluster_id = base64_uuid()
        for i in range(self.nodes):
            node_dir = self.directory / f"kafka-{i + 1}"
            node_dir.mkdir(parents=True)
            properties = {
                **self.server_properties,
                "process.roles": "broker,controller", "node.id": str(i + 1), "controller.quorum.voters": voters,
                "listeners": f"PLAINTEXT://127.0.0.1:{self.broker_ports[i]},CONTROLLER://127.0.0.1:{controller_ports[i]}",
                "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.broker_ports[i]}",
                "controller.listener.names": "CONTROLLER", "inter.broker.listener.name": "PLAINTEXT",
                "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs": str(node_dir / "data"), "group.initial.rebalance.delay.ms": "0",
            }
            config = node_dir / "server.properties"
            config.write_text(render(dict(sorted(properties.items()))))
            subprocess.run(java_command(self.jars, "kafka.tools.StorageTool", ["format", "-t", cluster_id, "-c",
                                                                                 str(config)], heap="256m"),
                           check=True, capture_output=True, timeout=120)
            self.processes.append(start_process(f"kafka-{i + 1}", java_command(self.jars, "kafka.Kafka",
                                                                               [str(config)], heap="512m",
                                                                               flags=self.jvm_flags),
                                                node_dir))
        for port, process in zip(self.broker_ports, self.processes):
            wait_until(lambda p=port, proc=process: _port_open(p) or _dead(proc), timeout=90,
                       what=f"Kafka node {process.name}")
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited:\n{process.tail()}")

    def stop(self) -> None:
        # All at once: one by one, each broker's controlled shutdown waits for controllers already leaving. The data
        # is thrown away, so a node that has not stopped within ten seconds is killed.
        for process in self.processes:
            if process.popen.poll() is None:
                process.popen.terminate()
        for process in self.processes:
            process.stop(timeout=10)


def base64_uuid() -> str:
    """A KRaft cluster id. Like Kafka's own Uuid.randomUuid, never starting with '-', which a command line would
    read as an option."""
    import base64

    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


def java_command(jars: Path, main: str, arguments: list[str], *, heap: str,
                 system_properties: Mapping[str, str] | None = None,
                 flags: tuple[str, ...] = TEST_JVM_FLAGS) -> list[str]:
    return ["java", f"-Xms{heap}", f"-Xmx{heap}", *flags,
            *(f"-D{key}={value}" for key, value in (system_properties or {}).items()),
            f"-Dlog4j2.configurationFile={IMAGE_DIRECTORY / 'log4j2.properties'}", "-cp", f"{jars / 'libs'}/*",
            main, *arguments]


def _port_open(port: int) -> bool:
    with contextlib.closing(socket.socket()) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _dead(process: Process) -> bool:
    return process.popen.poll() is not None


# ---- Kafka Connect -------------------------------------------------------------------------------------------

@dataclass
class ConnectWorker:
    url: str
    process: Process

    def stop(self) -> None:
        self.process.stop()


def start_connect_worker(jars: Path, directory: Path, bootstrap: str, settings: ConnectWorkerSettings,
                         environment: Mapping[str, str], name: str, wait: bool = True, *, heap: str = "768m",
                         image_jvm: bool = False, platform_settings_only: bool = False,
                         overrides: Mapping[str, str] | None = None,
                         access: Mapping[str, str] | None = None, port: int | None = None) -> ConnectWorker:
    """A worker with the platform's settings; the tests flush offsets every second (``platform_settings_only``: not
    even that) and run a small fast-starting JVM (``image_jvm``: the image's flags); ``overrides``: worker properties
    to try instead (make bench-connect's producer variants); ``access``: the REST access secret's version it starts
    with (default: the first); ``port``: the REST port (a replaced worker keeps its address, as Cloud Map's name
    does on AWS)."""
    access = dict(access or REST_ACCESS)
    port = port or free_port()
    worker_dir = directory / name
    worker_dir.mkdir(parents=True, exist_ok=True)
    properties = {**worker_properties(settings),
                  **rest_tls_properties(str(worker_dir / "rest-keystore.p12"), str(worker_dir / "rest-truststore.p12")),
                  "bootstrap.servers": bootstrap, "listeners": f"https://127.0.0.1:{port}",
                  "rest.advertised.host.name": "127.0.0.1", "rest.advertised.port": str(port),
                  "plugin.path": str(jars / "plugins"),
                  **({} if platform_settings_only else {"offset.flush.interval.ms": "1000"}), **(overrides or {})}
    config = worker_dir / "worker.properties"
    config.write_text(render(properties))
    rest_tls_files(worker_dir, config, access)
    # The REST API's basic authentication, as the image's entrypoint writes it: both users.
    credentials = worker_dir / "rest-credentials.properties"
    credentials.write_text(f"{access['username']}={access['password']}\n"
                           f"{access['standby_username']}={access['standby_password']}\n")
    jaas = worker_dir / "rest-jaas.conf"
    jaas.write_text(rest_jaas_config(str(credentials)))
    command = java_command(jars, "org.apache.kafka.connect.cli.ConnectDistributed", [str(config)], heap=heap,
                           system_properties={"java.security.auth.login.config": str(jaas)},
                           flags=IMAGE_JVM_FLAGS if image_jvm else TEST_JVM_FLAGS)
    process = start_process(name, command, worker_dir, environment)
    url = f"https://{REST_HOST}:{port}"

    def ready() -> bool:
        if process.popen.poll() is not None:
            raise RuntimeError(f"Kafka Connect {name} exited:\n{process.tail()}")
        request = rest_request(f"{url}/connector-plugins", credentials=(access["username"], access["password"]))
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            plugins = json.loads(response.read())
        return any(p["class"].endswith("PostgresConnector") for p in plugins)

    if wait:
        try:
            wait_until(ready, timeout=120, what=f"Kafka Connect {name}", interval=1.0)
        except BaseException:
            process.stop()  # nobody else holds it yet: a worker that never became ready must not outlive the run
            raise
    return ConnectWorker(url, process)


def rest_tls_files(worker_dir: Path, properties: Path, access: Mapping[str, str]) -> None:
    """The listener's stores, made by the image's own script (``connect_image/rest-tls.sh``): a key and a
    certificate for ``localhost`` and 127.0.0.1 issued by the secret's authority, and a trust store of the
    authorities it lists; their passwords appended to ``properties``."""
    environment = {"PATH": os.environ["PATH"], "HOST": "127.0.0.1", "CONNECT_REST_HOST": REST_HOST,
                   "CONNECT_REST_CA_KEYSTORE": access["ca_keystore"],
                   "CONNECT_REST_CA_KEYSTORE_PASSWORD": access["ca_keystore_password"],
                   "CONNECT_REST_CERTIFICATES": access["certificates"]}
    subprocess.run(["sh", str(IMAGE_DIRECTORY / "rest-tls.sh"), str(worker_dir), str(properties)], env=environment,
                   check=True, capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def temporary_directory() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="kafka-platform-runtime-"))
    os.chmod(directory, 0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


__all__ = ["DB_PASSWORD", "DB_USER", "ConnectWorker", "FakeSecretsManager", "KafkaNodes", "MissingPrerequisite",
           "Postgres", "REST_ACCESS", "REST_PASSWORD", "REST_SECRET_ARN", "REST_USERNAME", "rest_request",
           "rest_tls_files", "trust_in_tests",
           "ROOT", "WRONG_PASSWORD", "effective_server_properties", "prerequisites", "resolve_jars",
           "start_connect_worker", "temporary_directory", "wait_until"]


if __name__ == "__main__":
    print(f"runtime jars in {resolve_jars(prerequisites()['mvn'])}")
