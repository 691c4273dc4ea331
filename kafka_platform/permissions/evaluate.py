"""Would AWS authorize a call? Decided by PMapper's local policy simulation (``principalmapper`` on PyPI), not here.

PMapper evaluates a request the way IAM's documented evaluation logic does: explicit denies in any policy first, then
the resource policy (which alone decides for IAM trust policies and KMS key policies: "IAM and KMS require the
trust/key policy to match"), then the principal's identity policies, with every condition operator the platform's
policies use (``ArnEquals``/``ArnLike``, ``StringEquals``/``StringLike``, ``Bool``, ``ForAnyValue``/``ForAllValues``,
``...IfExists``, ``Null``) on the request's context keys. It was chosen over the alternatives because it is the only
general IAM evaluator on PyPI (``moto`` ignores conditions; ``policyuniverse``, ``parliament`` and
``cloudsplaining`` parse or lint, they do not decide; ``iamspy`` 0.0.1 is empty). Its licence is AGPL-3.0: it is an
optional dependency of the gates (``[gates]``), never bundled, and this module is its only importer.

Its last release (1.1.5, 2021) imports ``Mapping`` and ``MutableMapping`` from ``collections``, which Python 3.10
removed (they live in ``collections.abc``): they are put back before it is imported. Nothing else is patched.
"""

from __future__ import annotations

import collections
import collections.abc
import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping, Sequence

for _name in ("Mapping", "MutableMapping"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from principalmapper.common import Node, Policy  # noqa: E402
from principalmapper.querying.local_policy_simulation import (  # noqa: E402
    ResourcePolicyEvalResult, policy_has_matching_statement, resource_policy_authorization)
from principalmapper.querying.query_interface import local_check_authorization_full  # noqa: E402
from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict  # noqa: E402

# PMapper logs every decision at DEBUG; the gate says what it found itself.
logging.getLogger("principalmapper").setLevel(logging.WARNING)

Document = Mapping[str, Any]


@dataclass(frozen=True)
class NamedPolicy:
    """An identity policy as the template declares it: where it is (for the finding) and its document."""

    name: str
    document: Document


class Verdict(Enum):
    ALLOWED = "allowed"
    NO_IDENTITY_ALLOW = "no identity policy allows it"
    IDENTITY_DENY = "an identity policy denies it"
    RESOURCE_DENY = "the resource policy denies it"
    RESOURCE_SILENT = "the resource policy admits neither the principal nor its account"
    NO_RESOURCE_POLICY = "the resource has no policy that admits the service"


def role_node(arn: str, policies: Sequence[NamedPolicy], trust: Document) -> Node:
    """A role as PMapper models one: its ARN and its identity policies (trust policies are resources here)."""
    attached = [Policy(policy.name, policy.name, dict(policy.document)) for policy in policies]
    return Node(arn, arn.rsplit("/", 1)[-1], attached, [], dict(trust), None, 0, False, False, None, False, None)


def _context(context: Mapping[str, str | Sequence[str]]) -> CaseInsensitiveDict:
    return CaseInsensitiveDict({key: value for key, value in context.items()})


def principal_may(node: Node, action: str, resource: str, context: Mapping[str, str | Sequence[str]],
                  resource_policy: Document | None, owner: str) -> Verdict:
    """Whether ``node`` (in the resource owner's account) may call ``action`` on ``resource``, and if not, which
    policy stops it."""
    allowed = local_check_authorization_full(node, action, resource, dict(context), resource_policy=(
        dict(resource_policy) if resource_policy is not None else None), resource_owner=owner)
    if allowed:
        return Verdict.ALLOWED
    keys = _context(context)
    if any(policy_has_matching_statement(p, "Deny", action, resource, keys) for p in node.attached_policies):
        return Verdict.IDENTITY_DENY
    if resource_policy is not None:
        result = resource_policy_authorization(node, owner, dict(resource_policy), action, resource, keys)
        if result is ResourcePolicyEvalResult.DENY_MATCH:
            return Verdict.RESOURCE_DENY
        if resource.split(":")[2] in ("kms", "iam") and result is ResourcePolicyEvalResult.NO_MATCH:
            return Verdict.RESOURCE_SILENT
    return Verdict.NO_IDENTITY_ALLOW


def service_may(service: str, action: str, resource: str, context: Mapping[str, str | Sequence[str]],
                resource_policy: Document | None, owner: str) -> Verdict:
    """Whether the service principal ``service`` may call ``action`` on ``resource``: only a resource policy can
    allow a service principal."""
    if resource_policy is None:
        return Verdict.NO_RESOURCE_POLICY
    result = resource_policy_authorization(service, owner, dict(resource_policy), action, resource, _context(context))
    if result is ResourcePolicyEvalResult.SERVICE_MATCH:
        return Verdict.ALLOWED
    if result is ResourcePolicyEvalResult.DENY_MATCH:
        return Verdict.RESOURCE_DENY
    return Verdict.RESOURCE_SILENT
