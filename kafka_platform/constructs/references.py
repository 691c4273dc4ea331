"""Container images and secrets referenced by name or ARN, imported without lookups."""

from __future__ import annotations

from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from kafka_platform.domain.fargate import ECR_IMAGE


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
