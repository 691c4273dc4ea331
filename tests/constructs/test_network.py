"""The VPC: private subnets in every configured zone, flow logs, nothing public but NAT; or an imported VPC."""

import json

import pytest
from aws_cdk.assertions import Template

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
    role = next(r for r, v in resources(template, "AWS::IAM::Role").items() if "/FlowLogRole/" in
                v["Metadata"]["aws:cdk:path"])
    policies = [p for p in resources(template, "AWS::IAM::ManagedPolicy").values()
                if {"Ref": role} in p["Properties"]["Roles"]]
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
        private_subnet_route_table_ids=["rtb-0aaa1111", "rtb-0bbb2222", "rtb-0ccc3333"],
        endpoints_security_group_id="sg-0e0e0e0e0"))
    assert network.vpc.vpc_id == "vpc-0abc12345"
    selected = network.vpc.select_subnets(subnet_type=network.private_subnets.subnet_type)
    assert selected.subnet_ids == ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"]
    from aws_cdk import CfnResource

    created = {c.cfn_resource_type for c in stack.node.find_all() if isinstance(c, CfnResource)}
    # No VPC, subnet or endpoint of its own: only the clients group, admitted to the owner's endpoints, and the
    # deploy-time read of S3's prefix list.
    assert created == {"AWS::KMS::Key", "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress",
                       "AWS::EC2::SecurityGroupEgress", "Custom::AWS",
                       "AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::Logs::LogGroup", "AWS::Lambda::Function"}
    template = Template.from_stack(stack).to_json()
    [ingress] = resources(template, "AWS::EC2::SecurityGroupIngress").values()
    assert ingress["Properties"]["GroupId"] == "sg-0e0e0e0e0" and ingress["Properties"]["FromPort"] == 443


def test_new_and_existing_vpc_together_are_refused():
    stack = new_stack()
    key = LogsKey(stack, "Key", description="logs").key
    with pytest.raises(ValueError, match="set exactly one of vpc_cidr"):
        PlatformNetwork(stack, "Network", availability_zones=ZONES, logs_key=key, vpc_cidr="10.0.0.0/16",
                        existing_vpc=ExistingVpcAttributes("vpc-0abc12345", "10.0.0.0/16", ["s"], ["r"]))


SERVICES = {"ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts", "monitoring", "ssm", "kafka", "cloudformation"}


