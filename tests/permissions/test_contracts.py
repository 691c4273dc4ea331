"""The permission-contracts gate: every call AWS makes for the platform is allowed in the shipped environments, and
a violation planted for each kind of call fails it.

Each plant edits one policy (or adds one resource) of prod's synthesized templates, the way a regression in a
construct would, and the gate must name that contract. The first is the defect an independent review found in
86b47a0: a function joining a second security group that its role may not create interfaces in.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from aws_cdk import App, RemovalPolicy
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs

from kafka_platform.assembly import SynthesizedStack
from kafka_platform.constructs import references
from kafka_platform.constructs.encryption import platform_key
from kafka_platform.constructs.references import container_secret
from kafka_platform.domain.secrets_manager import SECRET_KEYS_METADATA_KEY
from kafka_platform.gates.packs import register_gates
from kafka_platform.gates.permission_contracts import PLUGIN_NAME
from kafka_platform.gates.report import report_failures
from kafka_platform.gates.rules import DeclaredTopology
from kafka_platform.permissions import CONTRACTS, contract_findings
from kafka_platform.permissions.contracts import DEPLOYER
from tests.conftest import cdk_context
from tests.support import new_stack

Template = dict[str, Any]


def test_the_shipped_environments_and_their_standbys_pass_every_contract(synthesized):
    stages = {s.stage for s in synthesized.assembly.stacks()}
    assert {"Dev", "Staging", "Prod", "StagingDr", "ProdDr"} <= stages
    assert [str(f) for f in contract_findings(synthesized.assembly.stacks())] == []


def test_a_teams_app_fails_synthesis_through_register_gates_on_a_refused_call(tmp_path):
    """A log group encrypted with a key whose policy does not admit the logs service (the platform's own key, made
    for Lambda alone): every pack passes it, CloudWatch Logs would refuse it."""
    app = App(outdir=str(tmp_path / "cdk.out"), context=cdk_context())
    stack = new_stack(app)
    key = platform_key(stack, "Key", description="functions only", removal_policy=RemovalPolicy.DESTROY,
                       used_through=("lambda",))
    logs.LogGroup(stack, "Logs", encryption_key=key, retention=logs.RetentionDays.ONE_YEAR,
                  removal_policy=RemovalPolicy.DESTROY)
    register_gates(app, DeclaredTopology(topic_partitions={}))
    with pytest.raises(RuntimeError):
        app.synth()
    failures = report_failures(tmp_path / "cdk.out")
    assert [f.split(": ")[0] for f in failures] == [PLUGIN_NAME] * 3
    assert all("logs-key: logs.eu-west-2.amazonaws.com may not kms:" in f and "(the key policy of Test/Key" in f
               for f in failures)


# ---- planting -------------------------------------------------------------------------------------------------
class Planted:
    """Copies of the synthesized templates, edited in place, then judged as the gate judges a synthesis."""

    def __init__(self, stacks: list[SynthesizedStack], folder: Path):
        self._stacks = stacks
        self._folder = folder
        self.templates: dict[str, Template] = {}

    def __getitem__(self, stack_name: str) -> Template:
        if stack_name not in self.templates:
            stack = next(s for s in self._stacks if s.stack_name == stack_name)
            self.templates[stack_name] = copy.deepcopy(stack.template)
        return self.templates[stack_name]

    def stacks(self) -> list[SynthesizedStack]:
        out = []
        for stack in self._stacks:
            if stack.stack_name in self.templates:
                path = self._folder / f"{stack.stack_name}.template.json"
                path.write_text(json.dumps(self.templates[stack.stack_name]))
                stack = dataclasses.replace(stack, template_path=path)
            out.append(stack)
        return out

    def findings(self, stage: str) -> set[str]:
        stacks = self.stacks()
        return {f.contract for f in contract_findings([s for s in stacks if s.stage == stage], universe=stacks)}


def resource(template: Template, path_suffix: str) -> dict[str, Any]:
    [found] = [r for r in template["Resources"].values()
               if r.get("Metadata", {}).get("aws:cdk:path", "").endswith(path_suffix)]
    return found


def logical_id(template: Template, path_suffix: str) -> str:
    [found] = [k for k, r in template["Resources"].items()
               if r.get("Metadata", {}).get("aws:cdk:path", "").endswith(path_suffix)]
    return found


def statements(template: Template, path_suffix: str) -> list[dict[str, Any]]:
    found = resource(template, path_suffix)["Properties"]
    for document in ("PolicyDocument", "KeyPolicy", "Policy", "AssumeRolePolicyDocument"):
        if document in found:
            return found[document]["Statement"]
    raise KeyError(f"{path_suffix} holds no policy")


def drop(template: Template, path_suffix: str, matches: Callable[[dict[str, Any]], bool]) -> None:
    """Remove the statements of a policy that ``matches`` selects (at least one)."""
    listed = statements(template, path_suffix)
    kept = [s for s in listed if not matches(s)]
    assert len(kept) < len(listed), f"nothing to drop in {path_suffix}"
    listed[:] = kept


def mentions(*texts: str) -> Callable[[dict[str, Any]], bool]:
    return lambda statement: all(text in json.dumps(statement) for text in texts)


def trust(template: Template, role_suffix: str, service: str) -> None:
    statements(template, role_suffix)[0]["Principal"] = {"Service": service}


def remove_type(template: Template, resource_type: str) -> None:
    ids = [k for k, r in template["Resources"].items() if r["Type"] == resource_type]
    assert ids
    for k in ids:
        del template["Resources"][k]


BOOTSTRAP = "/Cluster/BootstrapBrokersFunction"
RECONCILER = "/Connect/Connect/Reconciler"
CONSUMER = "/Consumers/loan-approvals"
REPLICATOR_POLICY = "/Replication/Replicator/ExecutionRole/Policy/Resource"
ROTATOR_SCOPE = "/Connect/Connect/RestAccess"
ROTATOR = f"{ROTATOR_SCOPE}/Rotator"


def join_a_second_group(t: Planted) -> None:
    kafka = t["Prod-Kafka"]
    function = resource(kafka, f"{BOOTSTRAP}/Function/Resource")
    brokers = logical_id(kafka, "/Kafka/Cluster/SecurityGroup/Resource")
    function["Properties"]["VpcConfig"]["SecurityGroupIds"].append({"Fn::GetAtt": [brokers, "GroupId"]})


PLANTS: dict[str, tuple[str, Callable[[Planted], None]]] = {
    "lambda-assume-role": ("Prod", lambda t: trust(t["Prod-Kafka"], f"{BOOTSTRAP}/Role/Resource",
                                                   "ecs-tasks.amazonaws.com")),
    "lambda-network-interface": ("Prod", join_a_second_group),
    "lambda-network-interface-management": ("Prod", lambda t: drop(
        t["Prod-Kafka"], f"{BOOTSTRAP}/Role/Policy/Resource", mentions("ec2:DeleteNetworkInterface"))),
    "lambda-network-interface-description": ("Prod", lambda t: drop(
        t["Prod-Kafka"], f"{BOOTSTRAP}/Role/Policy/Resource", mentions("ec2:DescribeNetworkInterfaces"))),
    "lambda-logs": ("Prod", lambda t: drop(t["Prod-Kafka"], f"{BOOTSTRAP}/Role/Policy/Resource",
                                           mentions("logs:PutLogEvents"))),
    "lambda-environment-key": ("Prod", lambda t: drop(t["Prod-Connect"], f"{RECONCILER}/Role/Policy/Resource",
                                                      mentions("kms:Decrypt", "lambda."))),
    "ecs-assume-execution-role": ("Prod", lambda t: trust(t["Prod-Connect"], "/Connect/Connect/ExecutionRole/Resource",
                                                          "lambda.amazonaws.com")),
    "ecs-image-authorization": ("Prod", lambda t: drop(t["Prod-Consumers"], f"{CONSUMER}/ExecutionRole/Policy/Resource",
                                                       mentions("ecr:GetAuthorizationToken"))),
    "ecs-image-pull": ("Prod", lambda t: drop(t["Prod-Consumers"], f"{CONSUMER}/ExecutionRole/Policy/Resource",
                                              mentions("ecr:BatchGetImage"))),
    "ecs-logs": ("Prod", lambda t: drop(t["Prod-Consumers"], f"{CONSUMER}/ExecutionRole/Policy/Resource",
                                        mentions("logs:PutLogEvents"))),
    "ecs-secret-read": ("Prod", lambda t: drop(t["Prod-Consumers"], f"{CONSUMER}/ExecutionRole/Policy/Resource",
                                               mentions("secretsmanager:GetSecretValue"))),
    "ecs-parameter-read": ("Prod", lambda t: resource(t["Prod-Consumers"], f"{CONSUMER}/TaskDefinition/Resource")[
        "Properties"]["ContainerDefinitions"][0]["Secrets"].append(
        {"Name": "PLANTED", "ValueFrom": "arn:aws:ssm:eu-west-2:333333333333:parameter/lending/planted"})),
    # A secret on a customer-managed key that the execution role cannot decrypt.
    "ecs-secret-key": ("Prod", lambda t: drop(t["Prod-Connect"], "/Connect/Connect/ExecutionRole/Policy/Resource",
                                              mentions("kms:Decrypt", "secretsmanager."))),
    "secret-value-creation": ("Prod", lambda t: drop(t["Prod-Connect"], "/Connect/LogsKey/Key/Resource",
                                                     mentions("secretsmanager."))),
    "secret-reader-key": ("Prod", lambda t: drop(t["Prod-Connect"], f"{RECONCILER}/Role/Policy/Resource",
                                                 mentions("kms:Decrypt", "secretsmanager."))),
    # A log group whose key does not admit the logs service.
    "logs-key": ("Prod", lambda t: drop(t["Prod-Kafka"], "/Kafka/LogsKey/Key/Resource", mentions("logs."))),
    "msk-broker-log-delivery": ("Prod", lambda t: remove_type(t["Prod-Kafka"], "AWS::Logs::ResourcePolicy")),
    "replicator-log-delivery": ("ProdDr", lambda t: remove_type(t["ProdDr-Replication"],
                                                                "AWS::Logs::ResourcePolicy")),
    "flow-log-assume-role": ("Prod", lambda t: trust(t["Prod-Network"], "/Network/Network/FlowLogRole/Resource",
                                                     "ec2.amazonaws.com")),
    "flow-log-delivery": ("Prod", lambda t: drop(t["Prod-Network"], "/Network/Network/FlowLogRole/Policy/Resource",
                                                 mentions("logs:PutLogEvents"))),
    "replicator-assume-role": ("ProdDr", lambda t: trust(t["ProdDr-Replication"],
                                                         "/Replication/Replicator/ExecutionRole/Resource",
                                                         "lambda.amazonaws.com")),
    "replicator-source-cluster": ("ProdDr", lambda t: drop(t["ProdDr-Replication"], REPLICATOR_POLICY,
                                                           mentions("kafka-cluster:Connect", "Primaryclusterarn"))),
    "replicator-source-topics": ("ProdDr", lambda t: drop(t["ProdDr-Replication"], REPLICATOR_POLICY,
                                                          mentions("ReadData", "/card-transactions"))),
    "replicator-source-groups": ("ProdDr", lambda t: drop(t["ProdDr-Replication"], REPLICATOR_POLICY,
                                                          mentions("group/bank-streaming-prod/"))),
    "replicator-target-cluster": ("ProdDr", lambda t: drop(t["ProdDr-Replication"], REPLICATOR_POLICY,
                                                           mentions("kafka-cluster:AlterCluster"))),
    "replicator-target-topics": ("ProdDr", lambda t: drop(t["ProdDr-Replication"], REPLICATOR_POLICY,
                                                          mentions("AlterTopicDynamicConfiguration"))),
    "replicator-target-groups": ("ProdDr", lambda t: drop(t["ProdDr-Replication"], REPLICATOR_POLICY,
                                                          mentions("kafka-cluster:AlterGroup"))),
    "replicator-source-cluster-policy": ("ProdDr", lambda t: drop(
        t["Prod-Kafka"], "/Kafka/Cluster/ClusterPolicy", mentions("kafka.amazonaws.com"))),
    "msk-encryption-key": ("Prod", lambda t: drop(t["Prod-Kafka"], "/Kafka/Cluster/Key/Resource",
                                                  lambda s: "kms:Create" in json.dumps(s))),
    "alarm-publish": ("Prod", lambda t: drop(t["Prod-Alerting"], "/AlarmTopic/Topic/Policy/Resource",
                                             mentions("cloudwatch.amazonaws.com"))),
    "alarm-topic-key": ("Prod", lambda t: drop(t["Prod-Alerting"], "/AlarmTopic/Key/Resource",
                                               mentions("cloudwatch.amazonaws.com"))),
    "schedule-invoke": ("Prod", lambda t: t["Prod-Connect"]["Resources"].pop(logical_id(
        t["Prod-Connect"], "/Connect/Connect/HealthSchedule/AllowEventRuleProdConnectHealthMonitorFunction31677776"))),
    "secret-rotation-invoke": ("Prod", lambda t: t["Prod-Connect"]["Resources"].pop(logical_id(
        t["Prod-Connect"], f"{ROTATOR_SCOPE}/InvokedBySecretsManager"))),
    "secret-rotation-steps": ("Prod", lambda t: drop(t["Prod-Connect"], f"{ROTATOR}/Role/Policy/Resource",
                                                     mentions("secretsmanager:UpdateSecretVersionStage"))),
    "secret-rotation-key": ("Prod", lambda t: drop(t["Prod-Connect"], f"{ROTATOR}/Role/Policy/Resource",
                                                   mentions("kms:GenerateDataKey"))),
    "scaling-role": ("Prod", lambda t: resource(t["Prod-Consumers"], f"{CONSUMER}/TaskCount/Resource")[
        "Properties"].update(RoleARN="arn:aws:iam::333333333333:role/planted-scaling-role")),
}


def test_every_contract_has_a_planted_violation():
    assert set(PLANTS) == {contract.kind for contract in CONTRACTS}


@pytest.mark.parametrize("kind", sorted(PLANTS))
def test_a_planted_violation_fails_its_contract(synthesized, tmp_path, kind):
    stage, plant = PLANTS[kind]
    planted = Planted(synthesized.assembly.stacks(), tmp_path)
    assert planted.findings(stage) == set()
    plant(planted)
    assert kind in planted.findings(stage)


def test_a_finding_names_the_principal_the_call_the_resource_the_policy_and_the_fix(synthesized, tmp_path):
    planted = Planted(synthesized.assembly.stacks(), tmp_path)
    join_a_second_group(planted)
    stacks = planted.stacks()
    [finding] = contract_findings([s for s in stacks if s.stage == "Prod"], universe=stacks)
    line = str(finding)
    assert line.startswith("Prod-Kafka/ClusterBootstrapBrokersFunctionF2D01D98 "
                           "(Prod/Kafka/Cluster/BootstrapBrokersFunction/Function/Resource): lambda-network-interface: ")
    assert ":role/Prod-Kafka-ClusterBootstrapBrokersFunctionRole" in finding.principal
    assert finding.action == "ec2:CreateNetworkInterface"
    assert finding.resource.startswith("arn:aws:ec2:eu-west-2:333333333333:security-group/sg-")
    assert finding.refused_by.startswith("no identity policy allows it (Prod-Kafka/ClusterBootstrapBrokersFunctionRolePolicy")
    assert "every security group of the function's VpcConfig" in finding.fix and line.endswith(finding.fix)


def test_the_deploying_principal_is_named_as_such(synthesized, tmp_path):
    planted = Planted(synthesized.assembly.stacks(), tmp_path)
    PLANTS["msk-encryption-key"][1](planted)
    stacks = planted.stacks()
    [finding] = [f for f in contract_findings([s for s in stacks if s.stage == "Prod"], universe=stacks)
                 if f.contract == "msk-encryption-key"]
    assert finding.principal == "the deploying principal" != DEPLOYER
    assert finding.refused_by.startswith("the resource policy admits neither the principal nor its account "
                                         "(the key policy of Prod-Kafka/")


def test_an_imported_secrets_key_is_declared_and_its_decryption_checked(tmp_path):
    """A secret created elsewhere (a database's credentials) on a customer-managed key: the task definition names
    the key in its metadata, the execution role is granted decryption with it, and without that grant the gate
    finds the task would fail to start."""
    app = App(outdir=str(tmp_path / "cdk.out"), context=cdk_context())
    stack = new_stack(app)
    task = ecs.FargateTaskDefinition(stack, "Task")
    secret_arn = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:lending/loans-db-AbCdEf"
    key_arn = "arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    task.add_container("App", image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/busybox:1.36"),
                       secrets={"DB_PASSWORD": container_secret(task, references.secret(stack, "Db", secret_arn, key_arn),
                                                                "password"),
                                "PLAIN": container_secret(task, references.secret(stack, "Plain", secret_arn.replace(
                                    "loans-db", "plain")))})
    stack_path = Path(app.synth().directory) / f"{stack.artifact_id}.template.json"
    template = json.loads(stack_path.read_text())
    [definition] = [r for r in template["Resources"].values() if r["Type"] == "AWS::ECS::TaskDefinition"]
    assert definition["Metadata"][SECRET_KEYS_METADATA_KEY] == {secret_arn: key_arn}
    synthesized_stack = SynthesizedStack("", "Test", "Test", stack_path, "123456789012", "eu-west-2")
    assert contract_findings([synthesized_stack]) == []
    for policy in template["Resources"].values():
        if policy["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            statements = policy["Properties"]["PolicyDocument"]["Statement"]
            statements[:] = [s for s in statements if "kms:Decrypt" not in json.dumps(s)]
    stack_path.write_text(json.dumps(template))
    [finding] = contract_findings([dataclasses.replace(synthesized_stack)])
    assert (finding.contract, finding.action, finding.resource) == ("ecs-secret-key", "kms:Decrypt", key_arn)
