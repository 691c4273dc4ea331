"""``ConnectRestAccess``: who may call a Connect cluster's REST API and how it is verified: two users, the cluster's
certificate authority, and their rotation every 30 days (the runtime code and its reasoning:
``kafka_platform/lambda/rest_access.py``; each worker issues its listener's certificate at start:
``connect_image/rest-tls.sh``).

* **Secret** ``secret``: one JSON object (users, authority, trusted certificates), encrypted with the cluster's key,
  its first version written by a custom resource (``Custom::ConnectRestAccess``) before the workers start.
* **Rotation**: Secrets Manager invokes ``rotator`` every 30 days (only Secrets Manager, only for this secret); it
  alternates the two users, renews the certificate in two steps, refuses to go on if the running workers do not
  accept the next version, and redeploys the workers when it is done. A failed rotation pages.
* **Readers**: the workers' execution role (ECS secrets), and whoever ``grant_read`` names (the reconciler, the health
  monitor). Nobody else.
"""

from __future__ import annotations

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from kafka_platform.constructs.alarm_topic import notify
from kafka_platform.constructs.encryption import unmodifiable
from kafka_platform.constructs.platform_function import PlatformFunction
from kafka_platform.constructs.references import container_secret, grant_secret_read
from kafka_platform.domain.connect_worker import REST_PORT

ROTATION_DAYS = 30
#: The container's environment variable for each JSON key of the secret the workers need.
CONTAINER_SECRETS = {
    "CONNECT_REST_USERNAME": "username", "CONNECT_REST_PASSWORD": "password",
    "CONNECT_REST_STANDBY_USERNAME": "standby_username", "CONNECT_REST_STANDBY_PASSWORD": "standby_password",
    "CONNECT_REST_CA_KEYSTORE": "ca_keystore", "CONNECT_REST_CA_KEYSTORE_PASSWORD": "ca_keystore_password",
    "CONNECT_REST_CERTIFICATES": "certificates",
}


