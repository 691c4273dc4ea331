"""Acknowledging one compliance finding, at one construct, with a reason a reviewer can accept.

The id is written in the namespaced form (``AwsSolutions::AwsSolutions-IAM5[Resource::*]``): CDK's synth-time
validation then suppresses the finding and records the reason, the construct and the rule in
``cdk.out/validation-report.json``. (cdk-nag's own ``validate_scope`` does not honour this form; the gates always run
through synthesis.)
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

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
