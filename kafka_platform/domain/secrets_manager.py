"""Secrets Manager references: complete secret ARNs, so that IAM and ECS name exactly one secret."""

from __future__ import annotations

import re

from kafka_platform.errors import show

#: Template metadata, on a task definition, naming the customer-managed key of each imported secret its containers
#: read (a secret the templates create names its key itself, ``KmsKeyId``): ``{secret ARN: key ARN}``. The
#: permission-contracts gate reads it to check that the execution role may decrypt each one.
SECRET_KEYS_METADATA_KEY = "kafka-platform:secret-keys"

# A complete ARN ends in the name, a hyphen and the six random characters Secrets Manager appends.
_COMPLETE_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$")


def secret_arn_problem(arn: str) -> str | None:
    if _COMPLETE_ARN.match(arn):
        return None
    return (f"{show(arn)} is not a complete Secrets Manager ARN; copy the secret's full ARN, which ends in the "
            "name and six random characters (…:secret:loans-db-AbCdEf)")


# A KMS key by its ARN; the key's ARN is what IAM grants name (an alias ARN would grant nothing on the key itself).
_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:"
                      r"key/mrk-[0-9a-f]{32}$")


def kms_key_arn_problem(arn: str) -> str | None:
    if _KEY_ARN.match(arn):
        return None
    return (f"{show(arn)} is not a KMS key ARN; the tasks' permission to decrypt names the key itself, so give its "
            "ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID, from the key's page or `aws kms describe-key --key-id "
            "alias/...`), not an alias")
