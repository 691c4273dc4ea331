"""Container images and secrets referenced by name or ARN, imported without lookups."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from kafka_platform.domain.fargate import ECR_IMAGE
from kafka_platform.domain.secrets_manager import SECRET_KEYS_METADATA_KEY


def container_image(scope: Construct, construct_id: str, reference: str) -> ecs.ContainerImage:
    """A pinned image: from a private ECR repository (the execution role is granted pulls from that repository
    only) or from any other registry as is."""
    match = ECR_IMAGE.match(reference)
    if match is None:
        return ecs.ContainerImage.from_registry(reference)
    repository = ecr.Repository.from_repository_attributes(
        scope, construct_id, repository_name=match["repository"],
        repository_arn=f"arn:aws:ecr:{match['region']}:{match['account']}:repository/{match['repository']}")
    return ecs.ContainerImage.from_ecr_repository(repository, match["tag"] or match["digest"])


def secret(scope: Construct, construct_id: str, secret_arn: str,
           kms_key_arn: str | None = None) -> secretsmanager.ISecret:
    """A secret by its complete ARN; with its KMS key, readers are also granted decryption with that key."""
    key = kms.Key.from_key_arn(scope, f"{construct_id}Key", kms_key_arn) if kms_key_arn else None
    return secretsmanager.Secret.from_secret_attributes(scope, construct_id, secret_complete_arn=secret_arn,
                                                        encryption_key=key)


def container_secret(task_definition: ecs.TaskDefinition, secret: secretsmanager.ISecret,
                     field: str | None = None) -> ecs.Secret:
    """``secret`` (or one JSON ``field`` of it) for a container of ``task_definition``.

    ECS reads the secret with the execution role at each task start, and Secrets Manager decrypts it with the secret's
    key as that role. aws-cdk-lib's ``grantRead`` grants nothing on a key whose policy it cannot extend (it grants
    through a ``ViaServicePrincipal``: https://github.com/aws/aws-cdk/issues/10160), so ``kms:Decrypt`` through
    Secrets Manager is granted to the role here; an imported secret's key is recorded in the task definition's
    template metadata, where the permission-contracts gate finds it."""
    if secret.encryption_key is not None:
        _grant_decrypt(secret, task_definition.obtain_execution_role())
        if not isinstance(secret, secretsmanager.Secret):
            resource = task_definition.node.default_child
            declared = dict(resource.get_metadata(SECRET_KEYS_METADATA_KEY) or {})
            declared[secret.secret_arn] = secret.encryption_key.key_arn
            resource.add_metadata(SECRET_KEYS_METADATA_KEY, declared)
    return ecs.Secret.from_secrets_manager(secret, field)


def grant_secret_read(secret: secretsmanager.ISecret, grantee: iam.IGrantable) -> None:
    """``secret.grant_read``, and ``kms:Decrypt`` on its key through Secrets Manager in ``grantee``'s own policy:
    aws-cdk-lib grants the key only in a key policy it can extend, which the platform's keys are not
    (``encryption.unmodifiable``), nor an imported key."""
    secret.grant_read(grantee)
    if secret.encryption_key is not None:
        _grant_decrypt(secret, grantee)


def _grant_decrypt(secret: secretsmanager.ISecret, grantee: iam.IGrantable) -> None:
    assert secret.encryption_key is not None
    grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
        actions=["kms:Decrypt"], resources=[secret.encryption_key.key_arn], conditions={"StringEquals": {
            "kms:ViaService": f"secretsmanager.{Stack.of(secret).region}.amazonaws.com"}}))