def _service(endpoint):
    name = json.dumps(endpoint["Properties"]["ServiceName"])
    return next(s for s in sorted(SERVICES | {"s3"}, key=len, reverse=True) if f".{s}" in name or f"{s}\"" in name)


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_aws_apis_are_reached_through_endpoints_that_admit_only_the_platforms_workloads(synthesized, environment):
    """Security review H2: interface endpoints for every API a task or function calls, S3's gateway endpoint, and
    one clients group whose only egress is HTTPS to them."""
    template = synthesized.raw(environment, "Network")
    endpoints = resources(template, "AWS::EC2::VPCEndpoint").values()
    interface = [e for e in endpoints if e["Properties"].get("VpcEndpointType") == "Interface"]
    gateway = [e for e in endpoints if e["Properties"].get("VpcEndpointType") == "Gateway"]
    assert {_service(e) for e in interface} == SERVICES
    assert all(e["Properties"]["PrivateDnsEnabled"] is True for e in interface)
    assert [_service(e) for e in gateway] == ["s3"]
    assert len(gateway[0]["Properties"]["RouteTableIds"]) == len(synthesized.stages[environment].config.availability_zones)
    groups = resources(template, "AWS::EC2::SecurityGroup")
    clients = next(k for k, v in groups.items() if v["Metadata"]["aws:cdk:path"].endswith("/AwsApi/Clients/Resource"))
    endpoint_group = next(k for k, v in groups.items() if v["Metadata"]["aws:cdk:path"].endswith("/AwsApi/Endpoints/Resource"))
    assert {json.dumps(e["Properties"]["SecurityGroupIds"]) for e in interface} == {
        json.dumps([{"Fn::GetAtt": [endpoint_group, "GroupId"]}])}
    # The endpoints admit the clients group on 443 and nothing else.
    ingress = [r["Properties"] for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()
               if r["Properties"]["GroupId"] == {"Fn::GetAtt": [endpoint_group, "GroupId"]}]
    ingress += groups[endpoint_group]["Properties"].get("SecurityGroupIngress", [])
    assert [(i["FromPort"], i["SourceSecurityGroupId"]) for i in ingress] == [
        (443, {"Fn::GetAtt": [clients, "GroupId"]})]
    # The clients' only egress: HTTPS to the endpoints and to S3's prefix list (read at deploy time).
    egress = [e for e in groups[clients]["Properties"]["SecurityGroupEgress"]]
    egress += [r["Properties"] for r in resources(template, "AWS::EC2::SecurityGroupEgress").values()
               if r["Properties"]["GroupId"] == {"Fn::GetAtt": [clients, "GroupId"]}]
    assert sorted((e["FromPort"], e["ToPort"], next(k for k in e if k.startswith(("Destination", "Cidr"))))
                  for e in egress) == [(443, 443, "DestinationPrefixListId"), (443, 443, "DestinationSecurityGroupId")]
    prefix_list = next(e for e in egress if "DestinationPrefixListId" in e)["DestinationPrefixListId"]
    lookup = template["Resources"][prefix_list["Fn::GetAtt"][0]]
    assert lookup["Type"] == "Custom::AWS" and "com.amazonaws.eu-west-2.s3" in json.dumps(lookup["Properties"])


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_no_workload_may_reach_the_internet(synthesized, environment):
    """No security group of any stack allows egress to 0.0.0.0/0, and every task and function carries the AWS API
    clients group (that is how it reaches AWS at all)."""
    for stack in synthesized.assembly.stacks(synthesized.stages[environment].stage_name):
        template = stack.template
        for group in resources(template, "AWS::EC2::SecurityGroup").values():
            assert all(e.get("CidrIp") != "0.0.0.0/0" for e in group["Properties"].get("SecurityGroupEgress", []))
        for rule in resources(template, "AWS::EC2::SecurityGroupEgress").values():
            assert rule["Properties"].get("CidrIp") != "0.0.0.0/0"
        interfaces = [f["Properties"]["VpcConfig"]["SecurityGroupIds"]
                      for f in resources(template, "AWS::Lambda::Function").values() if "VpcConfig" in f["Properties"]]
        interfaces += [s["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"]
                       for s in resources(template, "AWS::ECS::Service").values()]
        for groups in interfaces:
            assert "AwsApiClients" in json.dumps(groups), (stack.stack_name, groups)


def test_an_environment_that_needs_the_internet_says_why(tmp_path):
    from kafka_platform.config import load_environment
    from tests.conftest import ENVIRONMENTS_DIR
    import yaml

    data = yaml.safe_load((ENVIRONMENTS_DIR / "dev.yaml").read_text())
    data["network"]["internet_egress_reason"] = "Consumers call the credit bureau's public HTTPS API"
    (tmp_path / "dev.yaml").write_text(yaml.safe_dump(data))
    config = load_environment(tmp_path / "dev.yaml")
    assert config.network.internet_egress_reason.startswith("Consumers call")
    stack = new_stack()
    key = LogsKey(stack, "Key", description="logs").key
    network = PlatformNetwork(stack, "Network", availability_zones=ZONES, logs_key=key, vpc_cidr="10.0.0.0/16",
                              internet_egress=True)
    template = Template.from_stack(stack).to_json()
    clients = template["Resources"][stack.get_logical_id(network.aws_api.clients.node.default_child)]
    assert {"CidrIp": "0.0.0.0/0", "Description": "Internet over HTTPS (network.internet_egress_reason)",
            "FromPort": 443, "IpProtocol": "tcp", "ToPort": 443} in clients["Properties"]["SecurityGroupEgress"]
