"""The calls AWS services make on the platform's behalf, with its roles, keys and resource policies, as data.

Each ``Contract`` is one row: which resource type makes AWS act, who acts (an execution role, a service principal,
or the deploying principal), the actions, the documentation that says so, and the fix when a policy falls short.
Its ``targets`` function reads, from the resolved template, each resource the call names and each condition key the
service sends with it (only the keys the documentation says it sends: a key the service does not send cannot be
relied on). ``kafka_platform.permissions`` evaluates every call with PMapper against every identity policy attached
to the role (from any stack), the resource's own policy (key, topic, secret, function, trust and log policies), and
reports each one AWS would refuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

from kafka_platform.permissions.environment import Environment, Resource

#: The principal CloudFormation deploys with: CDK's bootstrap execution role, whose default execution policy is
#: AdministratorAccess (``cdk bootstrap --cloudformation-execution-policies``, https://docs.aws.amazon.com/cdk/v2/
#: guide/bootstrapping-env.html). Its identity policy is assumed, not read; the key policies it meets are checked.
DEPLOYER = "deployer"
Context = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class Target:
    """One call: the principal (a role ARN, a service principal, or ``DEPLOYER``), the resource's ARN, the request's
    condition keys, and the policy on the resource that the service reads besides the principal's own."""

    principal: str
    resource: str
    context: Context = field(default_factory=dict)
    resource_policy: Mapping[str, Any] | None = None
    #: Where the resource policy lives, for the finding ("the key policy of Prod-Connect/LogsKey").
    resource_policy_name: str = ""


@dataclass(frozen=True)
class Contract:
    kind: str
    resource_type: str
    does: str  # what AWS does, in its words
    actions: tuple[str, ...]
    targets: Callable[[Environment, Resource], Iterator[Target]]
    source: str
    fix: str


# ---- reading the template ------------------------------------------------------------------------------------
def _role(resource: Resource, property_name: str) -> str | None:
    value = resource.properties.get(property_name)
    return None if value is None else str(value)


def _key_target(environment: Environment, principal: str, key: str, context: Context) -> Target:
    key_resource = environment.by_arn(key)
    return Target(principal, key, context, environment.key_policy(key),
                  f"the key policy of {key_resource.where}" if key_resource else f"the key policy of {key}")


def _log_group_name(environment: Environment, value: Any) -> str:
    """A log group's name from a ``Ref`` (its name) or an ARN (``...:log-group:<name>:*``)."""
    text = str(value)
    return text.split(":log-group:", 1)[1].removesuffix(":*") if ":log-group:" in text else text


def _log_stream(environment: Environment, group: str) -> str:
    # CloudWatch Logs authorizes CreateLogStream and PutLogEvents on the stream's ARN, under its group's.
    return environment.arn("logs", f"log-group:{group}:log-stream:stream")


def _log_group_arn(environment: Environment, group: str) -> str:
    return environment.arn("logs", f"log-group:{group}")


# ---- Lambda ----------------------------------------------------------------------------------------------------
def _vpc(environment: Environment, function: Resource) -> tuple[list[str], list[str], str | None]:
    config = function.properties.get("VpcConfig") or {}
    subnets = [str(s) for s in config.get("SubnetIds", [])]
    groups = [str(g) for g in config.get("SecurityGroupIds", [])]
    return subnets, groups, environment.vpc_of(subnets, groups)


def _network_interface_creation(environment: Environment, function: Resource) -> Iterator[Target]:
    subnets, groups, vpc = _vpc(environment, function)
    if not subnets:
        return
    role = _role(function, "Role") or ""
    context = {"ec2:Vpc": environment.arn("ec2", f"vpc/{vpc}")} if vpc else {}
    for subnet in subnets:
        yield Target(role, environment.arn("ec2", f"subnet/{subnet}"), context)
    for group in groups:
        yield Target(role, environment.arn("ec2", f"security-group/{group}"), context)
    yield Target(role, environment.arn("ec2", "network-interface/*"), context)


def _network_interface_management(environment: Environment, function: Resource) -> Iterator[Target]:
    subnets, groups, vpc = _vpc(environment, function)
    if subnets:
        context = {"ec2:Vpc": environment.arn("ec2", f"vpc/{vpc}")} if vpc else {}
        yield Target(_role(function, "Role") or "", environment.arn("ec2", "network-interface/*"), context)


def _network_interface_description(environment: Environment, function: Resource) -> Iterator[Target]:
    if _vpc(environment, function)[0]:
        yield Target(_role(function, "Role") or "", "*")


