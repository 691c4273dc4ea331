"""The organization guardrail (a service control policy) that keeps the connectors' control plane CloudFormation's.

The reconciler applies only what its stack's deployed template declares, and refuses events without its stack's id
and CloudFormation's response bucket (``lambda/connector_reconciler.py``): a direct invocation can at most ask it to
apply the deployed template again. What a Lambda resource policy cannot do is refuse an invoker of the same account
whose identity policy allows ``lambda:InvokeFunction`` (a resource policy grants; it cannot deny what an identity
policy allows: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html). An SCP
can. This one denies, on every function tagged ``kafka-platform:control-plane`` (the reconciler, the health monitor
and the REST access functions), invoking, changing code or configuration, adding permissions and retagging, to every
principal but CloudFormation's deployment role (CDK's bootstrap ``cfn-exec-role``, which invokes custom-resource
handlers on the stack's behalf). Service principals (EventBridge's schedule, Secrets Manager's rotation) are not
subject to SCPs (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html), and
Lambda authorizes these actions on the function's tags (https://docs.aws.amazon.com/lambda/latest/dg/
attribute-based-access-control.html).

``kafka-platform guardrail`` prints it for the organization's administrators to attach to the platform's accounts.
"""

from __future__ import annotations

from typing import Any

CONTROL_PLANE_TAG = "kafka-platform:control-plane"
PROTECTED_ACTIONS = ("lambda:InvokeFunction", "lambda:InvokeFunctionUrl", "lambda:UpdateFunctionCode",
                     "lambda:UpdateFunctionConfiguration", "lambda:AddPermission", "lambda:RemovePermission",
                     "lambda:PutFunctionConcurrency", "lambda:DeleteFunction", "lambda:TagResource",
                     "lambda:UntagResource")
DEFAULT_QUALIFIER = "hnb659fds"


def deployer_role_pattern(qualifier: str = DEFAULT_QUALIFIER) -> str:
    """CDK's CloudFormation execution role in any account and region of the organization."""
    return f"arn:aws:iam::*:role/cdk-{qualifier}-cfn-exec-role-*"


def guardrail_policy(qualifier: str = DEFAULT_QUALIFIER) -> dict[str, Any]:
    deployer = deployer_role_pattern(qualifier)
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ControlPlaneIsCloudFormations", "Effect": "Deny", "Action": list(PROTECTED_ACTIONS),
         "Resource": "*",
         "Condition": {"StringEquals": {f"aws:ResourceTag/{CONTROL_PLANE_TAG}": "true"},
                       "ArnNotLike": {"aws:PrincipalArn": deployer}}},
        {"Sid": "ControlPlaneTagIsCloudFormations", "Effect": "Deny",
         "Action": ["lambda:TagResource", "lambda:UntagResource"], "Resource": "*",
         "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": [CONTROL_PLANE_TAG]},
                       "ArnNotLike": {"aws:PrincipalArn": deployer}}},
    ]}
