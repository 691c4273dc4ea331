"""The VPC: private subnets in every configured zone, flow logs, nothing public but NAT; or an imported VPC."""

import pytest

from kafka_platform.constructs.encryption import LogsKey
from kafka_platform.constructs.network import ExistingVpcAttributes, PlatformNetwork
from tests.conftest import ENVIRONMENT_NAMES
from tests.support import ZONES, new_stack, resources


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_private_subnets_sit_in_each_configured_zone(synthesized, environments, environment):
    subnets = resources(synthesized.raw(environment, "Network"), "AWS::EC2::Subnet").values()
    private = [s["Properties"] for s in subnets if "Private" in s["Metadata"]["aws:cdk:path"]]
    assert sorted(s["AvailabilityZone"] for s in private) == environments[environment].availability_zones


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_no_subnet_gives_public_ips(synthesized, environment):
    for subnet in resources(synthesized.raw(environment, "Network"), "AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_every_flow_is_logged_to_an_encrypted_group_kept_as_configured(synthesized, environments, environment):
    template = synthesized.raw(environment, "Network")
    [flow_log] = resources(template, "AWS::EC2::FlowLog").values()
    assert flow_log["Properties"]["TrafficType"] == "ALL"
    group = template["Resources"][flow_log["Properties"]["LogGroupName"]["Ref"]]["Properties"]
    assert group["RetentionInDays"] == environments[environment].network.flow_logs_retention_days
    assert "KmsKeyId" in group


def test_the_flow_log_role_has_one_managed_policy_limited_to_its_log_group(synthesized):
    template = synthesized.raw("prod", "Network")
    [flow_log] = resources(template, "AWS::EC2::FlowLog").values()
    group_id = flow_log["Properties"]["LogGroupName"]["Ref"]
    policies = [p for p in resources(template, "AWS::IAM::ManagedPolicy").values()]
    assert len(policies) == 1
    [statement] = policies[0]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Fn::GetAtt": [group_id, "Arn"]}
    assert resources(template, "AWS::IAM::Policy") == {}


def test_nat_gateways_follow_the_configuration(synthesized):
    assert len(resources(synthesized.raw("prod", "Network"), "AWS::EC2::NatGateway")) == 3
    assert len(resources(synthesized.raw("dev", "Network"), "AWS::EC2::NatGateway")) == 1


def test_the_default_security_group_is_stripped(synthesized):
    assert len(resources(synthesized.raw("prod", "Network"), "Custom::VpcRestrictDefaultSG")) == 1


def test_an_existing_vpc_is_imported_from_its_ids_without_a_lookup():
    stack = new_stack()
    key = LogsKey(stack, "Key", description="logs").key
    network = PlatformNetwork(stack, "Network", availability_zones=ZONES, logs_key=key, existing_vpc=ExistingVpcAttributes(
        vpc_id="vpc-0abc12345", vpc_cidr="10.30.0.0/16",
        private_subnet_ids=["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"],
        private_subnet_route_table_ids=["rtb-0aaa1111", "rtb-0bbb2222", "rtb-0ccc3333"]))
    assert network.vpc.vpc_id == "vpc-0abc12345"
    selected = network.vpc.select_subnets(subnet_type=network.private_subnets.subnet_type)
    assert selected.subnet_ids == ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"]
    assert stack.node.metadata_entry if False else True
    from aws_cdk import CfnResource

    created = {c.cfn_resource_type for c in stack.node.find_all() if isinstance(c, CfnResource)}
    assert created == {"AWS::KMS::Key"}


def test_new_and_existing_vpc_together_are_refused():
    stack = new_stack()
    key = LogsKey(stack, "Key", description="logs").key
    with pytest.raises(ValueError, match="set exactly one of vpc_cidr"):
        PlatformNetwork(stack, "Network", availability_zones=ZONES, logs_key=key, vpc_cidr="10.0.0.0/16",
                        existing_vpc=ExistingVpcAttributes("vpc-0abc12345", "10.0.0.0/16", ["s"], ["r"]))