def _function_logs(environment: Environment, function: Resource) -> Iterator[Target]:
    configured = (function.properties.get("LoggingConfig") or {}).get("LogGroup")
    group = _log_group_name(environment, configured) if configured else \
        f"/aws/lambda/{environment.resolver.resolve(function.stack, {'Ref': function.logical_id})}"
    yield Target(_role(function, "Role") or "", _log_stream(environment, group))


def _function_environment_key(environment: Environment, function: Resource) -> Iterator[Target]:
    key = function.properties.get("KmsKeyArn")
    if key is None or not function.properties.get("Environment"):
        return
    arn = str(environment.resolver.resolve(function.stack, {"Fn::GetAtt": [function.logical_id, "Arn"]}))
    yield _key_target(environment, _role(function, "Role") or "", str(key), {
        "kms:ViaService": f"lambda.{environment.region}.amazonaws.com", "kms:CallerAccount": environment.account,
        "kms:EncryptionContext:aws:lambda:FunctionArn": arn})


# ---- ECS -------------------------------------------------------------------------------------------------------
_ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
                        r"(?P<repository>[^:@]+)")


def _containers(task: Resource) -> list[Mapping[str, Any]]:
    return list(task.properties.get("ContainerDefinitions", []))


def _ecr_repositories(task: Resource) -> list[str]:
    found = []
    for container in _containers(task):
        match = _ECR_IMAGE.match(str(container.get("Image", "")))
        if match:
            found.append(f"arn:aws:ecr:{match['region']}:{match['account']}:repository/{match['repository']}")
    return found


def _ecr_authorization(environment: Environment, task: Resource) -> Iterator[Target]:
    if _ecr_repositories(task) and _role(task, "ExecutionRoleArn"):
        yield Target(_role(task, "ExecutionRoleArn") or "", "*")


def _ecr_pull(environment: Environment, task: Resource) -> Iterator[Target]:
    for repository in _ecr_repositories(task):
        yield Target(_role(task, "ExecutionRoleArn") or "", repository)


def _task_logs(environment: Environment, task: Resource) -> Iterator[Target]:
    for container in _containers(task):
        configuration = container.get("LogConfiguration") or {}
        if configuration.get("LogDriver") == "awslogs":
            group = str(configuration.get("Options", {}).get("awslogs-group"))
            yield Target(_role(task, "ExecutionRoleArn") or "", _log_stream(environment, group))


def _secret_arn(value_from: str) -> str:
    """A container secret's ``ValueFrom`` without its JSON key, version stage and version id."""
    return ":".join(value_from.split(":")[:7])


def _task_secrets(task: Resource, service: str) -> list[str]:
    return [str(s["ValueFrom"]) for c in _containers(task) for s in c.get("Secrets", [])
            if f":{service}:" in str(s.get("ValueFrom", ""))]


def _secret_reads(environment: Environment, task: Resource) -> Iterator[Target]:
    role = _role(task, "ExecutionRoleArn") or ""
    for arn in dict.fromkeys(_secret_arn(v) for v in _task_secrets(task, "secretsmanager")):
        policy = environment.secret_policy(arn)
        yield Target(role, arn, {}, policy, f"the resource policy of secret {arn}" if policy else "")


def _parameter_reads(environment: Environment, task: Resource) -> Iterator[Target]:
    for arn in dict.fromkeys(_task_secrets(task, "ssm")):
        yield Target(_role(task, "ExecutionRoleArn") or "", arn)


def _secret_decryption(environment: Environment, task: Resource) -> Iterator[Target]:
    role = _role(task, "ExecutionRoleArn") or ""
    for arn in dict.fromkeys(_secret_arn(v) for v in _task_secrets(task, "secretsmanager")):
        key = environment.secret_key(arn)
        if key is not None:
            yield _key_target(environment, role, key, _secrets_manager_context(environment, arn))


def _secrets_manager_context(environment: Environment, secret_arn: str) -> Context:
    return {"kms:ViaService": f"secretsmanager.{environment.region}.amazonaws.com",
            "kms:CallerAccount": environment.account, "kms:EncryptionContext:SecretARN": secret_arn}


# ---- Secrets Manager --------------------------------------------------------------------------------------------
def _secret_arn_of(environment: Environment, secret: Resource) -> str:
    return str(environment.resolver.resolve(secret.stack, {"Ref": secret.logical_id}))


