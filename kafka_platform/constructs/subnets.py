"""Subnet selections as keyword arguments, for ``IVpc.select_subnets``."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_ec2 as ec2

_SELECTION_FIELDS = ("availability_zones", "one_per_az", "subnet_filters", "subnet_group_name", "subnets",
                     "subnet_type")


def selection_arguments(vpc_subnets: ec2.SubnetSelection | None) -> dict[str, Any]:
    """``vpc_subnets`` as the keyword arguments of ``IVpc.select_subnets``; private subnets with egress when None."""
    if vpc_subnets is None:
        return {"subnet_type": ec2.SubnetType.PRIVATE_WITH_EGRESS}
    return {name: getattr(vpc_subnets, name) for name in _SELECTION_FIELDS if getattr(vpc_subnets, name) is not None}
