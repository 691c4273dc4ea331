"""Acknowledging one compliance finding, at one construct, with a reason a reviewer can accept.

The id is written in the namespaced form (``AwsSolutions::AwsSolutions-IAM5[Resource::*]``): CDK's synth-time
validation then suppresses the finding and records the reason, the construct and the rule in
``cdk.out/validation-report.json``. (cdk-nag's own ``validate_scope`` does not honour this form; the gates always run
through synthesis.)
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable

import jsii
from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct, IValidation

PACK_NAMESPACES = ("AwsSolutions", "PCI.DSS.321", "NIST.800.53.R5", "KafkaPlatform")
# CDK's built-in template validation (cfn-lint's rules) reports bare rule ids such as W3010.
CLOUDFORMATION_VALIDATE = "CloudFormation-Validate"
MIN_REASON_CHARS = 40


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge ``finding`` (a rule id such as ``NIST.800.53.R5-LambdaDLQ``, with ``[finding]`` where the rule
    reports several, or a built-in validation id such as ``W3010``) on ``scope``, which should be the resource
    itself or its closest construct."""
    namespace = next((pack for pack in PACK_NAMESPACES if finding.startswith(pack + "-")), None)
    if namespace is None and finding[:1] in ("E", "W", "I") and finding[1:].isdigit():
        namespace = CLOUDFORMATION_VALIDATE
    if namespace is None:
        raise ValueError(f"{finding!r} is not a rule of {', '.join(PACK_NAMESPACES)} or of CDK's built-in "
                         "validation; write the rule id as reported")
    if len(reason) < MIN_REASON_CHARS:
        raise ValueError(f"the reason for {finding} is {len(reason)} characters; explain in at least "
                         f"{MIN_REASON_CHARS} why the finding is acceptable here")
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{namespace}::{finding}", reason=reason))


def flatten_reference(value: Any) -> str:
    """A resolved CloudFormation value as cdk-nag writes it inside a finding id (its ``flattenCfnReference``):
    joins flattened, ``Ref`` as ``<Name>``, ``Fn::GetAtt`` as ``<Resource.Attribute>``, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, items = value["Fn::Join"]
            return separator.join(flatten_reference(item) for item in items)
        if "Fn::Sub" in value:
            return flatten_reference(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in value:
            return flatten_reference(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten_reference(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


@jsii.implements(IValidation)
class _AcknowledgeWildcardResources:
    """Acknowledges, once references are final, each wildcard resource ``select`` picks in the policies."""

    def __init__(self, policies: Callable[[], Iterable[CfnResource]], select: Callable[[str], str | None]) -> None:
        self._policies, self._select = policies, select

    def validate(self) -> list[str]:
        for policy in self._policies():
            document = Stack.of(policy).resolve(policy.policy_document)  # type: ignore[attr-defined]
            for statement in document.get("Statement", []):
                resources = statement.get("Resource", [])
                for resource in resources if isinstance(resources, list) else [resources]:
                    flat = flatten_reference(resource)
                    if "*" in flat and (reason := self._select(flat)) is not None:
                        acknowledge(policy, f"AwsSolutions-IAM5[Resource::{flat}]", reason)
        return []


def acknowledge_wildcard_resources(scope: IConstruct, policies: Callable[[], Iterable[CfnResource]],
                                   select: Callable[[str], str | None]) -> None:
    """Acknowledge AwsSolutions-IAM5 for each wildcard resource of ``policies()`` (``CfnManagedPolicy`` resources)
    for which ``select(ARN as cdk-nag writes it)`` gives a reason, one finding at a time. The finding id holds the
    ARN as the template will, and a reference to another stack takes its final form (``Fn::GetStackOutput``) only
    once the app is prepared for synthesis: the acknowledgments are made then, in ``scope``'s validation."""
    scope.node.add_validation(_AcknowledgeWildcardResources(policies, select))