def _secret_value_creation(environment: Environment, secret: Resource) -> Iterator[Target]:
    key = secret.properties.get("KmsKeyId")
    if key is not None:
        yield _key_target(environment, DEPLOYER, str(key),
                          _secrets_manager_context(environment, _secret_arn_of(environment, secret)))


def _secret_readers_decryption(environment: Environment, secret: Resource) -> Iterator[Target]:
    """Every role the templates let read the secret must also decrypt it with the secret's key."""
    from kafka_platform.permissions.evaluate import Verdict, principal_may, role_node

    key = secret.properties.get("KmsKeyId")
    if key is None:
        return
    arn = _secret_arn_of(environment, secret)
    for role in environment.roles.values():
        node = role_node(role.arn, role.policies, role.trust)
        if principal_may(node, "secretsmanager:GetSecretValue", arn, {}, None, environment.account) is \
                Verdict.ALLOWED:
            yield _key_target(environment, role.arn, str(key), _secrets_manager_context(environment, arn))


def _rotation(environment: Environment, schedule: Resource) -> tuple[str, Resource] | None:
    """The rotated secret's ARN and the rotation function, where the schedule names a function of the templates."""
    function = environment.by_arn(schedule.properties.get("RotationLambdaARN"))
    if function is None or function.type != _FUNCTION:
        return None
    return str(schedule.properties.get("SecretId")), function


def _rotation_invocation(environment: Environment, schedule: Resource) -> Iterator[Target]:
    if (found := _rotation(environment, schedule)) is not None:
        secret, function = found
        arn = _arn_of(environment, function)
        yield Target("secretsmanager.amazonaws.com", arn, {"aws:SourceArn": secret,
                                                           "aws:SourceAccount": environment.account},
                     environment.function_policy(arn), f"the resource policy of function {function.where}")


def _rotation_steps(environment: Environment, schedule: Resource) -> Iterator[Target]:
    if (found := _rotation(environment, schedule)) is not None:
        secret, function = found
        policy = environment.secret_policy(secret)
        yield Target(_role(function, "Role") or "", secret, {}, policy,
                     f"the resource policy of secret {secret}" if policy else "")


def _rotation_key(environment: Environment, schedule: Resource) -> Iterator[Target]:
    if (found := _rotation(environment, schedule)) is not None:
        secret, function = found
        if (key := environment.secret_key(secret)) is not None:
            yield _key_target(environment, _role(function, "Role") or "", key,
                              _secrets_manager_context(environment, secret))


# ---- CloudWatch Logs --------------------------------------------------------------------------------------------
def _log_group_encryption(environment: Environment, group: Resource) -> Iterator[Target]:
    key = group.properties.get("KmsKeyId")
    if key is None:
        return
    name = str(environment.resolver.resolve(group.stack, {"Ref": group.logical_id}))
    yield _key_target(environment, f"logs.{environment.region}.amazonaws.com", str(key),
                      {"kms:EncryptionContext:aws:logs:arn": _log_group_arn(environment, name)})


def _vended_log_delivery(group_path: Sequence[str]) -> Callable[[Environment, Resource], Iterator[Target]]:
    def targets(environment: Environment, resource: Resource) -> Iterator[Target]:
        value: Any = resource.properties
        for part in group_path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return
        policies = environment.log_group_policies()
        merged = {"Version": "2012-10-17",
                  "Statement": [s for p in policies for s in (p.get("Statement") or [])]} if policies else None
        yield Target("delivery.logs.amazonaws.com", _log_stream(environment, _log_group_name(environment, value)),
                     {"aws:SourceAccount": environment.account, "aws:SourceArn": environment.arn("logs", "*")},
                     merged, "the account's CloudWatch Logs resource policies in the region")
    return targets


# ---- VPC flow logs ----------------------------------------------------------------------------------------------
def _flow_log_assume(environment: Environment, flow_log: Resource) -> Iterator[Target]:
    role = environment.roles.get(_role(flow_log, "DeliverLogsPermissionArn") or "")
    if role is not None:
        yield Target("vpc-flow-logs.amazonaws.com", role.arn, {
            "aws:SourceAccount": environment.account,
            "aws:SourceArn": environment.arn("ec2", "vpc-flow-log/fl-0123456789abcdef0")},
            role.trust, f"the trust policy of {role.resource.where}")


def _flow_log_writes(environment: Environment, flow_log: Resource) -> Iterator[Target]:
    role = _role(flow_log, "DeliverLogsPermissionArn")
    group = flow_log.properties.get("LogGroupName") or flow_log.properties.get("LogDestination")
    if role and group and flow_log.properties.get("LogDestinationType", "cloud-watch-logs") == "cloud-watch-logs":
        yield Target(role, _log_stream(environment, _log_group_name(environment, group)))


