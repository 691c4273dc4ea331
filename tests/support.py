"""Helpers for tests that build their own small stacks (construct props, planted violations)."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from tests.conftest import cdk_context

ACCOUNT = "123456789012"
REGION = "eu-west-2"
ZONES = ["eu-west-2a", "eu-west-2b", "eu-west-2c"]


class ZonedStack(Stack):
    """A stack with fixed zones, so that nothing is looked up."""

    @property
    def availability_zones(self) -> list[str]:
        return ZONES


def new_stack(app: App | None = None, name: str = "Test") -> ZonedStack:
    app = app or App(context=cdk_context())
    return ZonedStack(app, name, env=Environment(account=ACCOUNT, region=REGION))


def new_vpc(stack: Stack) -> ec2.Vpc:
    return ec2.Vpc(stack, "Vpc", availability_zones=ZONES, nat_gateways=1, subnet_configuration=[
        ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
        ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20)])


def template(stack: Stack) -> Template:
    return Template.from_stack(stack)


def resources(template_json: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template_json["Resources"].items() if v["Type"] == resource_type}


def only(template_json: dict[str, Any], resource_type: str) -> dict[str, Any]:
    found = list(resources(template_json, resource_type).values())
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    return found[0]
