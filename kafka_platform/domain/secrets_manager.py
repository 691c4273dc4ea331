"""Secrets Manager references: complete secret ARNs, so that IAM and ECS name exactly one secret."""

from __future__ import annotations

import re

from kafka_platform.errors import show

# A complete ARN ends in the name, a hyphen and the six random characters Secrets Manager appends.
_COMPLETE_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$")


def secret_arn_problem(arn: str) -> str | None:
    if _COMPLETE_ARN.match(arn):
        return None
    return (f"{show(arn)} is not a complete Secrets Manager ARN; copy the secret's full ARN, which ends in the "
            "name and six random characters (…:secret:loans-db-AbCdEf)")