# ---- MSK Replicator ---------------------------------------------------------------------------------------------
def _replicator_clusters(replicator: Resource) -> tuple[str, str]:
    clusters = replicator.properties.get("KafkaClusters", [])
    info = (replicator.properties.get("ReplicationInfoList") or [{}])[0]
    arns = [str(c["AmazonMskCluster"]["MskClusterArn"]) for c in clusters]
    source = str(info.get("SourceKafkaClusterArn", arns[0]))
    target = str(info.get("TargetKafkaClusterArn", arns[-1]))
    return source, target


def _kafka_arn(cluster_arn: str, kind: str, name: str) -> str:
    return cluster_arn.replace(":cluster/", f":{kind}/", 1) + f"/{name}"


def _names(patterns: Sequence[str]) -> list[str]:
    """Replicator's topic and group lists are regular expressions: a literal name, or a prefix ``name.*`` (a name
    under it stands for the prefix). Any other expression (``^$``: nothing) names no resource to check."""
    names = []
    for pattern in patterns:
        body = pattern[:-2] if pattern.endswith(".*") else pattern
        if re.search(r"[\^$\[\](){}|+?*]", body.replace(r"\.", "")):
            continue
        names.append(body.replace(r"\.", ".") + ("x" if pattern.endswith(".*") else ""))
    return names


def _replicated(replicator: Resource) -> tuple[list[str], list[str]]:
    info = (replicator.properties.get("ReplicationInfoList") or [{}])[0]
    topics = _names([str(t) for t in (info.get("TopicReplication") or {}).get("TopicsToReplicate", [])])
    groups = _names([str(g) for g in (info.get("ConsumerGroupReplication") or {}).get("ConsumerGroupsToReplicate",
                                                                                      [])])
    return topics, groups


def _replicator_calls(side: str, kind: str) -> Callable[[Environment, Resource], Iterator[Target]]:
    def targets(environment: Environment, replicator: Resource) -> Iterator[Target]:
        role = _role(replicator, "ServiceExecutionRoleArn") or ""
        source, target = _replicator_clusters(replicator)
        cluster = source if side == "source" else target
        topics, groups = _replicated(replicator)
        if kind == "cluster":
            yield Target(role, cluster)
        for name in topics if kind == "topic" else groups if kind == "group" else []:
            yield Target(role, _kafka_arn(cluster, kind, name))
    return targets


def _replicator_source_policy(environment: Environment, replicator: Resource) -> Iterator[Target]:
    source, _ = _replicator_clusters(replicator)
    found = environment.cluster_policy(source)
    policy, where = found if found is not None else (None, "")
    yield Target("kafka.amazonaws.com", source, {}, policy, where)


# ---- CloudWatch alarms, EventBridge, Application Auto Scaling --------------------------------------------------
def _arn_of(environment: Environment, resource: Resource) -> str:
    return str(environment.resolver.resolve(resource.stack, {"Fn::GetAtt": [resource.logical_id, "Arn"]}))


def _alarm_topics(environment: Environment, alarm: Resource) -> Iterator[tuple[str, Resource | None, str]]:
    arn = _arn_of(environment, alarm)
    actions = [*alarm.properties.get("AlarmActions", []), *alarm.properties.get("OKActions", []),
               *alarm.properties.get("InsufficientDataActions", [])]
    for topic in dict.fromkeys(str(a) for a in actions if ":sns:" in str(a)):
        yield topic, environment.by_arn(topic), arn


def _alarm_publishing(environment: Environment, alarm: Resource) -> Iterator[Target]:
    for topic, resource, alarm_arn in _alarm_topics(environment, alarm):
        if resource is not None:
            yield Target("cloudwatch.amazonaws.com", topic, {
                "aws:SourceArn": alarm_arn, "aws:SourceAccount": environment.account,
                "AWS:SourceOwner": environment.account}, environment.topic_policy(topic),
                f"the access policy of topic {resource.where}")


def _alarm_topic_encryption(environment: Environment, alarm: Resource) -> Iterator[Target]:
    for _, resource, alarm_arn in _alarm_topics(environment, alarm):
        key = None if resource is None else resource.properties.get("KmsMasterKeyId")
        if key is not None:
            yield _key_target(environment, "cloudwatch.amazonaws.com", str(key), {
                "aws:SourceArn": alarm_arn, "aws:SourceAccount": environment.account})