class ConnectRestAccess(Construct):
    """The REST API's access secret and its first version; ``rotate_with`` adds the rotation once the workers'
    service exists."""

    def __init__(self, scope: Construct, construct_id: str, *, connect_name: str, host: str, key: kms.IKey,
                 vpc: ec2.IVpc, vpc_subnets: ec2.SubnetSelection, log_retention: logs.RetentionDays,
                 removal_policy: RemovalPolicy, aws_api_security_group: ec2.ISecurityGroup | None) -> None:
        super().__init__(scope, construct_id)
        self._connect_name, self._host, self._key = connect_name, host, key
        self._vpc, self._subnets, self._log_retention = vpc, vpc_subnets, log_retention
        self._removal_policy, self._aws_api_security_group = removal_policy, aws_api_security_group
        #: The users, the authority and the certificates to trust (``lambda/rest_access.py`` names each key).
        self.secret: secretsmanager.Secret = secretsmanager.Secret(
            self, "Secret", description=f"Kafka Connect {connect_name} REST API: its users and its TLS authority",
            encryption_key=unmodifiable(self, "SecretKey", key), removal_policy=removal_policy)
        self.initializer: PlatformFunction = self._function(
            "Initializer", "rest_access.initialize", "Writes the first version of", invoked_by="cloudformation",
            timeout=Duration.minutes(1), environment={"CONNECT_CLUSTER": connect_name})
        self._grant_write(self.initializer)
        #: Written before anything reads the secret: the workers' service depends on it.
        self.initialization: CustomResource = CustomResource(
            self, "Initialization", service_token=self.initializer.function.function_arn,
            resource_type="Custom::ConnectRestAccess", service_timeout=Duration.minutes(2),
            properties={"SecretArn": self.secret.secret_arn})
        self.rotator: PlatformFunction | None = None

    def container_secrets(self, task_definition: ecs.TaskDefinition) -> dict[str, ecs.Secret]:
        """What a worker container reads from the secret at start, each JSON key as an environment variable."""
        return {variable: container_secret(task_definition, self.secret, key)
                for variable, key in CONTAINER_SECRETS.items()}

    def grant_read(self, grantee: iam.IGrantable) -> None:
        grant_secret_read(self.secret, grantee)

    def rotate_with(self, *, service: ecs.FargateService, workers: ec2.Connections, connect_url: str,
                    alarm_action: cloudwatch.IAlarmAction, alarm_prefix: str) -> PlatformFunction:
        """Rotation every ``ROTATION_DAYS`` days by Secrets Manager, which redeploys ``service`` when done."""
        stack = Stack.of(self)
        rotator = self._function(
            "Rotator", "rest_access.rotate", "Rotates", invoked_by="secretsmanager", timeout=Duration.minutes(2),
            environment={"CONNECT_CLUSTER": self._connect_name, "CONNECT_URL": connect_url,
                         "SECRET_ARN": self.secret.secret_arn, "ECS_CLUSTER": service.cluster.cluster_name,
                         "ECS_SERVICE": service.service_name},
            statements=[iam.PolicyStatement(actions=["ecs:UpdateService"], resources=[service.service_arn])])
        self._grant_write(rotator)
        rotator.role.add_statements(iam.PolicyStatement(
            actions=["secretsmanager:DescribeSecret", "secretsmanager:UpdateSecretVersionStage"],
            resources=[self.secret.secret_arn]))
        workers.allow_from(rotator.security_group, ec2.Port.tcp(REST_PORT), "Rotator to the REST API")
        # Secrets Manager, for this secret only, in this account (the confused-deputy conditions AWS recommends:
        # https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html).
        permission = lambda_.CfnPermission(
            self, "InvokedBySecretsManager", action="lambda:InvokeFunction",
            function_name=rotator.function.function_arn, principal="secretsmanager.amazonaws.com",
            source_account=stack.account, source_arn=self.secret.secret_arn)
        schedule = secretsmanager.CfnRotationSchedule(
            self, "Rotation", secret_id=self.secret.secret_arn, rotation_lambda_arn=rotator.function.function_arn,
            rotate_immediately_on_update=False,
            rotation_rules=secretsmanager.CfnRotationSchedule.RotationRulesProperty(
                automatically_after_days=ROTATION_DAYS))
        schedule.node.add_dependency(permission, self.initialization)
        alarm = cloudwatch.Alarm(
            self, "RotationFailedAlarm", metric=rotator.function.metric_errors(period=Duration.minutes(5),
                                                                               statistic="Sum"),
            threshold=1, evaluation_periods=1, datapoints_to_alarm=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_name=f"{alarm_prefix}-rest-rotation-failed",
            alarm_description=f"Rotating Kafka Connect {self._connect_name}'s REST access failed; the current version "
                              "stays in use. Usually the workers have not restarted since the last rotation: see the "
                              "rotator's log, redeploy the Connect service, then rotate the secret again.")
        notify(alarm_action, alarm)
        self.rotation_alarm = alarm
        self.rotator = rotator
        return rotator

    # ---- parts -------------------------------------------------------------------------------------------------
    def _function(self, construct_id: str, handler: str, verb: str, *, invoked_by: str, timeout: Duration,
                  environment: dict[str, str], statements: list[iam.PolicyStatement] | None = None
                  ) -> PlatformFunction:
        return PlatformFunction(
            self, construct_id, handler=handler,
            description=f"{verb} the REST access secret of Kafka Connect {self._connect_name}", vpc=self._vpc,
            vpc_subnets=self._subnets, logs_key=self._key, log_retention=self._log_retention,
            removal_policy=self._removal_policy, statements=statements or [], timeout=timeout,
            invoked_by=invoked_by, environment=environment, aws_api_security_group=self._aws_api_security_group,
            control_plane=True)

    def _grant_write(self, function: PlatformFunction) -> None:
        """Read and write the secret's value; Secrets Manager encrypts and decrypts with its key as the caller."""
        grant_secret_read(self.secret, function.role)
        function.role.add_statements(
            iam.PolicyStatement(actions=["secretsmanager:PutSecretValue"], resources=[self.secret.secret_arn]),
            iam.PolicyStatement(actions=["kms:GenerateDataKey"], resources=[self._key.key_arn], conditions={
                "StringEquals": {"kms:ViaService": f"secretsmanager.{Stack.of(self).region}.amazonaws.com"}}))
