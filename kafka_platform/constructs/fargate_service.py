"""How the platform runs every Fargate service (consumers and Kafka Connect workers) and scales its task count.

* ``private_fargate_service``: private subnets, no public IP, a rolling deployment that keeps full capacity (100 to
  200 %), the circuit breaker rolling a failed deployment back, tags propagated and ECS-managed.
* ``task_count_target``: the service's desired count as an Application Auto Scaling target, acting through the
  ECS service-linked role, as ``ecs.BaseService.auto_scale_task_count`` does; the target is created under the
  caller's own construct id, which is part of its logical id.
"""

from __future__ import annotations

from typing import Any, Sequence

from aws_cdk import Stack
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from constructs import Construct

_ECS_SCALING_ROLE = ("arn:{partition}:iam::{account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
                     "AWSServiceRoleForApplicationAutoScaling_ECSService")


def private_fargate_service(scope: Construct, construct_id: str, *, cluster: ecs.ICluster,
                            task_definition: ecs.FargateTaskDefinition,
                            security_groups: Sequence[ec2.ISecurityGroup], vpc_subnets: ec2.SubnetSelection,
                            **options: Any) -> ecs.FargateService:
    """A Fargate service as described above; ``options`` are further ``ecs.FargateService`` props."""
    return ecs.FargateService(
        scope, construct_id, cluster=cluster, task_definition=task_definition, security_groups=list(security_groups),
        assign_public_ip=False, vpc_subnets=vpc_subnets,
        circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
        min_healthy_percent=100, max_healthy_percent=200, propagate_tags=ecs.PropagatedTagSource.SERVICE,
        enable_ecs_managed_tags=True, **options)


def task_count_target(scope: Construct, construct_id: str, *, ecs_cluster: ecs.ICluster,
                      service: ecs.FargateService, min_capacity: int, max_capacity: int) -> appscaling.ScalableTarget:
    """The scalable target ``construct_id`` (and the imported role ``ScalingRole``) under ``scope``."""
    stack = Stack.of(scope)
    return appscaling.ScalableTarget(
        scope, construct_id, service_namespace=appscaling.ServiceNamespace.ECS,
        scalable_dimension="ecs:service:DesiredCount", min_capacity=min_capacity, max_capacity=max_capacity,
        resource_id=f"service/{ecs_cluster.cluster_name}/{service.service_name}",
        role=iam.Role.from_role_arn(scope, "ScalingRole", _ECS_SCALING_ROLE.format(
            partition=stack.partition, account=stack.account), mutable=False))