def _rule_invocations(environment: Environment, rule: Resource) -> Iterator[Target]:
    rule_arn = _arn_of(environment, rule)
    for target in rule.properties.get("Targets", []):
        function = environment.by_arn(target.get("Arn"))
        if function is not None and function.type == "AWS::Lambda::Function" and "RoleArn" not in target:
            arn = str(target["Arn"])
            yield Target("events.amazonaws.com", arn, {"aws:SourceArn": rule_arn,
                                                       "aws:SourceAccount": environment.account},
                         environment.function_policy(arn), f"the resource policy of function {function.where}")


#: The service-linked role Application Auto Scaling uses for each namespace the platform scales.
#: https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-service-linked-roles.html
SERVICE_LINKED_ROLES = {
    "ecs": "aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
    "kafka": "aws-service-role/kafka.application-autoscaling.amazonaws.com/"
             "AWSServiceRoleForApplicationAutoScaling_KafkaCluster",
}


def _scaling_role(environment: Environment, target: Resource) -> Iterator[Target]:
    """Not a policy evaluation: the role must be the namespace's service-linked role (whose permissions AWS owns),
    or a role of the templates that trusts Application Auto Scaling."""
    namespace = str(target.properties.get("ServiceNamespace"))
    role = _role(target, "RoleARN")
    expected = SERVICE_LINKED_ROLES.get(namespace)
    if role is None or expected is None or role == f"arn:aws:iam::{environment.account}:role/{expected}":
        return
    own = environment.roles.get(role)
    yield Target("application-autoscaling.amazonaws.com", role, {}, own.trust if own else None,
                 f"the trust policy of {own.resource.where}" if own else f"role {role} (expected {expected})")


# ---- MSK at rest ------------------------------------------------------------------------------------------------
def _cluster_key_grant(environment: Environment, cluster: Resource) -> Iterator[Target]:
    key = ((cluster.properties.get("EncryptionInfo") or {}).get("EncryptionAtRest") or {}).get("DataVolumeKMSKeyId")
    if key is not None:
        yield _key_target(environment, DEPLOYER, str(key), {
            "kms:ViaService": f"kafka.{environment.region}.amazonaws.com", "kms:CallerAccount": environment.account,
            "kms:GrantIsForAWSResource": "true"})


def _assume(service: str, role_property: str,
            context: Callable[[Environment, Resource], Context] | None = None
            ) -> Callable[[Environment, Resource], Iterator[Target]]:
    def targets(environment: Environment, resource: Resource) -> Iterator[Target]:
        role = environment.roles.get(_role(resource, role_property) or "")
        if role is not None:
            yield Target(service, role.arn, context(environment, resource) if context else {}, role.trust,
                         f"the trust policy of {role.resource.where}")
    return targets


_LAMBDA_VPC = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions"
_EC2_ACTIONS = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html"
_TASK_EXECUTION = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html"
_ECS_SECRETS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html"
_SECRETS_KMS = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html"
_ROTATION = ("https://docs.aws.amazon.com/secretsmanager/latest/userguide/"
             "rotating-secrets-required-permissions-function.html")
_LOGS_KMS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"
_VENDED_LOGS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html"
_FLOW_LOGS = "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html"
_REPLICATOR = ("https://docs.aws.amazon.com/msk/latest/developerguide/"
               "security-iam-awsmanpol-AWSMSKReplicatorExecutionRole.html")
_REPLICATOR_POLICY = "https://docs.aws.amazon.com/msk/latest/developerguide/msk-replicator-prepare-cluster.html"
_SNS_KMS = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services"
_ALARM_SNS = "https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger"
_EVENTS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions"
_SCALING_ROLES = ("https://docs.aws.amazon.com/autoscaling/application/userguide/"
                  "application-auto-scaling-service-linked-roles.html")
_MSK_KMS = "https://docs.aws.amazon.com/msk/latest/developerguide/msk-encryption.html"
_LAMBDA_LOGS = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html"
_LAMBDA_ENV = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html"

_FUNCTION = "AWS::Lambda::Function"
_TASK = "AWS::ECS::TaskDefinition"
_REPLICATOR_TYPE = "AWS::MSK::Replicator"
_TOPIC_READ = ("kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:DescribeTopicDynamicConfiguration")
_TOPIC_WRITE = ("kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:WriteData",
                "kafka-cluster:AlterTopic", "kafka-cluster:DescribeTopicDynamicConfiguration",
                "kafka-cluster:AlterTopicDynamicConfiguration")

