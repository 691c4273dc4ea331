"""The organization guardrail: with it, only CloudFormation's deployment role may invoke or change the connectors'
control plane; without it, an administrator of the account may (the finding it answers). Evaluated by PMapper's
local policy simulation, service control policies included."""

from __future__ import annotations

import json

import pytest

from kafka_platform.cli import main
from kafka_platform.domain.guardrail import CONTROL_PLANE_TAG, PROTECTED_ACTIONS, guardrail_policy
from kafka_platform.permissions.evaluate import NamedPolicy, role_node
from tests.support import resources

pytest.importorskip("principalmapper")
from principalmapper.common import Policy  # noqa: E402
from principalmapper.querying.query_interface import local_check_authorization_full  # noqa: E402

ACCOUNT = "333333333333"
RECONCILER = f"arn:aws:lambda:eu-west-2:{ACCOUNT}:function:Prod-Connect-ConnectReconcilerFunction-AbC"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ALLOW_ALL_SCP = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def may(role: str, action: str, tagged: bool, guardrail: bool) -> bool:
    node = role_node(f"arn:aws:iam::{ACCOUNT}:role/{role}", [NamedPolicy("admin", ADMIN)], {})
    scps = [Policy("FullAWSAccess", "FullAWSAccess", ALLOW_ALL_SCP)]
    if guardrail:
        scps.append(Policy("guardrail", "guardrail", guardrail_policy()))
    context = {"aws:PrincipalArn": node.arn, **({f"aws:ResourceTag/{CONTROL_PLANE_TAG}": "true"} if tagged else {})}
    return local_check_authorization_full(node, action, RECONCILER, context, resource_owner=ACCOUNT,
                                          service_control_policy_groups=[scps])


@pytest.mark.parametrize("action", PROTECTED_ACTIONS)
def test_only_the_deployment_role_may_invoke_or_change_a_control_plane_function(action):
    assert may("cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-2", action, tagged=True, guardrail=True)
    assert not may("platform-admin", action, tagged=True, guardrail=True)
    assert may("platform-admin", action, tagged=True, guardrail=False)  # what the review found
    assert may("platform-admin", action, tagged=False, guardrail=True)  # other functions are not its business


def test_the_tag_itself_cannot_be_removed_by_anyone_else():
    node = role_node(f"arn:aws:iam::{ACCOUNT}:role/platform-admin", [NamedPolicy("admin", ADMIN)], {})
    scps = [[Policy("FullAWSAccess", "FullAWSAccess", ALLOW_ALL_SCP), Policy("g", "g", guardrail_policy())]]
    context = {"aws:PrincipalArn": node.arn, "aws:TagKeys": [CONTROL_PLANE_TAG]}
    assert not local_check_authorization_full(node, "lambda:UntagResource", RECONCILER, context,
                                              resource_owner=ACCOUNT, service_control_policy_groups=scps)


def test_every_control_plane_function_carries_the_tag_and_no_other_does(synthesized):
    raw = synthesized.raw("prod", "Connect")
    tagged = {r["Metadata"]["aws:cdk:path"].split("/Connect/Connect/")[1].split("/Function")[0]
              for r in resources(raw, "AWS::Lambda::Function").values()
              if {"Key": CONTROL_PLANE_TAG, "Value": "true"} in r["Properties"].get("Tags", [])}
    assert tagged == {"Reconciler", "HealthMonitor", "RestAccess/Initializer", "RestAccess/Rotator"}
    kafka = synthesized.raw("prod", "Kafka")
    assert not any(CONTROL_PLANE_TAG in json.dumps(r["Properties"].get("Tags", []))
                   for r in resources(kafka, "AWS::Lambda::Function").values())


def test_the_cli_prints_the_policy_for_a_qualifier(capsys):
    assert main(["guardrail", "--qualifier", "bank1"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == guardrail_policy("bank1")
    assert printed["Statement"][0]["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == \
        "arn:aws:iam::*:role/cdk-bank1-cfn-exec-role-*"
