"""Roles keep their permissions in customer-managed policies: no inline policy, no AWS-managed policy.

NIST 800-53 and PCI DSS (IAMNoInlinePolicy) and AwsSolutions-IAM4 check only typed ``CfnRole`` / ``CfnPolicy``
objects; a role that a library writes as a raw ``CfnResource`` (CDK's own custom-resource providers do) escapes
them. This rule reads the CloudFormation type, so nothing escapes.
"""

from typing import Any

from kafka_platform.gates.rules import Compliance, DeclaredTopology, Resource, Result, Rule


def _policy_name(arn: Any) -> str:
    text = arn.get("Fn::Sub", str(arn)) if isinstance(arn, dict) else str(arn)
    return text.rsplit("/", 1)[-1]


def check(resource: Resource, topology: DeclaredTopology | None = None) -> Result:
    if resource.type == "AWS::IAM::Policy":
        return ["InlinePolicy"]
    findings = []
    if resource.properties.get("Policies"):
        findings.append("InlinePolicy")
    for arn in resource.properties.get("ManagedPolicyArns") or []:
        text = arn.get("Fn::Sub", "") if isinstance(arn, dict) else arn
        if isinstance(text, str) and ":iam::aws:policy/" in text:
            findings.append(f"AwsManagedPolicy::{_policy_name(arn)}")
    return findings or Compliance.COMPLIANT


RULE = Rule(
    name="IAMPoliciesManaged", resource_types=("AWS::IAM::Role", "AWS::IAM::Policy"),
    info="An IAM role holds an inline policy or an AWS-managed policy.",
    explanation="Customer-managed policies are versioned, reviewable and reusable; inline and AWS-managed policies "
                "escape review (AWS may widen a managed policy at any time).",
    check=check)
