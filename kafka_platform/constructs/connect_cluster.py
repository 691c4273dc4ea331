"""``DebeziumConnectCluster``: Kafka Connect distributed workers on ECS Fargate with the Debezium PostgreSQL plugin
and MSK IAM, and connectors declared as code, reconciled by a custom resource, watched by a health monitor.

Defaults, as behaviour:

* **Image** built from ``connect_image/`` (Dockerfile and pom.xml in the package) with the versions of
  ``connect_image/versions.json``, which the runtime tests read too; or ``image`` to bring your own.
* **Workers**: group ``name``; internal topics replicated 3 times, config topic with one partition; exactly-once
  source support; each worker advertises its own task IP; connectors read database credentials as ``${env:...}``
  through the platform's CredentialsConfigProvider, which reads each from Secrets Manager whenever the connector
  starts (the task definition names the secret and field: adding a connector therefore rolls the workers once; a
  rotated password reaches its connectors by a restart of each, not of the workers).
* **REST API** only inside the VPC, reachable only from the reconciler, the health monitor, the rotator and the
  workers themselves (followers forward to the leader), at ``https://rest.<name>.connect.internal:8083`` (Cloud
  Map): TLS with a certificate the platform issues and its clients pin, basic credentials (two users, so that
  rotation never locks anyone out), no admin endpoints; rotated every 30 days (``ConnectRestAccess``).
* **Root file system** read-only; the worker writes only ``/opt/connect/config`` and ``/tmp``, task volumes.
* **Scaling** on CPU between ``min_workers`` and ``max_workers``; alarms when no worker runs and when CPU stays high.
* **Task role**: exactly the internal topics, its group, and per connector the topics under its prefix
  (``<topic_prefix>.*``), its heartbeat topic and its transactional id; nothing else on the cluster. The grants are
  spread over as many managed policies as IAM's size quota needs (``ManagedPolicyRole``).
* **Connectors** (``add_postgres_connector``): one ``Custom::KafkaConnector`` each, created if absent, updated only
  on change, brought to its desired state, waited for until running, deleted on removal; with
  ``prune_undeclared_connectors`` connectors nobody declared are deleted after every deployment of the stack.
* **Health**: every minute a function counts failed connectors and tasks (``KafkaPlatform/Connect``), restarts them
  with a growing backoff (except those whose database refused the credentials: they page instead), and alarms notify
  ``alarm_action``.
* **Each stream watched**: the same function reads each connector's committed source offset and publishes its
  ``StreamLagSeconds`` and ``SecondsSinceLastEvent`` (dimension ``Connector``); a connector with a heartbeat table
  running gets two alarms: behind by more than ``spec.stream_lag_alarm``, and no event for 3 heartbeat intervals.
  They catch a stuck replication slot while Connect still says RUNNING.
* **Drift corrected**: every minute the function compares Connect with what the stack's deployed template declares
  (each connector's ``DeclaredDigest``) and puts back a connector changed, paused or deleted through the REST API
  (and, with ``prune_undeclared_connectors``, deletes one nobody declared, never when nothing is declared), unless
  ``correct_drift`` is off: then it reports ``DriftedConnectors`` only. Drift pages at once.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable, Mapping, Sequence, Unpack, get_args

import jsii
from aws_cdk import (CustomResource, Duration, IStableListProducer, IStableStringProducer, Lazy, RemovalPolicy, Size,
                     Stack)
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_servicediscovery as servicediscovery
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from kafka_platform.constructs.alarm_topic import notify
from kafka_platform.constructs.connect_rest_access import ConnectRestAccess
from kafka_platform.constructs.aws_api_access import aws_api_groups
from kafka_platform.constructs.encryption import LogsKey, encrypted_log_group, unmodifiable
from kafka_platform.constructs.fargate_service import private_fargate_service, task_count_target
from kafka_platform.constructs.managed_role import ManagedPolicyRole
from kafka_platform.constructs.interfaces import HealthMetric, IConnectCluster, IKafkaCluster
from kafka_platform.constructs.metric_options import MetricOptions, with_options
from kafka_platform.constructs.props import describe, duration_problem, sequence_problem
from kafka_platform.constructs.platform_function import PlatformFunction, lambda_module
from kafka_platform.constructs.references import container_secret, grant_secret_read
from kafka_platform.domain import msk_iam
from kafka_platform.domain.connect_worker import CONFIG_DIRECTORY, CREDENTIAL_SOURCE_SUFFIX, \
    REST_CERTIFICATES_FILE, REST_PORT, WORKERS_METADATA_KEY, ConnectWorkerSettings, group_id_problem, render, rest_host, rest_jaas_config, \
    worker_properties
from kafka_platform.domain.data_products import DATA_PRODUCT_METADATA_KEY, DataProductSpec, product_problems
from kafka_platform.domain.debezium import (CONNECTOR_RESOURCE_TYPE, PostgresConnectorSpec, connector_problems,
                                           uniqueness_problems)
from kafka_platform.errors import raise_problems
from kafka_platform.gates.acknowledge import acknowledge, acknowledge_wildcard_resources

IMAGE_DIRECTORY = Path(__file__).resolve().parent / "connect_image"
VERSIONS_FILE = IMAGE_DIRECTORY / "versions.json"
HEALTH_NAMESPACE = "KafkaPlatform/Connect"
# What the health monitor is sent after each deployment: it then prunes (connect_health.DEPLOYMENT_TRIGGER).
DEPLOYMENT_TRIGGER = "deployment"
HEALTH_METRICS: tuple[str, ...] = get_args(HealthMetric)


def health_metric(path: str, connect_name: str, metric_name: str, options: MetricOptions) -> cloudwatch.Metric:
    """One of the health monitor's metrics of the Connect cluster ``connect_name``."""
    if metric_name not in HEALTH_METRICS:
        raise_problems(path, [("metric_name", f"{metric_name!r} is not a metric the health monitor publishes; use "
                                              f"one of {', '.join(HEALTH_METRICS)}")])
    metric = cloudwatch.Metric(namespace=HEALTH_NAMESPACE, metric_name=metric_name, statistic="Maximum",
                               period=Duration.minutes(1), dimensions_map={"ConnectCluster": connect_name})
    return with_options(path, "metric_health", metric, options, MetricOptions)
#: What a worker writes, each a task volume (the image declares them as VOLUMEs, owned so its user may write them).
WRITABLE_PATHS = ("/opt/connect/config", "/tmp")

