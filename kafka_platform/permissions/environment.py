"""One environment's templates as AWS will hold them: resolved values, and who holds which policy.

An environment is the stacks of one stage in one account and region. Everything is resolved with the quota gate's
``Resolver`` (realistic names, ARNs and ids, the same string for a resource wherever it is referenced, deploy-time
reads of another stage's SSM parameters included), so a policy written in one stack meets the resource of another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator, Mapping, Sequence

from kafka_platform.assembly import SynthesizedStack
from kafka_platform.domain.secrets_manager import SECRET_KEYS_METADATA_KEY
from kafka_platform.permissions.evaluate import Document, NamedPolicy
from kafka_platform.quotas.resolve import Resolver

#: AWS managed policies a synthesized role may attach (CDK's own custom-resource providers do, and aws-cdk-lib's
#: Lambda functions in a VPC), with their documents as AWS publishes them:
#: https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html,
#: https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html
AWS_MANAGED_POLICIES: Mapping[str, Document] = {
    "service-role/AWSLambdaBasicExecutionRole": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*"}]},
    "service-role/AWSLambdaVPCAccessExecutionRole": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": [
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"], "Resource": "*"}]},
}


@dataclass(frozen=True)
class Resource:
    """A resource of the environment, its properties resolved."""

    stack: SynthesizedStack
    logical_id: str
    type: str
    properties: Mapping[str, Any]
    metadata: Mapping[str, Any]

    @property
    def path(self) -> str:
        return str(self.metadata.get("aws:cdk:path", ""))

    @property
    def where(self) -> str:
        return f"{self.stack.stack_name}/{self.logical_id}" + (f" ({self.path})" if self.path else "")


@dataclass
class Role:
    arn: str
    resource: Resource
    trust: Document
    policies: list[NamedPolicy] = field(default_factory=list)
    #: AWS managed policy ARNs whose documents are not known here (a finding names them).
    unknown_managed: list[str] = field(default_factory=list)


class Environment:
    """The resolved resources of one environment, indexed by what the contracts look up."""

    def __init__(self, stacks: Sequence[SynthesizedStack], universe: Sequence[SynthesizedStack]):
        self.stacks: list[SynthesizedStack] = list(stacks)
        self.universe: list[SynthesizedStack] = list(universe) or self.stacks
        self.account: str = self.stacks[0].account
        self.region: str = self.stacks[0].region
        self.partition: str = "aws"
        self.resolver: Resolver = Resolver(self.stacks, universe=self.universe)
        self.resources: list[Resource] = []
        self._by_ref: dict[str, Resource] = {}
        self._by_arn: dict[str, Resource] = {}
        for stack in self.stacks:
            for logical_id, raw in stack.template.get("Resources", {}).items():
                resource = Resource(stack, logical_id, raw["Type"],
                                    self.resolver.resolve(stack, raw.get("Properties", {})) or {},
                                    self.resolver.resolve(stack, raw.get("Metadata", {})) or {})
                self.resources.append(resource)
                self._by_ref[str(self.resolver.resolve(stack, {"Ref": logical_id}))] = resource
                arn = self.resolver.resolve(stack, {"Fn::GetAtt": [logical_id, "Arn"]})
                self._by_arn.setdefault(str(arn), resource)

    # ---- lookups ----------------------------------------------------------------------------------------------
    def of_type(self, *types: str) -> Iterator[Resource]:
        return (resource for resource in self.resources if resource.type in types)

    def by_ref(self, value: Any) -> Resource | None:
        """The resource whose ``Ref`` resolves to ``value`` (a name, an id or, for some types, an ARN)."""
        return self._by_ref.get(str(value))

    def by_arn(self, arn: Any) -> Resource | None:
        return self._by_arn.get(str(arn)) or self._by_ref.get(str(arn))

    def arn(self, service: str, resource: str, *, region: str | None = None) -> str:
        """``arn:aws:<service>:<region>:<account>:<resource>`` in this environment."""
        return f"arn:{self.partition}:{service}:{self.region if region is None else region}:{self.account}:{resource}"

    @cached_property
    def roles(self) -> dict[str, Role]:
        """Every role by ARN, with every identity policy attached to it from any stack of the environment."""
        roles: dict[str, Role] = {}
        by_name: dict[str, Role] = {}
        for resource in self.of_type("AWS::IAM::Role"):
            arn = str(self.resolver.resolve(resource.stack, {"Fn::GetAtt": [resource.logical_id, "Arn"]}))
            role = Role(arn, resource, resource.properties.get("AssumeRolePolicyDocument", {}))
            for inline in resource.properties.get("Policies", []):
                role.policies.append(NamedPolicy(f"{resource.where} inline {inline.get('PolicyName')}",
                                                 inline["PolicyDocument"]))
            for managed in resource.properties.get("ManagedPolicyArns", []):
                self._attach_managed(role, str(managed))
            roles[arn] = role
            by_name[arn.rsplit("/", 1)[-1]] = role
        for resource in self.of_type("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for name in resource.properties.get("Roles", []):
                role = by_name.get(str(name))
                if role is not None:
                    role.policies.append(NamedPolicy(resource.where, resource.properties["PolicyDocument"]))
        return roles

    def _attach_managed(self, role: Role, arn: str) -> None:
        local = self.by_arn(arn)
        if local is not None and local.type == "AWS::IAM::ManagedPolicy":
            return  # attached through its own Roles property, read with the other policies
        aws_managed = arn.split(":policy/", 1)[-1] if ":iam::aws:policy/" in arn else None
        if aws_managed in AWS_MANAGED_POLICIES:
            role.policies.append(NamedPolicy(f"AWS managed policy {aws_managed}", AWS_MANAGED_POLICIES[aws_managed]))
        else:
            role.unknown_managed.append(arn)

    @cached_property
    def subnet_vpcs(self) -> dict[str, str]:
        """Subnet id to VPC id, for the subnets and security groups the templates create (a security group's VPC
        stands for the subnets of an imported VPC, which no template declares)."""
        vpcs = {str(self.resolver.resolve(r.stack, {"Ref": r.logical_id})): str(r.properties.get("VpcId"))
                for r in self.of_type("AWS::EC2::Subnet", "AWS::EC2::SecurityGroup") if r.properties.get("VpcId")}
        return vpcs

    def vpc_of(self, subnet_ids: Sequence[str], security_group_ids: Sequence[str]) -> str | None:
        for identifier in [*subnet_ids, *security_group_ids]:
            if str(identifier) in self.subnet_vpcs:
                return self.subnet_vpcs[str(identifier)]
        return None

    # ---- policies on resources --------------------------------------------------------------------------------
    def key_policy(self, key_arn: str) -> Document | None:
        key = self.by_arn(key_arn)
        return None if key is None or key.type != "AWS::KMS::Key" else key.properties.get("KeyPolicy")

    def secret_key(self, secret_arn: str) -> str | None:
        """The customer-managed key of a secret: declared by the secret in the templates, or named for an imported
        one by a task definition's metadata. ``None``: the AWS-managed key ``aws/secretsmanager``."""
        secret = self.by_arn(secret_arn)
        if secret is not None and secret.type == "AWS::SecretsManager::Secret":
            key = secret.properties.get("KmsKeyId")
            return None if key is None else str(key)
        for task in self.of_type("AWS::ECS::TaskDefinition"):
            declared = task.metadata.get(SECRET_KEYS_METADATA_KEY, {})
            if secret_arn in declared:
                return str(declared[secret_arn])
        return None

    def secret_policy(self, secret_arn: str) -> Document | None:
        for resource in self.of_type("AWS::SecretsManager::ResourcePolicy"):
            if str(resource.properties.get("SecretId")) == secret_arn:
                return resource.properties.get("ResourcePolicy")
        return None

    def topic_policy(self, topic_arn: str) -> Document:
        """The topic's access policy: an ``AWS::SNS::TopicPolicy`` replaces the default one, which lets the account's
        principals (and the services acting for its resources, ``AWS:SourceOwner``) publish.
        https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html"""
        for resource in self.of_type("AWS::SNS::TopicPolicy"):
            if topic_arn in [str(t) for t in resource.properties.get("Topics", [])]:
                return resource.properties["PolicyDocument"]
        return {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Resource": topic_arn,
            "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                       "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic",
                       "SNS:Publish"],
            "Condition": {"StringEquals": {"AWS:SourceOwner": self.account}}}]}

    def function_policy(self, function_arn: str) -> Document | None:
        """A function's resource policy, as Lambda builds it from its permissions (``AddPermission``: one statement
        each, the source ARN and account as conditions).
        https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html"""
        statements = []
        for resource in self.of_type("AWS::Lambda::Permission"):
            properties = resource.properties
            name = str(properties.get("FunctionName"))
            target = self.by_arn(name) or self.by_ref(name)
            if target is None or self._function_arn(target) != function_arn:
                continue
            principal = str(properties.get("Principal"))
            conditions: dict[str, dict[str, str]] = {}
            if "SourceArn" in properties:
                conditions["ArnLike"] = {"AWS:SourceArn": str(properties["SourceArn"])}
            if "SourceAccount" in properties:
                conditions["StringEquals"] = {"AWS:SourceAccount": str(properties["SourceAccount"])}
            statements.append({
                "Effect": "Allow", "Action": str(properties.get("Action")), "Resource": function_arn,
                "Principal": {"Service": principal} if principal.endswith(".amazonaws.com") else {"AWS": principal},
                **({"Condition": conditions} if conditions else {})})
        return {"Version": "2012-10-17", "Statement": statements} if statements else None

    def _function_arn(self, function: Resource) -> str:
        return str(self.resolver.resolve(function.stack, {"Fn::GetAtt": [function.logical_id, "Arn"]}))

    def log_group_policies(self) -> list[Document]:
        """CloudWatch Logs resource policies (account-wide in a region)."""
        return [document if isinstance(document := r.properties.get("PolicyDocument"), dict)
                else json.loads(str(document)) for r in self.of_type("AWS::Logs::ResourcePolicy")]

    def cluster_policy(self, cluster_arn: str) -> tuple[Mapping[str, Any], str] | None:
        """The ``AWS::MSK::ClusterPolicy`` of a cluster, in whichever stage of the assembly declares it (a standby's
        replicator reads its primary's), and where it is."""
        for stack in self.universe:
            for logical_id, raw in stack.template.get("Resources", {}).items():
                if raw.get("Type") != "AWS::MSK::ClusterPolicy":
                    continue
                properties = self.resolver.resolve(stack, raw.get("Properties", {}))
                if str(properties.get("ClusterArn")) == cluster_arn:
                    return properties.get("Policy", {}), f"the cluster policy {stack.stack_name}/{logical_id}"
        return None
