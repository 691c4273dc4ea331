"""Every key policy keeps the means to change who may use the key away from the whole account.

``kms:CreateGrant`` lets its holder grant itself (or anyone) ``Decrypt``, bypassing the key policy's ``kms:ViaService``
conditions; ``kms:PutKeyPolicy`` rewrites the key policy; ``kms:*``, ``kms:Create*`` and ``kms:Put*`` include them.
A key policy that gives them to a principal without conditions lets any identity policy of that account that allows
them take the key (the account root's statement delegates to every IAM principal).

Findings, one per statement: ``<action>`` without conditions; ``kms:CreateGrant`` not limited to grants for AWS
resources (``kms:GrantIsForAWSResource``, which only an AWS service integrated with KMS sets) or not through named
services (``kms:ViaService``); ``kms:PutKeyPolicy`` without the lockout safety kept
(``kms:BypassPolicyLockoutSafetyCheck`` false). A service principal (``logs.<region>.amazonaws.com``) is not an
account's identity: its statements are judged by the service's own documentation, not here.
https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html,
https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html
"""

from __future__ import annotations

import fnmatch
from typing import Any, Mapping

from kafka_platform.gates.rules import Compliance, DeclaredTopology, Resource, Result, Rule, listed

_GUARDED = ("kms:CreateGrant", "kms:PutKeyPolicy")


def _conditions(statement: Mapping[str, Any]) -> dict[str, Any]:
    """Condition keys (lower case) to their values, whatever the operator."""
    found: dict[str, Any] = {}
    for operator, keys in (statement.get("Condition") or {}).items():
        if isinstance(keys, Mapping):
            for key, value in keys.items():
                found[str(key).lower()] = (operator, value)
    return found


def _is_true(condition: tuple[str, Any] | None, expected: str) -> bool:
    if condition is None:
        return False
    operator, value = condition
    values = [str(v).lower() for v in listed(value)]
    return operator in ("Bool", "StringEquals") and values == [expected]


def _only_services(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    return isinstance(principal, Mapping) and set(principal) == {"Service"}


def check(resource: Resource, topology: DeclaredTopology | None = None) -> Result:
    document = resource.properties.get("KeyPolicy")
    if not isinstance(document, Mapping):
        return ["KeyPolicy"]
    findings = []
    for index, statement in enumerate(listed(document.get("Statement", []))):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow" or _only_services(statement):
            continue
        actions = [str(a) for a in listed(statement.get("Action", []))]
        conditions = _conditions(statement)
        name = statement.get("Sid") or f"statement {index}"
        for guarded in _GUARDED:
            if not any(fnmatch.fnmatchcase(guarded, pattern) for pattern in actions):
                continue
            if not conditions:
                findings.append(f"{name}:{guarded}:WithoutConditions")
            elif guarded == "kms:CreateGrant" and not (
                    _is_true(conditions.get("kms:grantisforawsresource"), "true")
                    and "kms:viaservice" in conditions):
                findings.append(f"{name}:{guarded}:NotOnlyForAwsResourcesThroughServices")
            elif guarded == "kms:PutKeyPolicy" and not _is_true(
                    conditions.get("kms:bypasspolicylockoutsafetycheck"), "false"):
                findings.append(f"{name}:{guarded}:LockoutSafetyNotKept")
    return findings or Compliance.COMPLIANT


RULE = Rule(
    name="KmsKeyPolicyLeastPrivilege", resource_types=("AWS::KMS::Key",),
    info="A key policy lets a principal create grants or rewrite the policy without conditions.",
    explanation="kms:CreateGrant and kms:PutKeyPolicy (and kms:*, kms:Create*, kms:Put*, which include them) let "
                "their holder give itself Decrypt or take the key: grants only for AWS resources through named "
                "services, and the policy changed only by named administrators with the lockout safety kept.",
    check=check)