CONTRACTS: tuple[Contract, ...] = (
    # Lambda in a VPC ---------------------------------------------------------------------------------------------
    Contract("lambda-assume-role", _FUNCTION, "Lambda assumes the function's execution role",
             ("sts:AssumeRole",), _assume("lambda.amazonaws.com", "Role"), _LAMBDA_VPC,
             "the role's trust policy must admit lambda.amazonaws.com"),
    Contract("lambda-network-interface", _FUNCTION,
             "Lambda creates the function's network interfaces with its execution role, authorized against the "
             "subnet, every security group of the request and the interface, when the function is created or its VPC "
             "configuration changes", ("ec2:CreateNetworkInterface",), _network_interface_creation,
             f"{_LAMBDA_VPC} ; {_EC2_ACTIONS}",
             "name every subnet and every security group of the function's VpcConfig in the role's "
             "ec2:CreateNetworkInterface statement (PlatformFunction derives them from the function's own list)"),
    Contract("lambda-network-interface-management", _FUNCTION,
             "Lambda deletes and re-addresses the function's network interfaces with its execution role",
             ("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
             _network_interface_management, _LAMBDA_VPC,
             "allow these actions on network-interface/* in the function's VPC (ec2:Vpc)"),
    Contract("lambda-network-interface-description", _FUNCTION,
             "Lambda describes network interfaces and subnets (these actions work only on '*')",
             ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"), _network_interface_description, _LAMBDA_VPC,
             "allow ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets on '*'"),
    Contract("lambda-logs", _FUNCTION, "Lambda writes the function's logs with its execution role",
             ("logs:CreateLogStream", "logs:PutLogEvents"), _function_logs, _LAMBDA_LOGS,
             "allow the role to write to the function's log group (write_logs_statement)"),
    Contract("lambda-environment-key", _FUNCTION,
             "Lambda decrypts the function's environment variables with its customer-managed key, as the execution "
             "role, through Lambda", ("kms:Decrypt",), _function_environment_key, _LAMBDA_ENV,
             "grant the role kms:Decrypt on the key through Lambda (kms:ViaService), and keep the key policy's "
             "account statement for that service"),
    # ECS task execution role -------------------------------------------------------------------------------------
    Contract("ecs-assume-execution-role", _TASK, "ECS assumes the task execution role to start the task",
             ("sts:AssumeRole",), _assume("ecs-tasks.amazonaws.com", "ExecutionRoleArn"), _TASK_EXECUTION,
             "the execution role's trust policy must admit ecs-tasks.amazonaws.com"),
    Contract("ecs-image-authorization", _TASK, "ECS authenticates to ECR with the task execution role",
             ("ecr:GetAuthorizationToken",), _ecr_authorization, _TASK_EXECUTION,
             "allow ecr:GetAuthorizationToken on '*' (it has no resource-level permissions)"),
    Contract("ecs-image-pull", _TASK, "ECS pulls each container's image from its ECR repository",
             ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"), _ecr_pull, _TASK_EXECUTION,
             "grant the execution role pulls from the image's repository (repository.grant_pull)"),
    Contract("ecs-logs", _TASK, "ECS's awslogs driver writes each container's logs with the task execution role",
             ("logs:CreateLogStream", "logs:PutLogEvents"), _task_logs, _TASK_EXECUTION,
             "allow the execution role to write to the container's log group"),
    Contract("ecs-secret-read", _TASK,
             "ECS reads every Secrets Manager secret of the task definition with the execution role when a task "
             "starts", ("secretsmanager:GetSecretValue",), _secret_reads, _ECS_SECRETS,
             "grant the execution role secretsmanager:GetSecretValue on the secret (secret.grant_read)"),
    Contract("ecs-parameter-read", _TASK,
             "ECS reads every SSM parameter of the task definition with the execution role when a task starts",
             ("ssm:GetParameters",), _parameter_reads, _ECS_SECRETS,
             "grant the execution role ssm:GetParameters on the parameter"),
    Contract("ecs-secret-key", _TASK,
             "Secrets Manager decrypts each secret the task reads with the secret's customer-managed key, as the "
             "execution role", ("kms:Decrypt",), _secret_decryption, f"{_ECS_SECRETS} ; {_SECRETS_KMS}",
             "grant the execution role kms:Decrypt on the secret's key through Secrets Manager, and let the key "
             "policy admit it (or the account, for IAM policies to apply); for an imported secret, declare its key"),
    # Secrets Manager ---------------------------------------------------------------------------------------------
    Contract("secret-value-creation", "AWS::SecretsManager::Secret",
             "Secrets Manager encrypts the generated value with the secret's customer-managed key, as the deploying "
             "principal, through Secrets Manager", ("kms:GenerateDataKey", "kms:Decrypt"), _secret_value_creation,
             _SECRETS_KMS, "let the key policy admit the account through secretsmanager (kms:ViaService)"),
    Contract("secret-reader-key", "AWS::SecretsManager::Secret",
             "Secrets Manager decrypts the secret with its customer-managed key as each principal that reads it",
             ("kms:Decrypt",), _secret_readers_decryption, _SECRETS_KMS,
             "a principal allowed secretsmanager:GetSecretValue needs kms:Decrypt on the secret's key through "
             "Secrets Manager (secret.grant_read grants both)"),
    Contract("secret-rotation-invoke", "AWS::SecretsManager::RotationSchedule",
             "Secrets Manager invokes the rotation function for the secret, as secretsmanager.amazonaws.com",
             ("lambda:InvokeFunction",), _rotation_invocation, _ROTATION,
             "add a Lambda permission for secretsmanager.amazonaws.com with the secret's ARN as SourceArn"),
    Contract("secret-rotation-steps", "AWS::SecretsManager::RotationSchedule",
             "The rotation function's steps read, stage and write the secret's versions with its execution role",
             ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
              "secretsmanager:UpdateSecretVersionStage"), _rotation_steps, _ROTATION,
             "allow the rotation function's role these actions on the secret"),
    Contract("secret-rotation-key", "AWS::SecretsManager::RotationSchedule",
             "Secrets Manager encrypts and decrypts the secret's versions with its customer-managed key, as the "
             "rotation function's role", ("kms:Decrypt", "kms:GenerateDataKey"), _rotation_key,
             f"{_ROTATION} ; {_SECRETS_KMS}",
             "allow the rotation function's role kms:Decrypt and kms:GenerateDataKey on the key through Secrets "
             "Manager"),
    # CloudWatch Logs, vended logs, flow logs ---------------------------------------------------------------------
    Contract("logs-key", "AWS::Logs::LogGroup",
             "CloudWatch Logs encrypts and decrypts the group's events with its customer-managed key, as the "
             "regional logs service, with the group's ARN as encryption context",
             ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"), _log_group_encryption, _LOGS_KMS,
             "let the key policy admit logs.<region>.amazonaws.com with ArnLike kms:EncryptionContext:aws:logs:arn "
             "covering the log group's ARN (LogsKey admits the groups of its own stack)"),
    Contract("msk-broker-log-delivery", "AWS::MSK::Cluster",
             "CloudWatch Logs' log delivery writes the brokers' logs into the log group",
             ("logs:CreateLogStream", "logs:PutLogEvents"),
             _vended_log_delivery(("LoggingInfo", "BrokerLogs", "CloudWatchLogs", "LogGroup")), _VENDED_LOGS,
             "declare a CloudWatch Logs resource policy that admits delivery.logs.amazonaws.com to the log group "
             "(aws:SourceAccount, aws:SourceArn), so that the deploying principal need not hold logs:PutResourcePolicy"),
    Contract("replicator-log-delivery", _REPLICATOR_TYPE,
             "CloudWatch Logs' log delivery writes the replicator's logs into the log group",
             ("logs:CreateLogStream", "logs:PutLogEvents"),
             _vended_log_delivery(("LogDelivery", "ReplicatorLogDelivery", "CloudWatchLogs", "LogGroup")),
             _VENDED_LOGS, "declare a CloudWatch Logs resource policy that admits delivery.logs.amazonaws.com to the "
                           "log group (aws:SourceAccount, aws:SourceArn)"),
    Contract("flow-log-assume-role", "AWS::EC2::FlowLog", "VPC Flow Logs assumes the delivery role",
             ("sts:AssumeRole",), _flow_log_assume, _FLOW_LOGS,
             "the delivery role's trust policy must admit vpc-flow-logs.amazonaws.com"),
    Contract("flow-log-delivery", "AWS::EC2::FlowLog", "VPC Flow Logs writes the flow logs with the delivery role",
             ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"), _flow_log_writes, _FLOW_LOGS,
             "allow the delivery role to write to the flow log group"),
    # MSK Replicator and MSK --------------------------------------------------------------------------------------
    Contract("replicator-assume-role", _REPLICATOR_TYPE, "MSK Replicator assumes its service execution role",
             ("sts:AssumeRole",), _assume("kafka.amazonaws.com", "ServiceExecutionRoleArn"), _REPLICATOR,
             "the execution role's trust policy must admit kafka.amazonaws.com"),
    Contract("replicator-source-cluster", _REPLICATOR_TYPE,
             "MSK Replicator connects to the source cluster with its execution role",
             ("kafka-cluster:Connect", "kafka-cluster:DescribeCluster"), _replicator_calls("source", "cluster"),
             _REPLICATOR, "allow Connect and DescribeCluster on the source cluster"),
    Contract("replicator-source-topics", _REPLICATOR_TYPE, "MSK Replicator reads each replicated topic",
             _TOPIC_READ, _replicator_calls("source", "topic"), _REPLICATOR,
             "allow the replicator's role to read every replicated topic of the source"),
    Contract("replicator-source-groups", _REPLICATOR_TYPE,
             "MSK Replicator reads the offsets of each replicated consumer group", ("kafka-cluster:DescribeGroup",),
             _replicator_calls("source", "group"), _REPLICATOR,
             "allow DescribeGroup on every replicated consumer group of the source"),
    Contract("replicator-target-cluster", _REPLICATOR_TYPE,
             "MSK Replicator connects to the target cluster and writes idempotently",
             ("kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:AlterCluster",
              "kafka-cluster:WriteDataIdempotently"), _replicator_calls("target", "cluster"), _REPLICATOR,
             "allow these actions on the target cluster"),
    Contract("replicator-target-topics", _REPLICATOR_TYPE,
             "MSK Replicator creates, configures and writes each replicated topic on the target", _TOPIC_WRITE,
             _replicator_calls("target", "topic"), _REPLICATOR,
             "allow the replicator's role to create and write every replicated topic on the target"),
    Contract("replicator-target-groups", _REPLICATOR_TYPE,
             "MSK Replicator writes each replicated consumer group's translated offsets on the target",
             ("kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"), _replicator_calls("target", "group"),
             _REPLICATOR, "allow DescribeGroup and AlterGroup on every replicated group of the target"),
    Contract("replicator-source-cluster-policy", _REPLICATOR_TYPE,
             "MSK Replicator (the service) reaches the source cluster through its multi-VPC connectivity, as the "
             "source's cluster policy allows", ("kafka:CreateVpcConnection", "kafka:GetBootstrapBrokers",
                                                "kafka:DescribeClusterV2"), _replicator_source_policy,
             _REPLICATOR_POLICY, "give the source cluster a cluster policy that allows kafka.amazonaws.com these "
                                 "actions (KafkaCluster: replicator_service_access)"),
    Contract("msk-encryption-key", "AWS::MSK::Cluster",
             "MSK creates a grant on the cluster's customer-managed key, as the deploying principal, through MSK",
             ("kms:CreateGrant",), _cluster_key_grant, _MSK_KMS,
             "let the key policy admit the account's kms:CreateGrant through kafka with kms:GrantIsForAWSResource"),
    # Alarms, schedules, scaling ----------------------------------------------------------------------------------
    Contract("alarm-publish", "AWS::CloudWatch::Alarm",
             "CloudWatch publishes the alarm's state changes to its SNS topic, as cloudwatch.amazonaws.com for the "
             "alarm (aws:SourceArn)", ("sns:Publish",), _alarm_publishing, _ALARM_SNS,
             "the topic's access policy must allow cloudwatch.amazonaws.com sns:Publish for the account's alarms "
             "(a TopicPolicy replaces SNS's default policy, which allowed it)"),
    Contract("alarm-topic-key", "AWS::CloudWatch::Alarm",
             "CloudWatch encrypts its message with the topic's customer-managed key",
             ("kms:GenerateDataKey", "kms:Decrypt"), _alarm_topic_encryption, _SNS_KMS,
             "let the topic key's policy admit cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*"),
    Contract("schedule-invoke", "AWS::Events::Rule",
             "EventBridge invokes each Lambda target of the rule as events.amazonaws.com for the rule",
             ("lambda:InvokeFunction",), _rule_invocations, _EVENTS,
             "add a Lambda permission for events.amazonaws.com with the rule's ARN as SourceArn"),
    Contract("scaling-role", "AWS::ApplicationAutoScaling::ScalableTarget",
             "Application Auto Scaling acts with the namespace's service-linked role, or a role that trusts it",
             ("sts:AssumeRole",), _scaling_role, _SCALING_ROLES,
             "leave RoleARN to the namespace's service-linked role"),
)