#: The digest the reconciler and the health monitor compare with (kafka_platform/lambda/declaration.py).
_declaration_digest: Callable[[str, Mapping[str, str], str, str], str] = lambda_module("declaration").declaration_digest
_STACK_READ_REASON = (
    "The reconciler and the health monitor read what their own stack's deployed template declares (GetTemplate, "
    "DescribeStacks, DescribeStackResource), the one source of the connectors' declarations: the stack's ARN ends in "
    "the UUID CloudFormation gives it, which the template cannot know, so the stack is named and its id is '*'.")
_SALT_ROTATION_REASON = (
    "Not rotated: a hashed column is a pseudonym that data teams join on, and a new salt changes every pseudonym at "
    "once. The salt never appears in a template; only the reconciler and the health monitor (which write connector configs) may read it, and it lives on in Connect's "
    "config topic (encrypted, read by the workers alone) and behind the REST API's basic authentication.")


def pinned_versions() -> dict[str, str]:
    """The one versions file: Kafka, Debezium, aws-msk-iam-auth and log4j, for the image and the runtime tests."""
    return json.loads(VERSIONS_FILE.read_text())


@jsii.implements(ec2.IConnectable)
class DebeziumConnectCluster(Construct):
    """Kafka Connect for Debezium on Fargate; see the module docstring for every default.

    Like aws-cdk-lib's services it is ``IConnectable``: ``connect.connections.allow_to(database, port)``."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster: IKafkaCluster, vpc: ec2.IVpc, name: str,
                 alarm_action: cloudwatch.IAlarmAction, vpc_subnets: ec2.SubnetSelection | None = None,
                 ecs_cluster: ecs.ICluster | None = None, image: ecs.ContainerImage | None = None,
                 cpu: int = 2048, memory_limit_mib: int = 8192, min_workers: int = 2, max_workers: int = 4,
                 cpu_target_percent: int = 60, database_ports: Sequence[int] = (5432,),
                 database_peer: ec2.IPeer | None = None,
                 scheduled_rebalance_max_delay: Duration = Duration.seconds(30),
                 reconcile_timeout: Duration = Duration.minutes(10), prune_undeclared_connectors: bool = False,
                 logs_key: kms.IKey | None = None, log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
                 removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
                 aws_api_security_group: ec2.ISecurityGroup | None = None,
                 slot_lag_alarm: Size = Size.gibibytes(10), correct_drift: bool = True) -> None:
        """Kafka Connect for Debezium on Fargate; every default is in the module docstring.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param cluster: the MSK cluster, owned (``KafkaCluster``) or imported
            (``KafkaCluster.from_cluster_attributes``).
        :param vpc: the VPC the tasks run in (the cluster's).
        :param name: the Connect cluster's name: its group id, internal topics' prefix and health dimension.
        :param alarm_action: where every alarm of the construct goes, on ALARM and on OK: ``AlarmTopic.alarm_action``,
            or any ``cloudwatch.IAlarmAction`` (aws-cdk-lib's ``SnsAction``).
        :param vpc_subnets: where the tasks run; default: the VPC's private subnets with egress.
        :param ecs_cluster: the ECS cluster to run in; default: a new one with Container Insights on (the scaling
            metrics need it).
        :param image: the worker image; default: built from the packaged ``connect_image/``.
        :param cpu: worker CPU units; default 2048.
        :param memory_limit_mib: worker memory in MiB, half of it the JVM heap; default 8192.
        :param min_workers: the fewest workers; default 2.
        :param max_workers: the most workers; default 4.
        :param cpu_target_percent: CPU the worker count is scaled to keep; default 60.
        :param database_ports: the ports workers may reach databases on, in the VPC; default (5432,).
        :param database_peer: where the databases are; default: the VPC's range.
        :param scheduled_rebalance_max_delay: how long a lost worker's connectors wait for it before moving
            (``scheduled.rebalance.max.delay.ms``); default 30 seconds (a replaced Fargate task is a new worker: the
            wait only stops their streams).
        :param reconcile_timeout: how long a connector may take to run after a deployment; default 10 minutes.
        :param prune_undeclared_connectors: delete connectors nobody declared, after every deployment; default off.
        :param logs_key: the KMS key its log groups are encrypted with; default: a new key (``LogsKey``).
        :param log_retention: how long worker and function logs are kept (``logs.RetentionDays``); default a year.
        :param removal_policy: what happens to its stateful resources when removed from the stack; default RETAIN
            (DESTROY only outside protected environments).
        :param aws_api_security_group: the clients group of the VPC's AWS API endpoints
            (``PlatformNetwork.aws_api.clients``) its tasks and functions join; default: none (they then need another
            route to AWS).
        :param slot_lag_alarm: WAL a database's oldest replication slot may hold back before paging (a ``Size``);
            default 10 GiB.
        :param correct_drift: the health monitor puts back a connector changed, paused or deleted through the REST API
            (false: it only reports it, as ``DriftedConnectors`` and an alarm); default on.
        """
        super().__init__(scope, construct_id)
        self._aws_api_security_group = aws_api_security_group
        #: Where every alarm of the cluster and its connectors goes.
        self.alarm_action: cloudwatch.IAlarmAction = alarm_action
        self._correct_drift = correct_drift
        self._prune = prune_undeclared_connectors
        #: Where the reconciler keeps each connector's declaration for the health monitor (SSM, one per connector).
        problems = [("name", p)] if (p := group_id_problem(name)) else []
        for prop, value in (("scheduled_rebalance_max_delay", scheduled_rebalance_max_delay),
                            ("reconcile_timeout", reconcile_timeout)):
            if (p := duration_problem(value)) is not None:
                problems.append((prop, p))
        if (p := sequence_problem(database_ports, int, "TCP ports", "5432")) is not None:
            problems.append(("database_ports", p))
        if not isinstance(slot_lag_alarm, Size):
            problems.append(("slot_lag_alarm", f"{describe(slot_lag_alarm)} is not a Size; pass "
                                               "aws_cdk.Size.gibibytes(10)"))
        raise_problems(self.node.path, problems)
        #: A database whose oldest replication slot holds back this much WAL (default 10 GiB) pages.
        self.slot_lag_alarm_bytes: int = int(slot_lag_alarm.to_bytes())
        if not 1 <= min_workers <= max_workers:
            problems.append(("min_workers", f"{min_workers} is not between 1 and max_workers {max_workers}; a "
                                            "Connect cluster needs at least one worker"))
        if not 10 <= cpu_target_percent <= 90:
            problems.append(("cpu_target_percent", f"{cpu_target_percent} is outside 10-90"))
        if reconcile_timeout.to_seconds() > 840:
            problems.append(("reconcile_timeout", f"{int(reconcile_timeout.to_seconds())} seconds exceeds what a "
                                                  "Lambda function can wait (15 minutes, less the response); use "
                                                  "840 or less"))
        raise_problems(self.node.path, problems)

        self.cluster = cluster
        self.name = name
        self.settings: ConnectWorkerSettings = ConnectWorkerSettings(
            group_id=name, scheduled_rebalance_max_delay_ms=int(scheduled_rebalance_max_delay.to_milliseconds()))
        self.connectors: list[DebeziumPostgresConnector] = []
        self.reconcile_timeout = reconcile_timeout
        #: How long CloudFormation waits for the reconciler's answer: the reconcile time and a minute to answer
        #: (never the default hour, should an answer be lost).
        self.service_timeout: Duration = Duration.seconds(int(reconcile_timeout.to_seconds()) + 60)
        #: Connector resources follow it: a retained environment keeps its connectors when the stack is deleted.
        self.removal_policy = removal_policy
        subnets = vpc_subnets or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)

        self.ecs_cluster: ecs.ICluster = ecs_cluster or ecs.Cluster(self, "EcsCluster", vpc=vpc,
                                                      container_insights_v2=ecs.ContainerInsights.ENHANCED)
        logs_key = logs_key or LogsKey(self, "LogsKey", description=f"Kafka Connect {name} logs",
                                       removal_policy=removal_policy).key
        #: Encrypts the cluster's logs and its secrets (the REST credentials, data products' salts).
        self.logs_key = logs_key
        self._log_retention = log_retention
        self.log_group: logs.LogGroup = encrypted_log_group(self, "Logs", key=logs_key, retention=log_retention,
                                             removal_policy=removal_policy)

        self.security_group: ec2.SecurityGroup = ec2.SecurityGroup(self, "SecurityGroup", vpc=vpc, allow_all_outbound=False,
                                                description=f"Kafka Connect {name} workers")
        self.security_group.add_ingress_rule(self.security_group, ec2.Port.tcp(REST_PORT),
                                             "Followers forward REST requests to the leader")
        self.security_group.add_egress_rule(self.security_group, ec2.Port.tcp(REST_PORT),
                                            "Followers forward REST requests to the leader")
        peer = database_peer or ec2.Peer.ipv4(vpc.vpc_cidr_block)
        for port in sorted(set(database_ports)):
            self.security_group.add_egress_rule(peer, ec2.Port.tcp(port), f"PostgreSQL sources on {port}")

        self.execution_role: ManagedPolicyRole = ManagedPolicyRole(
            self, "ExecutionRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description=f"Starts Kafka Connect {name} workers: image pull, logs, connector credentials")
        acknowledge(self.execution_role.policy.node.default_child, "AwsSolutions-IAM5[Resource::*]",
                    "ecr:GetAuthorizationToken has no resource-level permissions (it returns a registry login); "
                    "image pulls themselves are limited to the image's repository.")
        self.task_role: ManagedPolicyRole = ManagedPolicyRole(
            self, "TaskRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description=f"Kafka Connect {name}: its internal topics, its connectors' topics, its group",
            statements=self._worker_statements())
        self.task_role.node.default_child.add_metadata(msk_iam.PRINCIPAL_METADATA_KEY, {"Kind": "connect", "Name": name})
        acknowledge_wildcard_resources(self, lambda: [p.node.default_child for p in self.task_role.policies],
                                       self._topic_prefix_reason)

        #: The REST API's two users and its TLS key, rotated every 30 days (``ConnectRestAccess``).
        self.connect_url: str = f"https://{rest_host(name)}:{REST_PORT}"
        self.rest_access: ConnectRestAccess = ConnectRestAccess(
            self, "RestAccess", connect_name=name, host=rest_host(name), key=logs_key, vpc=vpc, vpc_subnets=subnets,
            log_retention=log_retention, removal_policy=removal_policy,
            aws_api_security_group=aws_api_security_group)

        self.task_definition: ecs.FargateTaskDefinition = ecs.FargateTaskDefinition(
            self, "TaskDefinition", cpu=cpu, memory_limit_mib=memory_limit_mib,
            execution_role=self.execution_role, task_role=self.task_role)
        heap = f"-Xms{memory_limit_mib // 2}m -Xmx{memory_limit_mib // 2}m"
        self.container: ecs.ContainerDefinition = self.task_definition.add_container(
            "Worker", image=image or self._built_image(), readonly_root_filesystem=True,
            environment={"CONNECT_WORKER_PROPERTIES": render(worker_properties(self.settings)),
                         "KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrap_brokers, "KAFKA_HEAP_OPTS": heap,
                         "CONNECT_REST_JAAS": rest_jaas_config(), "CONNECT_REST_HOST": rest_host(name)},
            secrets=self.rest_access.container_secrets(self.task_definition),
            port_mappings=[ecs.PortMapping(container_port=REST_PORT, name="rest")],
            logging=ecs.LogDrivers.aws_logs(stream_prefix="connect", log_group=self.log_group,
                                            mode=ecs.AwsLogDriverMode.NON_BLOCKING),
            # /health (Kafka 3.9+) turns 200 once the worker has joined its group: Cloud Map only sends traffic then.
            # It asks for credentials too; the entrypoint wrote them for curl (-K), off the command line, and the
            # certificates to trust (the listener's names localhost too).
            health_check=ecs.HealthCheck(command=["CMD-SHELL", f"curl -fsS -K {CONFIG_DIRECTORY}/rest-curl.conf "
                                                               f"--cacert {REST_CERTIFICATES_FILE} "
                                                               f"https://localhost:{REST_PORT}/health || exit 1"],
                                         interval=Duration.seconds(30), timeout=Duration.seconds(5), retries=3,
                                         start_period=Duration.minutes(2)))
        acknowledge(self.task_definition.node.default_child, "AwsSolutions-ECS2",
                    "The environment holds the worker settings rendered at synth (no secret: the platform's "
                    "NoSecretInEnvironment rule checks them), the bootstrap brokers and the heap size; connector "
                    "credentials are read from Secrets Manager when a connector starts (the environment names where).")
        # A read-only root: the worker writes only its rendered settings and REST credentials (WRITABLE_PATHS[0]) and
        # temporary files (the JVM's, Connect's), each on a task volume of its own that lives as long as the task.
        for index, path in enumerate(WRITABLE_PATHS):
            volume = f"writable-{index}"
            self.task_definition.add_volume(name=volume)
            self.container.add_mount_points(ecs.MountPoint(container_path=path, source_volume=volume,
                                                           read_only=False))

        self.namespace: servicediscovery.PrivateDnsNamespace = servicediscovery.PrivateDnsNamespace(self, "Namespace", vpc=vpc,
                                                              name=f"{name}.connect.internal",
                                                              description=f"Kafka Connect {name} REST API")
        self.service: ecs.FargateService = private_fargate_service(
            self, "Service", cluster=self.ecs_cluster, task_definition=self.task_definition,
            security_groups=[*cluster.client_security_groups(self, self.security_group, f"Kafka Connect {name}"),
                             *aws_api_groups(self.security_group, aws_api_security_group, "Kafka Connect")],
            vpc_subnets=subnets,
            cloud_map_options=ecs.CloudMapOptions(cloud_map_namespace=self.namespace, name="rest",
                                                  dns_record_type=servicediscovery.DnsRecordType.A,
                                                  dns_ttl=Duration.seconds(10)))
        # The workers start only once their access secret holds its first version.
        self.service.node.add_dependency(self.rest_access.initialization)
        #: The workers' connections (their own security group), as aws-cdk-lib's services offer.
        self.connections: ec2.Connections = self.security_group.connections

        self.scalable_target: appscaling.ScalableTarget = task_count_target(self, "WorkerCount", ecs_cluster=self.ecs_cluster,
                                                 service=self.service, min_capacity=min_workers,
                                                 max_capacity=max_workers)
        # How the summary finds the workers' target in any app (construct paths are in templates only when the CDK
        # CLI asks for them).
        self.scalable_target.node.default_child.add_metadata(WORKERS_METADATA_KEY, {"ConnectCluster": name})
        self.scalable_target.scale_to_track_metric(
            "Cpu", target_value=cpu_target_percent,
            predefined_metric=appscaling.PredefinedMetric.ECS_SERVICE_AVERAGE_CPU_UTILIZATION,
            scale_out_cooldown=Duration.minutes(3), scale_in_cooldown=Duration.minutes(15))

        self.reconciler: PlatformFunction = PlatformFunction(
            self, "Reconciler", handler="connector_reconciler.handler",
            description=f"Reconciles the declared connectors of Kafka Connect {name}", vpc=vpc, vpc_subnets=subnets,
            logs_key=logs_key, log_retention=log_retention, removal_policy=removal_policy,
            statements=[*self._stack_read_statements(), _put_health_metrics()],
            timeout=Duration.minutes(15), invoked_by="cloudformation",
            reserved_concurrent_executions=4, aws_api_security_group=aws_api_security_group, control_plane=True,
            # The one Connect cluster and the one stack it acts for, whatever an event says (the reconciler is the
            # policy point: it applies only what its stack's deployed template declares).
            environment={"CONNECT_URL": self.connect_url, "CONNECT_CLUSTER": name,
                         "CONNECT_REST_SECRET_ARN": self.rest_access.secret.secret_arn,
                         "STACK_ID": Stack.of(self).stack_id})
        self._acknowledge_stack_reads(self.reconciler)
        self.health_monitor: PlatformFunction = self._health_monitor(vpc, subnets)
        self.rest_access.rotate_with(service=self.service, workers=self.security_group.connections,
                                     connect_url=self.connect_url, alarm_action=alarm_action,
                                     alarm_prefix=f"{cluster.cluster_name}-connect-{name}")
        for client in (self.reconciler, self.health_monitor):
            self.rest_access.grant_read(client.role)  # its value, and its key only through Secrets Manager
            self.security_group.connections.allow_from(client.security_group, ec2.Port.tcp(REST_PORT),
                                                       f"{client.node.id} to the REST API")
        self.alarms: dict[str, cloudwatch.Alarm] = self._alarms(alarm_action)
        self._credential_secrets: set[str] = set()
        #: One per database instance the connectors read (RDS's OldestReplicationSlotLag), by instance id.
        self.slot_lag_alarms: dict[str, cloudwatch.Alarm] = {}
        self.data_products: list[DataProductConnector] = []

    # ---- connectors ------------------------------------------------------------------------------------------
    def add_postgres_connector(self, construct_id: str, *, spec: PostgresConnectorSpec,
                               credentials_secret: secretsmanager.ISecret,
                               hash_salt: secretsmanager.ISecret | None = None) -> "DebeziumPostgresConnector":
        """Declare a Debezium PostgreSQL source; its credentials (``username`` and ``password`` of the secret) are
        read from Secrets Manager by the workers each time the connector starts (``spec.user_variable`` and
        ``spec.password_variable`` name them in its config), and it is restarted when the secret's current version
        changes. ``hash_salt`` is the
        secret whose value the reconciler puts where the config names ``SALT_PLACEHOLDER`` (a data product's)."""
        raise_problems(f"{self.node.path}/{construct_id}", [
            *connector_problems(spec, broker_count=self.cluster.broker_count),
            *((field, message) for name, field, message in
              uniqueness_problems([*(c.spec for c in self.connectors), spec]) if name == spec.name)])
        connector = DebeziumPostgresConnector(self, construct_id, connect=self, spec=spec,
                                              credentials_secret=credentials_secret, hash_salt=hash_salt)
        self.connectors.append(connector)
        self.task_role.add_statements(*self._connector_statements(spec))
        if spec.watched_rds_instance is not None:
            self._slot_lag_alarm(spec.watched_rds_instance)
        if self._prune:
            self._prune_resource().node.add_dependency(connector.resource)
        return connector

    def read_credentials(self, secret: secretsmanager.ISecret) -> None:
        """Let the workers read ``secret`` when a connector starts (their task role, and its key through Secrets
        Manager), and restart the connectors that read it whenever its current version changes: the health monitor,
        on Secrets Manager's ``Secret Label Updated`` event (the rule is made once, for this account and region)."""
        if secret.secret_arn in self._credential_secrets:
            return
        self._credential_secrets.add(secret.secret_arn)
        grant_secret_read(secret, self.task_role)
        if self.node.try_find_child("RestartOnNewCredentials") is None:
            stack = Stack.of(self)
            events.Rule(self, "RestartOnNewCredentials",
                        description=f"Restarts the connectors of Kafka Connect {self.name} that read a secret whose "
                                    "current version changed (a rotation, a new value)",
                        event_pattern=events.EventPattern(
                            source=["aws.secretsmanager"], detail_type=["Secret Label Updated"],
                            resources=events.Match.prefix(
                                f"arn:{stack.partition}:secretsmanager:{stack.region}:{stack.account}:secret:"),
                            detail={"labelUpdated": ["AWSCURRENT"]}),
                        targets=[targets.LambdaFunction(self.health_monitor.function, retry_attempts=2)])

    def add_data_product(self, construct_id: str, *, spec: DataProductSpec,
                         credentials_secret: secretsmanager.ISecret) -> "DataProductConnector":
        """Declare a data product (``kafka_platform.domain.data_products``): its own connector on the source's
        database, reading with the source's credentials, publishing its tables under ``products.<name>.``; a salt of
        its own for hashed columns, generated by Secrets Manager and read only by the reconciler."""
        raise_problems(f"{self.node.path}/{construct_id}", product_problems(spec))
        product = DataProductConnector(self, construct_id, connect=self, spec=spec,
                                       credentials_secret=credentials_secret)
        self.data_products.append(product)
        return product

    def _prune_resource(self) -> CustomResource:
        existing = self.node.try_find_child("PruneUndeclared")
        if existing is not None:
            return existing
        return CustomResource(self, "PruneUndeclared", service_token=self.reconciler.function.function_arn,
                              resource_type="Custom::KafkaConnectorPrune", service_timeout=self.service_timeout,
                              properties={"ConnectUrl": self.connect_url,
                                          "TimeoutSeconds": int(self.reconcile_timeout.to_seconds()),
                                          "DeclaredConnectors": Lazy.list(_DeclaredNames(self)),
                                          # Changes with any connector's declaration: the prune runs then too.
                                          "DeclaredDigest": Lazy.string(_DeclaredDigest(self))})

    def _slot_lag_alarm(self, instance: str) -> cloudwatch.Alarm:
        """One alarm per database instance on RDS's ``OldestReplicationSlotLag``: WAL a slot holds back. It catches
        a connector that runs but no longer advances its slot, and the slot of a deleted connector that was retained;
        either fills the database's disk."""
        construct_id = f"SlotLagAlarm-{instance}"
        existing = self.node.try_find_child(construct_id)
        if existing is not None:
            return existing
        alarm = cloudwatch.Alarm(
            self, construct_id, metric=self.metric_slot_lag(instance),
            threshold=self.slot_lag_alarm_bytes, evaluation_periods=3, datapoints_to_alarm=3,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_name=f"{self.cluster.cluster_name}-connect-{self.name}-slot-lag-{instance}",
            alarm_description=f"A replication slot on {instance} holds back {self.slot_lag_alarm_bytes // 2**30} GiB "
                              "of WAL or more for 15 minutes: a connector is not advancing it, or a deleted "
                              "connector's slot was retained.")
        notify(self.alarm_action, alarm)
        self.slot_lag_alarms[instance] = alarm
        return alarm

    def metric_slot_lag(self, instance: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """RDS's ``OldestReplicationSlotLag`` (bytes of WAL the oldest slot holds back) of one database instance,
        five-minute Maximum (RDS publishes it every five minutes)."""
        metric = cloudwatch.Metric(namespace="AWS/RDS", metric_name="OldestReplicationSlotLag", statistic="Maximum",
                                   period=Duration.minutes(5), dimensions_map={"DBInstanceIdentifier": instance})
        return with_options(self.node.path, "metric_slot_lag", metric, options, MetricOptions)

    # ---- IAM -------------------------------------------------------------------------------------------------
    def _worker_statements(self) -> list[iam.PolicyStatement]:
        cluster = self.cluster
        internal = [cluster.topic_arn(t) for t in self.settings.internal_topics]
        return [
            iam.PolicyStatement(actions=[msk_iam.CONNECT, msk_iam.DESCRIBE_CLUSTER,
                                         msk_iam.IDEMPOTENT_PRODUCE_CLUSTER_ACTION],
                                resources=[cluster.cluster_arn]),
            iam.PolicyStatement(actions=[*msk_iam.ADMIN_TOPIC_ACTIONS, "kafka-cluster:ReadData",
                                         "kafka-cluster:WriteData"], resources=internal),
            iam.PolicyStatement(actions=list(msk_iam.CONSUME_GROUP_ACTIONS),
                                resources=[cluster.group_arn(self.settings.group_id)]),
            # With exactly-once source support the leader writes the config topic transactionally.
            iam.PolicyStatement(actions=list(msk_iam.TRANSACTIONAL_ID_ACTIONS), resources=[
                cluster.arn_parts.transactional_id_arn(f"{self.settings.group_id}-leader")]),
        ]

    def _connector_statements(self, spec: PostgresConnectorSpec) -> list[iam.PolicyStatement]:
        """What one connector owns: the topics under its prefix (``<topic_prefix>.*``: its tables' topics, whatever
        tables it captures), its heartbeat topic and its transactional id. Topic prefixes never nest (checked with
        the connector), so no prefix reaches another connector's topics."""
        topics = [self.cluster.topic_arn(f"{spec.topic_prefix}.*"), self.cluster.topic_arn(spec.heartbeat_topic)]
        return [
            iam.PolicyStatement(actions=list(msk_iam.CONNECTOR_TOPIC_ACTIONS), resources=topics),
            iam.PolicyStatement(actions=list(msk_iam.TRANSACTIONAL_ID_ACTIONS), resources=[
                self.cluster.arn_parts.transactional_id_arn(f"{self.settings.transactional_id_prefix}{spec.name}-0")]),
        ]

    def _topic_prefix_reason(self, resource: str) -> str | None:
        """The reason a connector's ``<topic_prefix>.*`` grant is acceptable, for that grant alone."""
        owner = next((c.spec for c in self.connectors if resource.endswith(f"/{c.spec.topic_prefix}.*")), None)
        if owner is None:
            return None
        return (f"Connector {owner.name} owns every topic under its prefix {owner.topic_prefix}: Debezium names "
                "each table's topic <prefix>.<schema>.<table> and Connect creates it. Prefixes of one Connect cluster "
                "never nest (checked), so the wildcard reaches no other connector's or service's topic; one prefix "
                "instead of a topic each keeps the worker's policies within IAM's size quota.")

    # ---- parts -----------------------------------------------------------------------------------------------
    def _built_image(self) -> ecs.ContainerImage:
        versions = pinned_versions()
        asset = ecr_assets.DockerImageAsset(
            self, "Image", directory=str(IMAGE_DIRECTORY), platform=ecr_assets.Platform.LINUX_AMD64,
            exclude=["target"],
            build_args={"KAFKA_VERSION": versions["kafka"], "DEBEZIUM_VERSION": versions["debezium"],
                        "AWS_MSK_IAM_AUTH_VERSION": versions["aws_msk_iam_auth"], "LOG4J_VERSION": versions["log4j"],
                        "JAVA_VERSION": versions["java"]})
        return ecs.ContainerImage.from_docker_image_asset(asset)

    def _health_monitor(self, vpc: ec2.IVpc, subnets: ec2.SubnetSelection) -> PlatformFunction:
        self.restart_state: ssm.StringParameter = ssm.StringParameter(
            self, "RestartState", string_value="{}", tier=ssm.ParameterTier.STANDARD,
            description=f"Restart history of Kafka Connect {self.name}'s connectors (health monitor state)")
        monitor = PlatformFunction(
            self, "HealthMonitor", handler="connect_health.handler",
            description=f"Watches Kafka Connect {self.name}: failed connectors and tasks, restarts with backoff",
            vpc=vpc, vpc_subnets=subnets, logs_key=self.logs_key, log_retention=self._log_retention,
            removal_policy=self.removal_policy, timeout=Duration.minutes(1), invoked_by="schedule",
            aws_api_security_group=self._aws_api_security_group, control_plane=True,
            environment={"CONNECT_URL": self.connect_url, "CONNECT_CLUSTER": self.name,
                         "RESTART_STATE_PARAMETER": self.restart_state.parameter_name,
                         "CONNECT_REST_SECRET_ARN": self.rest_access.secret.secret_arn,
                         "STACK_ID": Stack.of(self).stack_id,
                         "CORRECT_DRIFT": "true" if self._correct_drift else "false",
                         "PRUNE_UNDECLARED": "true" if self._prune else "false"},
            statements=[
                iam.PolicyStatement(actions=["ssm:GetParameter", "ssm:PutParameter"],
                                    resources=[self.restart_state.parameter_arn]),
                *self._stack_read_statements(), _put_health_metrics(),
            ])
        self._acknowledge_stack_reads(monitor)
        events.Rule(self, "HealthSchedule", schedule=events.Schedule.rate(Duration.minutes(1)),
                    description=f"Health check of Kafka Connect {self.name}",
                    targets=[targets.LambdaFunction(monitor.function, retry_attempts=0)])
        if self._prune:
            # Prune after every deployment of this stack, whatever changed (the PruneUndeclared custom resource runs
            # only when a declaration changes): CloudFormation's own status event, to the monitor, which then prunes.
            events.Rule(self, "PruneAfterDeployment",
                        description=f"Deletes the connectors nobody declared on Kafka Connect {self.name} after each "
                                    "deployment of its stack",
                        event_pattern=events.EventPattern(
                            source=["aws.cloudformation"], detail_type=["CloudFormation Stack Status Change"],
                            detail={"stack-id": [Stack.of(self).stack_id],
                                    "status-details": {"status": ["CREATE_COMPLETE", "UPDATE_COMPLETE"]}}),
                        targets=[targets.LambdaFunction(
                            monitor.function, retry_attempts=2,
                            event=events.RuleTargetInput.from_object({"trigger": DEPLOYMENT_TRIGGER}))])
        return monitor

    def _stack_read_statements(self) -> list[iam.PolicyStatement]:
        """Reading the stack's own deployed template: the connectors' declarations (``deployed.py``)."""
        stack = Stack.of(self)
        return [iam.PolicyStatement(
            actions=["cloudformation:DescribeStacks", "cloudformation:GetTemplate",
                     "cloudformation:DescribeStackResource"],
            resources=[stack.format_arn(service="cloudformation", resource="stack",
                                        resource_name=f"{stack.stack_name}/*")])]

    def _acknowledge_stack_reads(self, function: PlatformFunction) -> None:
        policy = function.role.policy.node.default_child
        acknowledge_wildcard_resources(self, lambda: [policy], lambda arn: _STACK_READ_REASON
                                       if arn.startswith("arn:") and ":cloudformation:" in arn else None)

    def metric_health(self, metric_name: HealthMetric, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """``Connectors``, ``FailedConnectors``, ``FailedTasks``, ``RestartsRequested``, ``CredentialsRefused``,
        ``StreamsUnwatched`` or ``DriftedConnectors`` from the health monitor, one-minute Maximum."""
        return health_metric(self.node.path, self.name, metric_name, options)

    @classmethod
    def from_connect_cluster_attributes(cls, scope: Construct, construct_id: str, *, name: str,
                                        security_group_id: str) -> IConnectCluster:
        """Reference the platform's Connect cluster from another stack: its workers' security group (to let them
        reach a team's database: ``connections.allow_to(database, Port.tcp(5432))``) and its health metrics (for a
        team's own alarms). Connectors are declared where the cluster is owned (the platform's environment file):
        each needs grants on the workers' role."""
        return _ImportedConnectCluster(scope, construct_id, name=name, security_group_id=security_group_id)

    def metric_running_workers(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Container Insights' running task count of the workers, one-minute Average."""
        metric = cloudwatch.Metric(namespace="ECS/ContainerInsights", metric_name="RunningTaskCount",
                                   statistic="Average", period=Duration.minutes(1),
                                   dimensions_map={"ClusterName": self.ecs_cluster.cluster_name,
                                                   "ServiceName": self.service.service_name})
        return with_options(self.node.path, "metric_running_workers", metric, options, MetricOptions)

    def _alarms(self, action: cloudwatch.IAlarmAction) -> dict[str, cloudwatch.Alarm]:
        gt, lt = (cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                  cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD)
        prefix = f"{self.cluster.cluster_name}-connect-{self.name}"
        alarms = {
            # Container Insights publishes nothing when nothing runs: a missing minute counts as no worker.
            "no-worker": cloudwatch.Alarm(
                self, "NoWorkerAlarm", metric=self.metric_running_workers(), threshold=1, comparison_operator=lt,
                evaluation_periods=3, datapoints_to_alarm=3, treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
                alarm_name=f"{prefix}-no-worker", alarm_description="No Kafka Connect worker runs: no change is "
                                                                    "captured"),
            "cpu": cloudwatch.Alarm(
                self, "CpuAlarm", metric=self.service.metric_cpu_utilization(period=Duration.minutes(1)),
                threshold=85, comparison_operator=gt, evaluation_periods=15, datapoints_to_alarm=15,
                treat_missing_data=cloudwatch.TreatMissingData.MISSING, alarm_name=f"{prefix}-cpu",
                alarm_description="Workers above 85% CPU for 15 minutes: scaling has reached its maximum"),
            # A missing minute means the health monitor did not report: that is a failure to see, too.
            "failed-connectors": cloudwatch.Alarm(
                self, "FailedConnectorsAlarm", metric=self.metric_health("FailedConnectors"), threshold=1,
                comparison_operator=gt, evaluation_periods=3, datapoints_to_alarm=3,
                treat_missing_data=cloudwatch.TreatMissingData.BREACHING, alarm_name=f"{prefix}-failed-connectors",
                alarm_description="Connectors FAILED for 3 minutes despite automatic restarts"),
            # Not restarted (a restart would only send more failed logins): a person fixes the secret or the role.
            "credentials-refused": cloudwatch.Alarm(
                self, "CredentialsRefusedAlarm", metric=self.metric_health("CredentialsRefused"), threshold=1,
                comparison_operator=gt, evaluation_periods=1, datapoints_to_alarm=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_name=f"{prefix}-credentials-refused",
                alarm_description="A database refused a connector's credentials; it is not restarted automatically "
                                  "(that would repeat failed logins): fix the secret or the database role, then "
                                  "restart the connector"),
            # A connector whose committed position cannot be read is not watched: that must not look like health.
            "streams-unwatched": cloudwatch.Alarm(
                self, "StreamsUnwatchedAlarm", metric=self.metric_health("StreamsUnwatched"), threshold=1,
                comparison_operator=gt, evaluation_periods=5, datapoints_to_alarm=5,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_name=f"{prefix}-streams-unwatched",
                alarm_description="For 5 minutes the health monitor could not read some connectors' committed "
                                  "positions: their streams are not watched (see the monitor's log)"),
            # Outside a deployment nothing but a person (or a stolen credential) changes a connector: the first
            # minute pages, whether or not the monitor put it back.
            "drift": cloudwatch.Alarm(
                self, "DriftAlarm", metric=self.metric_health("DriftedConnectors"), threshold=1,
                comparison_operator=gt, evaluation_periods=1, datapoints_to_alarm=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING, alarm_name=f"{prefix}-drift",
                alarm_description="A connector differed from its stack's deployed template (changed, paused, deleted "
                                  "or created through the REST API, outside a deployment)"),
            "prune-refused": cloudwatch.Alarm(
                self, "PruneRefusedAlarm", metric=self.metric_health("PruneRefused"), threshold=1,
                comparison_operator=gt, evaluation_periods=1, datapoints_to_alarm=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING, alarm_name=f"{prefix}-prune-refused",
                alarm_description="The health monitor refused to prune: the deployed template declared no connector, "
                                  "or fewer than before without a deployment"),
            "refused-requests": cloudwatch.Alarm(
                self, "RefusedRequestsAlarm", metric=self.metric_health("RefusedRequests"), threshold=1,
                comparison_operator=gt, evaluation_periods=1, datapoints_to_alarm=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_name=f"{prefix}-refused-requests",
                alarm_description="The reconciler refused a request that was not its stack's deployed template "
                                  "(another invoker, or a template it could not read)"),
            "failed-tasks": cloudwatch.Alarm(
                self, "FailedTasksAlarm", metric=self.metric_health("FailedTasks"), threshold=1,
                comparison_operator=gt, evaluation_periods=3, datapoints_to_alarm=3,
                treat_missing_data=cloudwatch.TreatMissingData.BREACHING, alarm_name=f"{prefix}-failed-tasks",
                alarm_description="Connector tasks FAILED for 3 minutes despite automatic restarts"),
        }
        notify(action, *alarms.values())
        return alarms


@jsii.implements(ec2.IConnectable)
class _ImportedConnectCluster(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, security_group_id: str) -> None:
        super().__init__(scope, construct_id)
        raise_problems(self.node.path, [("name", p)] if (p := group_id_problem(name)) else [])
        self.name: str = name
        self.connections: ec2.Connections = ec2.Connections(security_groups=[
            ec2.SecurityGroup.from_security_group_id(self, "SecurityGroup", security_group_id, mutable=False)])

    def metric_health(self, metric_name: HealthMetric, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        return health_metric(self.node.path, self.name, metric_name, options)


class DebeziumPostgresConnector(Construct):
    """One declared connector: a ``Custom::KafkaConnector`` the reconciler keeps equal to ``spec``."""

    def __init__(self, scope: Construct, construct_id: str, *, connect: DebeziumConnectCluster,
                 spec: PostgresConnectorSpec, credentials_secret: secretsmanager.ISecret,
                 hash_salt: secretsmanager.ISecret | None = None) -> None:
        """A connector on ``connect``, kept equal to ``spec``; prefer ``connect.add_postgres_connector``.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param connect: the Connect cluster that runs it.
        :param spec: the connector (``PostgresConnectorSpec``).
        :param credentials_secret: the secret holding ``username`` and ``password`` for the database.
        :param hash_salt: the salt secret for hashed columns (data products); default: none.
        """
        super().__init__(scope, construct_id)
        self.spec = spec
        salt = {} if hash_salt is None else {"HashSaltSecretArn": hash_salt.secret_arn}
        # The workers read the credentials from Secrets Manager whenever the connector starts (their task role may
        # read this secret and decrypt it through Secrets Manager), not once as ECS secrets at task start: a rotated
        # password reaches the connector at its next restart, and the health monitor restarts it when the rotation
        # succeeds (connect.restart_on_rotation).
        for variable, field in ((spec.user_variable, "username"), (spec.password_variable, "password")):
            connect.container.add_environment(f"{variable}{CREDENTIAL_SOURCE_SUFFIX}",
                                              f"{credentials_secret.secret_arn}#{field}")
        connect.read_credentials(credentials_secret)
        config = spec.config()
        # Always deleted with its declaration (never retained): removing or renaming a connector must reach the
        # reconciler's Delete, which honours slot_on_delete. A stack being deleted keeps its connectors and slots
        # (the reconciler's explicit case): the data lives in Kafka and in the slot, not in this resource.
        self.resource: CustomResource = CustomResource(
            self, "Resource", service_token=connect.reconciler.function.function_arn,
            resource_type=CONNECTOR_RESOURCE_TYPE, service_timeout=connect.service_timeout,
            removal_policy=RemovalPolicy.DESTROY,
            properties={"ConnectUrl": connect.connect_url, "ConnectorName": spec.name, "Config": config,
                        "DesiredState": spec.desired_state, "SlotOnDelete": spec.slot_on_delete,
                        "DeclaredDigest": _declaration_digest(spec.name, config, spec.desired_state,
                                                              spec.slot_on_delete),
                        "TimeoutSeconds": int(connect.reconcile_timeout.to_seconds()), "StableSeconds": 15, **salt})
        # Workers must run (with this connector's credentials) before it is reconciled, and outlive its deletion.
        self.resource.node.add_dependency(connect.service)
        self._connect_name = connect.name
        #: ``stream-lag`` and ``no-heartbeat``, when the stream is watched (``spec.watched``: a heartbeat table, and
        #: meant to run).
        self.alarms: dict[str, cloudwatch.Alarm] = self._alarms(connect) if spec.watched else {}
        if hash_salt is not None:
            grant_secret_read(hash_salt, connect.health_monitor.role)  # to put a drifted config back with its salt

    def metric_stream_lag(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """``StreamLagSeconds``: how far the stream runs behind its database (now minus the commit time of the newest
        change it committed), one-minute Maximum, from the health monitor."""
        return self._stream_metric("StreamLagSeconds", "metric_stream_lag", options)

    def metric_seconds_since_last_event(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """``SecondsSinceLastEvent``: how long the stream's committed position has not moved, one-minute Maximum."""
        return self._stream_metric("SecondsSinceLastEvent", "metric_seconds_since_last_event", options)

    def _stream_metric(self, metric_name: str, method: str, options: MetricOptions) -> cloudwatch.Metric:
        metric = cloudwatch.Metric(namespace=HEALTH_NAMESPACE, metric_name=metric_name, statistic="Maximum",
                                   period=Duration.minutes(1), unit=cloudwatch.Unit.SECONDS,
                                   dimensions_map={"ConnectCluster": self._connect_name, "Connector": self.spec.name})
        return with_options(self.node.path, method, metric, options, MetricOptions)

    def _alarms(self, connect: DebeziumConnectCluster) -> dict[str, cloudwatch.Alarm]:
        gt = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
        prefix = f"{connect.cluster.cluster_name}-connect-{connect.name}-{self.spec.name}"
        silence = 3 * self.spec.heartbeat_interval_ms / 1000
        # A missing minute is the monitor's silence (FailedConnectorsAlarm pages for it) or an unreadable position
        # (StreamsUnwatchedAlarm): not this stream's.
        alarms = {
            "stream-lag": cloudwatch.Alarm(
                self, "StreamLagAlarm", metric=self.metric_stream_lag(), threshold=self.spec.stream_lag_alarm_seconds,
                comparison_operator=gt, evaluation_periods=3, datapoints_to_alarm=3,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING, alarm_name=f"{prefix}-stream-lag",
                alarm_description=f"{self.spec.name}: over {self.spec.stream_lag_alarm_seconds} s behind its database "
                                  "for 3 minutes (its slot holds WAL meanwhile)"),
            "no-heartbeat": cloudwatch.Alarm(
                self, "NoHeartbeatAlarm", metric=self.metric_seconds_since_last_event(), threshold=silence,
                comparison_operator=gt, evaluation_periods=2, datapoints_to_alarm=2,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING, alarm_name=f"{prefix}-no-heartbeat",
                alarm_description=f"{self.spec.name}: stream not moved for over {silence:g} s (3 heartbeats) in two "
                                  "checks: slot stuck, or paused"),
        }
        notify(connect.alarm_action, *alarms.values())
        return alarms


class DataProductConnector(Construct):
    """A data product's connector and, when it hashes columns, its salt (``hash_salt``)."""

    def __init__(self, scope: Construct, construct_id: str, *, connect: DebeziumConnectCluster,
                 spec: DataProductSpec, credentials_secret: secretsmanager.ISecret) -> None:
        """A data product: a second connector publishing curated columns; prefer ``connect.add_data_product``.

        :param scope: the parent construct.
        :param construct_id: its id, public API: changing it replaces what it holds.
        :param connect: the Connect cluster that runs it.
        :param spec: the product (``DataProductSpec``).
        :param credentials_secret: the source database's secret (``username``, ``password``).
        """
        super().__init__(scope, construct_id)
        self.spec = spec
        #: Generated by Secrets Manager, encrypted with the cluster's key, read by the reconciler and the health monitor alone.
        self.hash_salt: secretsmanager.Secret | None = None
        if spec.hashes:
            self.hash_salt = secretsmanager.Secret(
                self, "HashSalt", description=f"Salt of data product {spec.name}'s hashed columns (never rotate: "
                                              "every pseudonym would change)",
                encryption_key=unmodifiable(self, "HashSaltKey", connect.logs_key),
                removal_policy=connect.removal_policy,
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    exclude_punctuation=True, password_length=32))
            grant_secret_read(self.hash_salt, connect.reconciler.role)
            for finding in ("AwsSolutions-SMG4", "NIST.800.53.R5-SecretsManagerRotationEnabled"):
                acknowledge(self.hash_salt.node.default_child, finding, _SALT_ROTATION_REASON)
        # Beside the declared connectors, by its connector's name (unique on the cluster, checked).
        self.connector: DebeziumPostgresConnector = connect.add_postgres_connector(spec.connector_name, spec=spec.connector_spec(),
                                                        credentials_secret=credentials_secret,
                                                        hash_salt=self.hash_salt)
        self.connector.resource.node.default_child.add_metadata(DATA_PRODUCT_METADATA_KEY, {
            "Product": spec.name, "Source": spec.source.name, "Topics": list(spec.topics),
            "Columns": dict(sorted(spec.columns.items())), "ExposedPii": list(spec.exposed_pii())})


def _put_health_metrics() -> iam.PolicyStatement:
    """PutMetricData has no resource-level permissions: limited to the platform's Connect namespace."""
    return iam.PolicyStatement(actions=["cloudwatch:PutMetricData"], resources=["*"],
                               conditions={"StringEquals": {"cloudwatch:namespace": HEALTH_NAMESPACE}})


@jsii.implements(IStableStringProducer)
class _DeclaredDigest:
    """A digest of every declared connector (config, desired state, slot on delete), read when the template is
    written: it changes whenever a connector's declaration does."""

    def __init__(self, connect: DebeziumConnectCluster):
        self.connect = connect

    def produce(self) -> str:
        declared = [[c.spec.name, c.spec.config(), c.spec.desired_state, c.spec.slot_on_delete]
                    for c in self.connect.connectors]
        return hashlib.sha256(json.dumps(declared, sort_keys=True).encode()).hexdigest()


@jsii.implements(IStableListProducer)
class _DeclaredNames:
    """The declared connectors' names, read when the template is written (after every connector is added)."""

    def __init__(self, connect: DebeziumConnectCluster):
        self.connect = connect

    def produce(self) -> list[str]:
        return [connector.spec.name for connector in self.connect.connectors]
