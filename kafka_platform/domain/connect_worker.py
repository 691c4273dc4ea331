"""Kafka Connect distributed-worker settings, rendered once for the ECS image and the
test harness alike: the container receives this text and only adds what is known at task start (its own IP).

Sources: https://kafka.apache.org/documentation/#connect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Sequence

from kafka_platform.domain import secrets
from kafka_platform.domain.debezium import CREDENTIALS_PREFIX, PostgresConnectorSpec
from kafka_platform.domain.msk_iam import resolved_arn_chars
from kafka_platform.errors import show

REST_PORT = 8083
#: Metadata on the workers' scalable target: how a reader of the template (the summary) finds it in any app.
WORKERS_METADATA_KEY = "kafka-platform:connect-workers"
# The REST API listens with TLS and asks every caller for basic credentials (Kafka's BasicAuthSecurityRestExtension
# with JAAS). Two users, both the platform's (the reconciler, the health monitor and operators sign in as the active
# one; the other lets a rotation switch users without a lockout: kafka_platform/lambda/rest_access.py). The worker
# writes both to REST_CREDENTIALS_FILE at start. Requests between workers (task configs, fencing) are authenticated
# by Connect's own session key instead (KIP-507), which the extension lets through.
REST_AUTH_EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
REST_LOGIN_MODULE = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"
CONFIG_DIRECTORY = "/opt/connect/config"
REST_CREDENTIALS_FILE = f"{CONFIG_DIRECTORY}/rest-credentials.properties"
#: The listener's key and the certificate the worker issues itself at start from the cluster's authority (PKCS#12),
#: and every authority the secret says to trust (a PKCS#12 trust store, and the same in PEM for the health check).
REST_KEYSTORE_FILE = f"{CONFIG_DIRECTORY}/rest-keystore.p12"
REST_TRUSTSTORE_FILE = f"{CONFIG_DIRECTORY}/rest-truststore.p12"
REST_CERTIFICATES_FILE = f"{CONFIG_DIRECTORY}/rest-certificates.pem"
_GROUP_ID = re.compile(r"^[a-z][a-z0-9-]{2,48}$")
CREDENTIALS_PROVIDER = "bank.kafkaplatform.connect.CredentialsConfigProvider"
#: ``<NAME>_FROM_SECRET=<secret ARN>#<JSON field>``: where the provider reads ``${env:<NAME>}`` from.
CREDENTIAL_SOURCE_SUFFIX = secrets.CREDENTIAL_SOURCE_SUFFIX

# MSK IAM for the worker and for each client the worker creates on its connectors' behalf.
_MSK_IAM = {
    "security.protocol": "SASL_SSL",
    "sasl.mechanism": "AWS_MSK_IAM",
    "sasl.jaas.config": "software.amazon.msk.auth.iam.IAMLoginModule required;",
    "sasl.client.callback.handler.class": "software.amazon.msk.auth.iam.IAMClientCallbackHandler",
}


@dataclass(frozen=True)
class ConnectWorkerSettings:
    """What differs between Connect clusters. ``security`` is ``msk_iam`` on AWS; ``plaintext`` only for a local
    broker in tests."""

    group_id: str
    replication_factor: int = 3
    security: Literal["msk_iam", "plaintext"] = "msk_iam"
    scheduled_rebalance_max_delay_ms: int = 30_000
    offset_partitions: int = 25
    status_partitions: int = 5
    #: Another Secrets Manager endpoint for the credentials provider (the runtime tier's stand-in); default: AWS's.
    secrets_endpoint: str | None = None

    @property
    def config_topic(self) -> str:
        return f"_connect-{self.group_id}-configs"

    @property
    def offset_topic(self) -> str:
        return f"_connect-{self.group_id}-offsets"

    @property
    def status_topic(self) -> str:
        return f"_connect-{self.group_id}-status"

    @property
    def internal_topics(self) -> tuple[str, str, str]:
        return self.config_topic, self.offset_topic, self.status_topic

    @property
    def transactional_id_prefix(self) -> str:
        """Exactly-once source tasks use transactional ids ``<group>-<connector>-<task>``."""
        return f"{self.group_id}-"


def group_id_problem(group_id: str) -> str | None:
    if _GROUP_ID.match(group_id):
        return None
    return (f"{show(group_id)} is not a Connect cluster name; use 3-49 lower-case letters, digits and hyphens, "
            "starting with a letter (it names the group, internal topics and transactional ids)")


def worker_properties(settings: ConnectWorkerSettings) -> dict[str, str]:
    """Everything but ``bootstrap.servers`` and ``rest.advertised.host.name``, which the worker learns at start."""
    properties = {
        "group.id": settings.group_id,
        # Internal topics: compacted (Connect creates them so), replicated 3 times, config topic one partition.
        # Their replication cannot change once they exist.
        "config.storage.topic": settings.config_topic,
        "config.storage.replication.factor": str(settings.replication_factor),
        "offset.storage.topic": settings.offset_topic,
        "offset.storage.replication.factor": str(settings.replication_factor),
        "offset.storage.partitions": str(settings.offset_partitions),
        "status.storage.topic": settings.status_topic,
        "status.storage.replication.factor": str(settings.replication_factor),
        "status.storage.partitions": str(settings.status_partitions),
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        # Source tasks write transactionally with their offsets: no duplicate change events after a worker restart.
        "exactly.once.source.support": "enabled",
        # Database credentials reach connectors as ${env:NAME}: the platform's provider reads NAME's secret field
        # (NAME_FROM_SECRET=<ARN>#<field>, from the task definition) from Secrets Manager each time a connector's
        # config is resolved, so a rotated password reaches a connector at its next restart, with no worker rolled
        # (connect_image/src/.../CredentialsConfigProvider.java).
        "config.providers": "env",
        "config.providers.env.class": CREDENTIALS_PROVIDER,
        # Only the connectors' credentials: no connector config may read any other variable of the worker.
        "config.providers.env.param.allowlist.pattern": f"{CREDENTIALS_PREFIX}.*",
        "rest.extension.classes": REST_AUTH_EXTENSION,
        "rest.advertised.port": str(REST_PORT),
        **rest_tls_properties(),
        # A dead worker's connectors wait this long before moving. On Fargate a replaced task joins as a new worker
        # and never takes them back, so the wait only stops their streams: 30 s rides out a missed heartbeat or a
        # long GC pause: make bench-connect measured a lost worker's streams running again after 42-46 s (135 s with
        # the 120 s used before, and longer still with Kafka's default of 300 s; see docs/benchmarks/connect.md).
        "scheduled.rebalance.max.delay.ms": str(settings.scheduled_rebalance_max_delay_ms),
        "plugin.path": "/opt/connect/plugins",
        "producer.compression.type": "zstd",
        "topic.creation.enable": "true",
    }
    if settings.secrets_endpoint:
        properties["config.providers.env.param.endpoint"] = settings.secrets_endpoint
    if settings.security == "msk_iam":
        for prefix in ("", "producer.", "consumer.", "admin."):
            properties.update({f"{prefix}{key}": value for key, value in _MSK_IAM.items()})
    return dict(sorted(properties.items()))


def rest_host(connect_name: str) -> str:
    """The REST API's DNS name (Cloud Map), the name its certificate carries and the Lambdas verify."""
    return f"rest.{connect_name}.connect.internal"


