"""The deploy-readiness gate: each AWS quota with a planted violation, the prod Connect policy that shipped at ee190d0,
and the shipped environments (zero findings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kafka_platform.assembly import SynthesizedStack
from kafka_platform.quotas import quota_findings
from kafka_platform.quotas import checks

FIXTURES = Path(__file__).parent / "fixtures"
ACCOUNT, REGION = "333333333333", "eu-west-2"


def stack(tmp_path: Path, name: str, resources: dict[str, Any], **sections: Any) -> SynthesizedStack:
    path = tmp_path / f"{name}.template.json"
    path.write_text(json.dumps({"Resources": resources, **sections}))
    return SynthesizedStack(stage="Prod", name=name.replace("-", "/"), stack_name=name, template_path=path,
                            account=ACCOUNT, region=REGION)


def resource(kind: str, path: str = "Prod/X/Resource", **properties: Any) -> dict[str, Any]:
    return {"Type": kind, "Properties": properties, "Metadata": {"aws:cdk:path": path}}


def arn_join(tail: str) -> dict[str, Any]:
    """An MSK topic ARN as CDK writes it: partition and the cluster UUID are intrinsics."""
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":kafka:{REGION}:{ACCOUNT}:topic/c/",
                              {"Fn::GetAtt": ["Uuid", "ClusterUuid"]}, f"/{tail}"]]}


def policy(resources: list[Any], roles: list[Any] | None = None) -> dict[str, Any]:
    return resource("AWS::IAM::ManagedPolicy", PolicyDocument={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kafka-cluster:WriteData", "Resource": resources}]}, Roles=roles or [])


def names(findings) -> list[tuple[str, str]]:
    return [(f.resource, f.quota_name.split(" (")[0]) for f in findings]


# ---- the gate on what shipped --------------------------------------------------------------------------------
def test_the_gate_fails_on_the_prod_connect_policy_that_shipped_at_ee190d0(tmp_path):
    """The Connect task role policy of ee190d0 (62 ARNs, 16 connectors) resolves to 9,274 characters: IAM would have
    refused it with LimitExceeded. The fixture is that policy and the Kafka outputs it reads, as synthesized."""
    stacks = [SynthesizedStack("Prod", f"Prod/{part}", f"Prod-{part}", FIXTURES / f"ee190d0-Prod-{part}.template.json",
                               ACCOUNT, REGION) for part in ("Connect", "Kafka")]
    [finding] = quota_findings(stacks)
    assert (finding.stack, finding.resource) == ("Prod-Connect", "ConnectTaskRolePolicyCC880705")
    assert finding.path == "Prod/Connect/Connect/TaskRole/Policy/Resource"
    assert (finding.measured, finding.quota) == (9_274, 6_144)
    assert str(finding).startswith("Prod-Connect/ConnectTaskRolePolicyCC880705 (Prod/Connect/Connect/TaskRole/Policy/"
                                   "Resource): the customer-managed policy in characters")
    assert "over the quota of 6,144; grant by ARN prefix" in str(finding)


def test_the_shipped_environments_fit_every_quota(synthesized):
    assert [str(f) for f in quota_findings(synthesized.assembly.stacks())] == []


# ---- CloudFormation --------------------------------------------------------------------------------------------
def test_more_than_500_resources_in_a_stack(tmp_path):
    many = {f"Topic{i}": resource("AWS::SNS::Topic") for i in range(501)}
    assert names(quota_findings([stack(tmp_path, "Prod-Big", many)])) == [("", "the number of resources")]
    assert quota_findings([stack(tmp_path, "Prod-Fits", dict(list(many.items())[:500]))]) == []


def test_more_than_200_outputs_or_parameters(tmp_path):
    outputs = {f"O{i}": {"Value": "x"} for i in range(201)}
    parameters = {f"P{i}": {"Type": "String", "Default": "x"} for i in range(201)}
    found = quota_findings([stack(tmp_path, "Prod-Big", {}, Outputs=outputs, Parameters=parameters)])
    assert sorted(names(found)) == [("", "the number of outputs"), ("", "the number of parameters")]


def test_a_template_body_over_1_mb(tmp_path):
    big = resource("AWS::SNS::Topic", DisplayName="x" * 1_100_000)
    [finding] = quota_findings([stack(tmp_path, "Prod-Big", {"T": big})])
    assert finding.quota == 1_048_576 and finding.measured > 1_100_000


# ---- IAM -------------------------------------------------------------------------------------------------------
def test_a_managed_policy_is_measured_on_resolved_arns_without_whitespace(tmp_path):
    uuid = resource("Custom::MskBootstrapBrokers")
    # 50 topic ARNs are about 3,000 characters as written, about 4,800 resolved: under the quota.
    fits = {"Uuid": uuid, "P": policy([arn_join(f"topic-{i:03d}") for i in range(50)])}
    assert quota_findings([stack(tmp_path, "Prod-A", fits)]) == []
    over = {"Uuid": uuid, "P": policy([arn_join(f"topic-{i:03d}") for i in range(70)])}
    [finding] = quota_findings([stack(tmp_path, "Prod-B", over)])
    # arn:aws:kafka:eu-west-2:333333333333:topic/c/<36-character UUID>-2/topic-NNN: 93 characters, quoted, commas.
    envelope = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:WriteData","Resource":[]}]}'
    assert finding.resource == "P" and finding.measured == 70 * (93 + 2) + 69 + len(envelope)


def test_inline_policies_of_one_role_are_added_up(tmp_path):
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/" + "k" * 5_200}
    role = resource("AWS::IAM::Role", AssumeRolePolicyDocument={}, Policies=[
        {"PolicyName": "a", "PolicyDocument": {"Statement": [statement]}}])
    extra = resource("AWS::IAM::Policy", PolicyDocument={"Statement": [statement]}, Roles=[{"Ref": "R"}])
    found = quota_findings([stack(tmp_path, "Prod-Roles", {"R": role, "Extra": extra})])
    assert names(found) == [("R", "the role's inline policies together in characters")]
    assert found[0].measured > 10_240


def test_more_than_10_managed_policies_on_a_role_counting_other_stacks(tmp_path):
    role = resource("AWS::IAM::Role", AssumeRolePolicyDocument={}, ManagedPolicyArns=[
        f"arn:aws:iam::aws:policy/P{i}" for i in range(6)])
    here = stack(tmp_path, "Prod-Roles", {"R": role}, Outputs={"RoleName": {"Value": {"Ref": "R"}}})
    reference = {"Fn::GetStackOutput": {"StackName": "Prod-Roles", "OutputName": "RoleName", "Region": REGION}}
    there = stack(tmp_path, "Prod-Policies", {f"P{i}": policy(["arn:aws:s3:::b"], roles=[reference])
                                              for i in range(5)})
    found = quota_findings([here, there])
    assert names(found) == [("R", "the managed policies attached to the role")]
    assert (found[0].measured, found[0].quota) == (11, 10)


def test_a_trust_policy_over_2048_characters(tmp_path):
    trust = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                            "Principal": {"AWS": [f"arn:aws:iam::{i:012d}:root" for i in range(70)]}}]}
    found = quota_findings([stack(tmp_path, "Prod-Roles", {"R": resource("AWS::IAM::Role",
                                                                         AssumeRolePolicyDocument=trust)})])
    assert names(found) == [("R", "the role's trust policy in characters")]


# ---- EC2 -------------------------------------------------------------------------------------------------------
def test_security_group_rules_are_counted_across_the_stacks_of_an_environment(tmp_path):
    brokers = resource("AWS::EC2::SecurityGroup", GroupDescription="brokers", SecurityGroupIngress=[
        {"IpProtocol": "tcp", "FromPort": 9098, "ToPort": 9098, "CidrIp": f"10.0.{i}.0/24"} for i in range(30)])
    kafka = stack(tmp_path, "Prod-Kafka", {"Brokers": brokers},
                  Outputs={"BrokersId": {"Value": {"Fn::GetAtt": ["Brokers", "GroupId"]}}})
    group = {"Fn::GetStackOutput": {"StackName": "Prod-Kafka", "OutputName": "BrokersId", "Region": REGION}}
    rules = {f"Ingress{i}": resource("AWS::EC2::SecurityGroupIngress", GroupId=group, IpProtocol="tcp",
                                     FromPort=9098, ToPort=9098, SourceSecurityGroupId=f"sg-{i:017d}")
             for i in range(31)}
    consumers = stack(tmp_path, "Prod-Consumers", rules)
    found = quota_findings([kafka, consumers])
    assert names(found) == [("Brokers", "the number of inbound rules of the security group, counted across the "
                                        "environment's stacks")]
    assert (found[0].stack, found[0].measured, found[0].quota) == ("Prod-Kafka", 61, 60)
    assert quota_findings([kafka, stack(tmp_path, "Prod-Fewer", dict(list(rules.items())[:30]))]) == []


def test_outbound_rules_count_the_default_rule_of_a_group_without_inline_egress(tmp_path):
    group = resource("AWS::EC2::SecurityGroup", GroupDescription="open")
    rules = {f"Egress{i}": resource("AWS::EC2::SecurityGroupEgress", GroupId={"Ref": "G"}, IpProtocol="tcp",
                                    FromPort=i, ToPort=i, CidrIp="10.0.0.0/8") for i in range(60)}
    found = quota_findings([stack(tmp_path, "Prod-Net", {"G": group, **rules})])
    assert [(f.measured, f.quota) for f in found] == [(61, 60)]


def test_more_than_five_security_groups_on_one_interface(tmp_path):
    service = resource("AWS::ECS::Service", NetworkConfiguration={"AwsvpcConfiguration": {
        "SecurityGroups": [f"sg-{i:017d}" for i in range(6)]}})
    function = resource("AWS::Lambda::Function", VpcConfig={"SecurityGroupIds": ["sg-1"] * 5})
    found = quota_findings([stack(tmp_path, "Prod-Svc", {"S": service, "F": function})])
    assert names(found) == [("S", "the security groups of one network interface")]


# ---- ECS, Lambda, CloudWatch -----------------------------------------------------------------------------------
def test_container_definitions_over_64_kib(tmp_path):
    secrets = [{"Name": f"DBZ_CONNECTOR_{i:03d}_PASSWORD", "ValueFrom": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:"
               f"secret:cdc/connector-{i:03d}-AbCdEf:password::"} for i in range(600)]
    task = resource("AWS::ECS::TaskDefinition", ContainerDefinitions=[{"Name": "Worker", "Secrets": secrets}])
    found = quota_findings([stack(tmp_path, "Prod-Connect", {"T": task})])
    assert names(found) == [("T", "the container definitions in bytes")]
    half = resource("AWS::ECS::TaskDefinition", ContainerDefinitions=[{"Name": "Worker", "Secrets": secrets[:300]}])
    assert quota_findings([stack(tmp_path, "Prod-Half", {"T": half})]) == []


def test_lambda_environment_over_4_kb_counts_resolved_values(tmp_path):
    # Each bootstrap broker string of a 24-broker cluster resolves to about 1,900 characters.
    cluster = resource("AWS::MSK::Cluster", ClusterName="bank-streaming-prod", NumberOfBrokerNodes=24)
    brokers = {"Fn::GetAtt": ["Brokers", "BootstrapBrokerStringSaslIam"]}
    function = resource("AWS::Lambda::Function", Environment={"Variables": {"A": brokers, "B": brokers,
                                                                             "C": brokers}})
    found = quota_findings([stack(tmp_path, "Prod-Fn", {"C": cluster, "Brokers": resource("Custom::Brokers"),
                                                        "F": function})])
    assert names(found) == [("F", "the function's environment variables in bytes")]


def test_more_than_ten_metrics_in_one_alarm(tmp_path):
    metrics = [{"Id": f"m{i}", "MetricStat": {"Metric": {"MetricName": "SumOffsetLag"}, "Period": 60,
                                              "Stat": "Maximum"}} for i in range(11)]
    alarm = resource("AWS::CloudWatch::Alarm", Metrics=[*metrics, {"Id": "e", "Expression": "SUM(METRICS())"}])
    found = quota_findings([stack(tmp_path, "Prod-Alarms", {"A": alarm})])
    assert [(f.resource, f.measured) for f in found] == [("A", 11)]


def test_more_than_20_step_adjustments_in_a_policy_or_200_scheduled_actions_on_a_target(tmp_path):
    steps = [{"MetricIntervalLowerBound": i, "MetricIntervalUpperBound": i + 1, "ScalingAdjustment": i}
             for i in range(21)]
    policy = resource("AWS::ApplicationAutoScaling::ScalingPolicy", PolicyType="StepScaling",
                      StepScalingPolicyConfiguration={"AdjustmentType": "ExactCapacity", "StepAdjustments": steps})
    fits = resource("AWS::ApplicationAutoScaling::ScalingPolicy", PolicyType="StepScaling",
                    StepScalingPolicyConfiguration={"AdjustmentType": "ExactCapacity", "StepAdjustments": steps[:20]})
    actions = [{"ScheduledActionName": f"a{i}", "Schedule": "cron(0 9 L * ? *)",
                "ScalableTargetAction": {"MinCapacity": 2}} for i in range(201)]
    target = resource("AWS::ApplicationAutoScaling::ScalableTarget", MinCapacity=1, MaxCapacity=24,
                      ScheduledActions=actions)
    tracking = resource("AWS::ApplicationAutoScaling::ScalingPolicy", PolicyType="TargetTrackingScaling")
    found = quota_findings([stack(tmp_path, "Prod-Consumers", {"P": policy, "F": fits, "T": target, "K": tracking})])
    assert [(f.resource, f.measured, f.quota) for f in found] == [("P", 21, 20), ("T", 201, 200)]


def test_more_than_500_widgets_on_a_dashboard(tmp_path):
    body = json.dumps({"widgets": [{"type": "text", "properties": {"markdown": "x"}}] * 501})
    dashboard = resource("AWS::CloudWatch::Dashboard", DashboardBody={"Fn::Join": ["", [body]]})
    found = quota_findings([stack(tmp_path, "Prod-Dash", {"D": dashboard})])
    assert [(f.resource, f.measured, f.quota) for f in found] == [("D", 501, 500)]


def test_every_quota_has_a_check_here():
    """Each check and each resource quota of the gate is exercised by one of the planted violations above."""
    assert [c.__name__ for c in checks.CHECKS] == ["stack_size", "role_policies", "security_group_rules",
                                                   "resource_quotas"]
    assert [c.__name__ for c in checks.ACCOUNT_CHECKS] == ["log_resource_policies"]
    assert [(q.resource_type, q.quota) for q in checks.RESOURCE_QUOTAS] == [
        ("AWS::IAM::ManagedPolicy", 6_144), ("AWS::ECS::Service", 5), ("AWS::Lambda::Function", 5),
        ("AWS::MSK::Cluster", 5), ("AWS::ECS::TaskDefinition", 65_536), ("AWS::Lambda::Function", 4_096),
        ("AWS::CloudWatch::Alarm", 10), ("AWS::ApplicationAutoScaling::ScalingPolicy", 20),
        ("AWS::ApplicationAutoScaling::ScalableTarget", 200), ("AWS::CloudWatch::Dashboard", 500),
        ("AWS::CloudWatch::Dashboard", 1_048_576), ("AWS::Logs::ResourcePolicy", 5_120)]


def test_a_dashboard_body_over_1_mb(tmp_path):
    body = json.dumps({"widgets": [{"type": "text", "properties": {"markdown": "x" * 1_100_000}}]})
    dashboard = resource("AWS::CloudWatch::Dashboard", DashboardBody=body)
    found = quota_findings([stack(tmp_path, "Prod-Dash", {"D": dashboard})])
    assert [(f.quota_name, f.quota) for f in found if f.quota_name.startswith("the dashboard body")] == [
        ("the dashboard body in bytes", 1_048_576)]


def test_an_msk_cluster_with_six_security_groups(tmp_path):
    cluster = resource("AWS::MSK::Cluster", BrokerNodeGroupInfo={"SecurityGroups": [f"sg-{i}" for i in range(6)]})
    [finding] = quota_findings([stack(tmp_path, "Prod-Kafka", {"C": cluster})])
    assert (finding.resource, finding.measured) == ("C", 6)


@pytest.mark.parametrize("text", ["Prod-Connect/P (Prod/X/Resource): the customer-managed policy"])
def test_a_finding_names_stack_resource_path_value_quota_and_fix(text):
    finding = checks.QuotaFinding("Prod-Connect", "P", "Prod/X/Resource", "the customer-managed policy", 7000, 6144,
                                  "grant by prefix")
    assert str(finding) == (f"{text} is 7,000, over the quota of 6,144; grant by prefix")


# ---- CloudWatch Logs resource policies: per account and region, whichever stage declares them ----------------
def log_policy(text_chars: int = 200) -> dict[str, Any]:
    return resource("AWS::Logs::ResourcePolicy", PolicyName="p", PolicyDocument=json.dumps(
        {"Statement": [{"Effect": "Allow", "Sid": "x" * text_chars}]}))


def staged(tmp_path: Path, stage: str, name: str, resources: dict[str, Any], account: str = ACCOUNT,
           region: str = REGION) -> SynthesizedStack:
    path = tmp_path / f"{name}.template.json"
    path.write_text(json.dumps({"Resources": resources}))
    return SynthesizedStack(stage=stage, name=name.replace("-", "/"), stack_name=name, template_path=path,
                            account=account, region=region)


def test_log_resource_policies_count_across_the_stages_of_an_account_and_region(tmp_path):
    six = {f"P{i}": log_policy() for i in range(6)}
    five = {f"P{i}": log_policy() for i in range(5)}
    prod = staged(tmp_path, "Prod", "Prod-Kafka", six)
    assert quota_findings([prod, staged(tmp_path, "ProdDr", "ProdDr-Kafka", five, region="eu-west-1")]) == []
    assert quota_findings([prod, staged(tmp_path, "Dev", "Dev-Kafka", five, account="111111111111")]) == []
    [finding] = quota_findings([prod, staged(tmp_path, "Other", "Other-Kafka", five)])
    assert (finding.measured, finding.quota) == (11, checks.LOG_RESOURCE_POLICIES_PER_REGION)
    assert finding.quota_name == "the CloudWatch Logs resource policies of the account in the region"
    assert quota_findings([prod, staged(tmp_path, "Other", "Other-Kafka", dict(list(five.items())[:4]))]) == []


def test_a_log_resource_policy_over_its_size_is_refused(tmp_path):
    assert quota_findings([stack(tmp_path, "Prod-Kafka", {"P": log_policy(5_000)})]) == []
    [finding] = quota_findings([stack(tmp_path, "Prod-Kafka", {"P": log_policy(5_100)})])
    assert finding.quota == checks.LOG_RESOURCE_POLICY_CHARS and finding.measured > 5_120
