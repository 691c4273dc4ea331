"""Intrinsics resolved to values of realistic length, the same value for the same resource in every stack."""

from __future__ import annotations

import json

import pytest

from kafka_platform.assembly import SynthesizedStack
from kafka_platform.quotas.resolve import Resolver, estimate


def make(tmp_path, name, template):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(template))
    return SynthesizedStack("Prod", name, name, path, "333333333333", "eu-west-2")


def test_pseudo_parameters_are_the_stacks_own(tmp_path):
    stack = make(tmp_path, "Prod-A", {"Resources": {}})
    value = {"Fn::Join": [":", [{"Ref": "AWS::Partition"}, {"Ref": "AWS::Region"}, {"Ref": "AWS::AccountId"},
                                {"Ref": "AWS::StackName"}]]}
    assert Resolver([stack]).resolve(stack, value) == "aws:eu-west-2:333333333333:Prod-A"


def test_a_reference_to_another_stack_resolves_to_the_same_value_as_in_its_own(tmp_path):
    kafka = make(tmp_path, "Prod-Kafka", {
        "Resources": {"Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}}},
        "Outputs": {"GroupId": {"Value": {"Fn::GetAtt": ["Group", "GroupId"]}, "Export": {"Name": "group-id"}}}})
    client = make(tmp_path, "Prod-Client", {"Resources": {}})
    resolver = Resolver([kafka, client])
    own = resolver.resolve(kafka, {"Ref": "Group"})
    assert own.startswith("sg-") and len(own) == 20
    weak = {"Fn::GetStackOutput": {"StackName": "Prod-Kafka", "OutputName": "GroupId", "Region": "eu-west-2"}}
    assert resolver.resolve(client, weak) == own
    assert resolver.resolve(client, {"Fn::ImportValue": "group-id"}) == own


def test_arns_take_their_service_shape(tmp_path):
    stack = make(tmp_path, "Prod-A", {"Resources": {
        "Cluster": {"Type": "AWS::MSK::Cluster", "Properties": {"ClusterName": "bank-streaming-prod"}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {}}}})
    resolver = Resolver([stack])
    cluster = resolver.resolve(stack, {"Fn::GetAtt": ["Cluster", "Arn"]})
    prefix = "arn:aws:kafka:eu-west-2:333333333333:cluster/bank-streaming-prod/"
    assert cluster.startswith(prefix) and len(cluster) == len(prefix) + 38
    role = resolver.resolve(stack, {"Fn::GetAtt": ["Role", "Arn"]})
    assert role.startswith("arn:aws:iam::333333333333:role/Prod-A-Role-") and len(role.split("/")[1]) <= 64
    assert resolver.resolve(stack, {"Fn::GetAtt": ["Logs", "Arn"]}).endswith(":*")


def test_sub_join_select_split_and_no_value(tmp_path):
    stack = make(tmp_path, "Prod-A", {"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {}}}})
    resolver = Resolver([stack])
    assert resolver.resolve(stack, {"Fn::Sub": ["${AWS::Region}-${!Literal}-${X}", {"X": "x"}]}) == \
        "eu-west-2-${Literal}-x"
    assert resolver.resolve(stack, {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert resolver.resolve(stack, {"A": {"Ref": "AWS::NoValue"}, "B": 1}) == {"B": 1}
    assert resolver.resolve(stack, {"Ref": "T"}).startswith("arn:aws:sns:eu-west-2:333333333333:")


def test_a_dangling_reference_is_an_error_for_the_gate(tmp_path):
    stack = make(tmp_path, "Prod-A", {"Resources": {}})
    with pytest.raises(ValueError, match="Ref to 'Missing'"):
        Resolver([stack]).resolve(stack, {"Ref": "Missing"})


def test_estimate_gives_generic_realistic_values_before_synthesis():
    value = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":kafka:eu-west-2:1:topic/c/",
                               {"Fn::GetAtt": ["Elsewhere", "ClusterUuid"]}, "/t"]]}
    resolved = estimate(value, stack_name="Prod-A", region="eu-west-2", account="333333333333")
    assert resolved.startswith("arn:aws:kafka:") and len(resolved) == len("arn:aws:kafka:eu-west-2:1:topic/c/") + 38 + 2
    assert len(estimate({"Fn::GetAtt": ["X", "Arn"]}, stack_name="S", region="eu-west-2", account="1" * 12)) == 128


def test_a_deploy_time_read_of_another_stages_parameter_resolves_to_what_that_stage_writes(tmp_path):
    """A standby reads its primary's cluster ARN from SSM in the primary's region at deployment (CDK's
    AwsCustomResource): the read resolves to the value of the parameter the primary's stack declares."""
    primary = make(tmp_path, "Prod-Kafka", {"Resources": {
        "Cluster": {"Type": "AWS::MSK::Cluster", "Properties": {"ClusterName": "bank"}},
        "Arn": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/kafka-platform/prod/msk/cluster-arn",
                                                              "Value": {"Fn::GetAtt": ["Cluster", "Arn"]}}}}})
    call = {"service": "SSM", "action": "getParameter", "region": "eu-west-2",
            "parameters": {"Name": "/kafka-platform/prod/msk/cluster-arn"}}
    path = tmp_path / "standby.json"
    path.write_text(json.dumps({"Resources": {"Read": {"Type": "Custom::AWS", "Properties": {
        "Create": json.dumps(call)}}}}))
    standby = SynthesizedStack("ProdDr", "ProdDr-Replication", "ProdDr-Replication", path, "333333333333", "eu-west-1")
    read = {"Fn::GetAtt": ["Read", "Parameter.Value"]}
    written = Resolver([primary]).resolve(primary, {"Fn::GetAtt": ["Cluster", "Arn"]})
    assert written.startswith("arn:aws:kafka:eu-west-2:333333333333:cluster/bank/")
    assert Resolver([standby], universe=[primary, standby]).resolve(standby, read) == written
    # Without the other stage, or in another account, the read is an opaque value of realistic length.
    assert Resolver([standby]).resolve(standby, read) != written
    other = SynthesizedStack("ProdDr", "ProdDr-Replication", "ProdDr-Replication", path, "444444444444", "eu-west-1")
    assert len(Resolver([other], universe=[primary, other]).resolve(other, read)) == 64


def test_the_bootstrap_functions_cluster_uuid_is_its_clusters(tmp_path):
    stack = make(tmp_path, "Prod-Kafka", {"Resources": {
        "Cluster": {"Type": "AWS::MSK::Cluster", "Properties": {"ClusterName": "bank"}},
        "Brokers": {"Type": "Custom::MskBootstrapBrokers",
                    "Properties": {"ClusterArn": {"Fn::GetAtt": ["Cluster", "Arn"]}}}}})
    resolver = Resolver([stack])
    arn = resolver.resolve(stack, {"Fn::GetAtt": ["Cluster", "Arn"]})
    assert resolver.resolve(stack, {"Fn::GetAtt": ["Brokers", "ClusterUuid"]}) == arn.split("/")[2]