def rest_tls_properties(keystore: str = REST_KEYSTORE_FILE, truststore: str = REST_TRUSTSTORE_FILE) -> dict[str, str]:
    """The REST listener over TLS only, and no admin endpoints. The stores are made at start, and their passwords
    added then (``connect_image/rest-tls.sh``). Connect reads ``listeners.https.*`` for its server and, all or
    nothing, for the client that forwards requests to the leader (``SSLUtils``, KIP-208)."""
    return {
        "listeners": f"https://0.0.0.0:{REST_PORT}",
        "rest.advertised.listener": "https",
        # No /admin/loggers: nothing the platform runs changes log levels at run time (KIP-495: empty disables them).
        "admin.listeners": "",
        "listeners.https.ssl.keystore.type": "PKCS12",
        "listeners.https.ssl.keystore.location": keystore,
        "listeners.https.ssl.truststore.type": "PKCS12",
        "listeners.https.ssl.truststore.location": truststore,
        "listeners.https.ssl.client.auth": "none",
        "listeners.https.ssl.enabled.protocols": "TLSv1.3,TLSv1.2",
        # A follower forwards to the leader at its task IP (rest.advertised.host.name): each worker's certificate
        # names its own IP (connect_image/rest-tls.sh), so the forwarding client checks the host as the Lambdas do
        # (and Jetty 12's SNI host check refuses a request whose Host the certificate does not name).
        "listeners.https.ssl.endpoint.identification.algorithm": "HTTPS",
    }


def rest_jaas_config(credentials_file: str = REST_CREDENTIALS_FILE) -> str:
    """The JAAS file the REST extension reads (``-Djava.security.auth.login.config``): the login module checks each
    request's basic credentials against ``credentials_file`` (``user=password`` lines; the password holds only
    letters and digits, so it needs no escaping)."""
    if any(c in credentials_file for c in '"\\\n'):
        raise ValueError(f"{credentials_file!r} cannot be named in a JAAS file")
    return f'KafkaConnect {{\n  {REST_LOGIN_MODULE} required\n  file="{credentials_file}";\n}};\n'


def render(properties: dict[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in properties.items())


# The worker's own statements (internal topics, group, leader's transactional id) with their actions and the
# policy document's envelope, measured on the synthesized policy: about 1,400 characters; 1,600 keeps a margin.
_WORKER_GRANT_CHARS = 1_600


def worker_grant_chars(settings: ConnectWorkerSettings, connectors: Sequence[PostgresConnectorSpec], *, region: str,
                       account: str, cluster_name: str) -> int:
    """The size, as IAM measures it, of everything the worker's task role is granted: its own statements and, per
    connector, its topic prefix, heartbeat topic and transactional id (each ARN quoted, with a comma)."""
    def arn(resource_type: str, name: str) -> int:
        return resolved_arn_chars(region=region, account=account, cluster_name=cluster_name,
                                  resource_type=resource_type, name=name) + 3
    return _WORKER_GRANT_CHARS + sum(
        arn("topic", f"{spec.topic_prefix}.*") + arn("topic", spec.heartbeat_topic) +
        arn("transactional-id", f"{settings.transactional_id_prefix}{spec.name}-0") for spec in connectors)
