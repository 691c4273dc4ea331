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
def test_the_account_administers_keys_but_uses_them_only_through_named_services(synthesized, environment):
    found = 0
    for stack, logical_id, statements in keys(synthesized, environment):
        found += 1
        for statement in statements:
            principal = json.dumps(statement["Principal"])
            actions = set(_list(statement["Action"]))
            assert "kms:*" not in actions, (stack.stack_name, logical_id)
            if ":root" in principal and actions & USE:
                via = statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService")
                assert via, (stack.stack_name, logical_id, statement)
        administration = [s for s in statements if s.get("Sid") == "KeyAdministration"]
        assert len(administration) == 1 and not set(_list(administration[0]["Action"])) & USE
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
