"""Security review M5: every key separates administration from use, and each service may use it only narrowly."""

import json

import pytest

from tests.conftest import ENVIRONMENT_NAMES
from tests.support import resources

USE = {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:*"}


def keys(synthesized, environment):
    for stack in synthesized.assembly.stacks(synthesized.stages[environment].stage_name):
        for logical_id, key in resources(stack.template, "AWS::KMS::Key").items():
            yield stack, logical_id, key["Properties"]["KeyPolicy"]["Statement"]


def _list(value):
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_named_roles_administer_keys_and_the_account_uses_them_only_through_named_services(synthesized, environment):
    """Issue 30: the deploying role (CDK bootstrap's execution role) and the environment's key_administrators
    administer each key, and change its policy only with KMS's lockout safety kept; the account no longer holds
    kms:Create* and kms:Put* (which include CreateGrant and PutKeyPolicy). It uses a key only through named services,
    and only those services create grants, for AWS resources."""
    config = synthesized.stages[environment].config
    deployer = {"Fn::Sub": "arn:${AWS::Partition}:iam::" + config.account + ":role/cdk-hnb659fds-cfn-exec-role-"
                + config.account + "-" + config.region}
    administrators = [deployer, *config.key_administrators]
    found = 0
    for stack, logical_id, statements in keys(synthesized, environment):
        found += 1
        where = (stack.stack_name, logical_id)
        by_sid = {s.get("Sid"): s for s in statements}
        administration = by_sid["KeyAdministration"]
        assert sorted(map(json.dumps, _list(administration["Principal"]["AWS"]))) == sorted(
            map(json.dumps, administrators)), where
        assert not set(_list(administration["Action"])) & (USE | {"kms:Create*", "kms:Put*", "kms:PutKeyPolicy"})
        policy_changes = by_sid["KeyPolicyWithLockoutSafety"]
        assert (policy_changes["Action"], policy_changes["Condition"]) == (
            "kms:PutKeyPolicy", {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "false"}})
        for statement in statements:
            principal = json.dumps(statement["Principal"])
            actions = set(_list(statement["Action"]))
            assert "kms:*" not in actions and not {"kms:Create*", "kms:Put*"} & actions, where
            if ":root" in principal and actions & USE:
                via = statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService")
                assert via, (where, statement)
            if "kms:CreateGrant" in actions:
                assert statement["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}, where
    assert found >= 5


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_cloudwatch_logs_may_use_a_logs_key_only_for_its_own_stacks_log_groups(synthesized, environment):
    for stack, logical_id, statements in keys(synthesized, environment):
        for statement in statements:
            if "logs." not in json.dumps(statement["Principal"]):
                continue
            arn = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
            assert arn.endswith(f":log-group:{stack.stack_name}-*"), arn
            # Every log group under the key has a generated name, which begins with the stack's name.
            for group in resources(stack.template, "AWS::Logs::LogGroup").values():
                if group["Properties"].get("KmsKeyId") == {"Fn::GetAtt": [logical_id, "Arn"]}:
                    assert "LogGroupName" not in group["Properties"]


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_cloudwatch_may_use_the_alarm_key_only_for_this_accounts_alarms(synthesized, environment):
    stage = synthesized.stages[environment]
    [(_, _, statements)] = [k for k in keys(synthesized, environment) if k[0].stack_name.endswith("-Alerting")]
    [cloudwatch] = [s for s in statements if "cloudwatch.amazonaws.com" in json.dumps(s["Principal"])]
    assert cloudwatch["Condition"] == {
        "StringEquals": {"aws:SourceAccount": stage.config.account},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{stage.config.region}:{stage.config.account}:alarm:*"}}
