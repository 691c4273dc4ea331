"""CloudFormation values as AWS will see them: every intrinsic replaced by a realistic string.

Quotas are measured on what the service receives, not on the template: ``{"Fn::GetAtt": ["Cluster", "Arn"]}`` is 40
characters in a template and about 110 once deployed. ``Resolver`` turns every intrinsic of an environment's
templates into a value of realistic length:

* pseudo parameters: the stack's real account and region, partition ``aws``;
* a resource's physical id or name: what CloudFormation generates (``<stack>-<logical id>-<12 characters>``, at most
  64), or the literal name the template gives it; security groups ``sg-`` and 17 hex digits, KMS keys a UUID;
* ``Arn`` attributes: the service's ARN shape around that name; an MSK cluster's UUID 36 characters plus ``-2``;
* ``Fn::GetStackOutput`` / ``Fn::ImportValue``: the exporting stack's output, resolved in that stack;
* a deploy-time read of an SSM parameter (CDK's ``AwsCustomResource`` calling ``SSM.getParameter``, as a standby reads
  its primary's cluster ARN in another region): the value of the ``AWS::SSM::Parameter`` of that name and region
  that another stage of the assembly writes, resolved in its own stack (``universe``).

Each placeholder is derived from its stack and logical id, so the same resource resolves to the same string in every
stack that references it: a security group's rules can be counted across the stacks of an environment.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from kafka_platform.assembly import SynthesizedStack

PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"
# CloudFormation's generated physical names: stack name and logical id, cut to fit, and 12 random characters.
GENERATED_NAME_LIMIT = 64
GENERIC_ARN_LENGTH = 128  # an ARN of a resource the estimate cannot see
_NO_VALUE = object()

# Ref returns the ARN for these types (CloudFormation's "Return values" of each resource type).
_REF_IS_ARN = frozenset({
    "AWS::SNS::Topic", "AWS::IAM::ManagedPolicy", "AWS::MSK::Cluster", "AWS::MSK::Configuration",
    "AWS::MSK::Replicator", "AWS::SecretsManager::Secret", "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::ECS::TaskDefinition", "AWS::ECS::Service", "AWS::MSK::Topic", "AWS::CloudWatch::CompositeAlarm",
})
_ID_PREFIXES = {"AWS::EC2::SecurityGroup": "sg-", "AWS::EC2::VPC": "vpc-", "AWS::EC2::Subnet": "subnet-",
                "AWS::EC2::RouteTable": "rtb-", "AWS::EC2::InternetGateway": "igw-", "AWS::EC2::NatGateway": "nat-",
                "AWS::EC2::VPCEndpoint": "vpce-", "AWS::EC2::PrefixList": "pl-"}
# Properties that name a resource when the template gives a literal name.
_NAME_PROPERTIES = ("ClusterName", "FunctionName", "RoleName", "LogGroupName", "TopicName", "ManagedPolicyName",
                    "AlarmName", "DashboardName", "Name", "ServiceName", "Family", "QueueName", "ReplicatorName")
# service and resource-type part of the ARN, where it is not the type's own name in lower case.
_ARN_SHAPES = {
    "AWS::IAM::Role": ("iam", "role/"), "AWS::IAM::ManagedPolicy": ("iam", "policy/"),
    "AWS::Logs::LogGroup": ("logs", "log-group:"), "AWS::Lambda::Function": ("lambda", "function:"),
    "AWS::SNS::Topic": ("sns", ""), "AWS::KMS::Key": ("kms", "key/"), "AWS::MSK::Cluster": ("kafka", "cluster/"),
    "AWS::MSK::Configuration": ("kafka", "configuration/"), "AWS::ECS::Cluster": ("ecs", "cluster/"),
    "AWS::ECS::TaskDefinition": ("ecs", "task-definition/"), "AWS::CloudWatch::Alarm": ("cloudwatch", "alarm:"),
    "AWS::SSM::Parameter": ("ssm", "parameter/"), "AWS::SecretsManager::Secret": ("secretsmanager", "secret:"),
    "AWS::Events::Rule": ("events", "rule/"), "AWS::MSK::Replicator": ("kafka", "replicator/"),
}


def _digest(*parts: str, length: int, alphabet: str = "0123456789abcdef") -> str:
    """Deterministic characters from ``parts``, ``length`` of them."""
    seed = hashlib.sha256("/".join(parts).encode()).digest()
    while len(seed) < length:
        seed += hashlib.sha256(seed).digest()
    return "".join(alphabet[b % len(alphabet)] for b in seed[:length])


def _uuid(*parts: str) -> str:
    h = _digest(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _generic_attribute(stack: Any, logical_id: str, attribute: str) -> str:
    if attribute == "Arn" or attribute.endswith("Arn"):
        head = f"arn:{PARTITION}:service:{stack.region}:{stack.account}:"
        return head + _digest(stack.stack_name, logical_id, attribute, length=GENERIC_ARN_LENGTH - len(head))
    if attribute.endswith("Uuid"):
        return _uuid(stack.stack_name, logical_id) + "-2"
    return _digest(stack.stack_name, logical_id, attribute, length=GENERATED_NAME_LIMIT)


@dataclass(frozen=True)
class _Detached:
    """A stack not yet synthesized: no template to look resources up in."""

    stack_name: str
    region: str
    account: str
    template: Mapping[str, Any] = field(default_factory=dict)


def estimate(value: Any, *, stack_name: str, region: str, account: str) -> Any:
    """What ``value`` (CloudFormation JSON, as ``Stack.resolve`` gives it) will resolve to, before synthesis: a
    resource this cannot see takes a generic realistic value (an ARN of 128 characters, a UUID attribute of 38,
    other names and ids of 64). Constructs size what they write with it; the gate measures the result."""
    return Resolver([], strict=False).resolve(_Detached(stack_name, region, account), value)  # type: ignore[arg-type]


class Resolver:
    """Resolves the values of an environment's templates (one account and region, several stacks). With
    ``strict`` (the gate), a reference to a resource or output that does not exist is an error."""

    def __init__(self, stacks: Iterable[SynthesizedStack], *, strict: bool = True,
                 universe: Iterable[SynthesizedStack] = ()):
        self.stacks: dict[str, SynthesizedStack] = {stack.stack_name: stack for stack in stacks}
        self.strict = strict
        self._exports: dict[str, tuple[SynthesizedStack, Any]] | None = None
        # Every stack of the assembly (other stages, other regions): where deploy-time SSM reads find their values.
        self._universe = list(universe)
        self._parameters: dict[tuple[str, str, str], tuple[SynthesizedStack, Any]] | None = None

    def resolve(self, stack: SynthesizedStack, value: Any) -> Any:
        resolved = self._resolve(stack, value, depth=0)
        return None if resolved is _NO_VALUE else resolved

    # ---- the walk ---------------------------------------------------------------------------------------------
    def _resolve(self, stack: SynthesizedStack, value: Any, depth: int) -> Any:
        if depth > 50:
            raise ValueError(f"{stack.stack_name}: references nest more than 50 deep")
        if isinstance(value, list):
            items = (self._resolve(stack, item, depth + 1) for item in value)
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref":
                return self._ref(stack, argument)
            if key.startswith("Fn::"):
                return self._function(stack, key, argument, depth)
        resolved = {k: self._resolve(stack, v, depth + 1) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _function(self, stack: SynthesizedStack, name: str, argument: Any, depth: int) -> Any:
        if name == "Fn::GetAtt":
            logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return self._attribute(stack, logical_id, attribute)
        if name == "Fn::GetStackOutput":
            return self._output(str(argument["StackName"]), str(argument["OutputName"]), depth)
        if name == "Fn::ImportValue":
            return self._export(stack, self._resolve(stack, argument, depth + 1), depth)
        arguments = self._resolve(stack, argument, depth + 1)
        if name == "Fn::Join":
            separator, items = arguments
            return separator.join(str(item) for item in items)
        if name == "Fn::Sub":
            return self._sub(stack, argument, depth)
        if name == "Fn::Select":
            index, items = arguments
            if int(index) < len(items):
                return items[int(index)]
            # A part of a value only known at deployment (a custom resource's answer, such as an ARN read from
            # another region): as long as a generated name, the longest part such a value has.
            return _digest(stack.stack_name, "Fn::Select", str(index), json.dumps(items), length=GENERATED_NAME_LIMIT)
        if name == "Fn::Split":
            separator, text = arguments
            return str(text).split(separator)
        if name == "Fn::Base64":
            return base64.b64encode(str(arguments).encode()).decode()
        if name == "Fn::GetAZs":
            return [f"{stack.region}{zone}" for zone in "abc"]
        if name == "Fn::If":
            # Conditions are not evaluated: measure the longer branch, so a quota is never under-counted.
            _, when_true, when_false = arguments
            return max((when_true, when_false), key=lambda branch: len(str(branch)))
        if name == "Fn::FindInMap":
            mapping, first, second = arguments
            return stack.template.get("Mappings", {})[mapping][first][second]
        if name == "Fn::ToJsonString":
            return json.dumps(arguments, separators=(",", ":"))
        # Condition functions (Fn::Equals, Fn::Not, ...) appear only in Conditions and Rules, never in a value.
        return arguments

    def _sub(self, stack: SynthesizedStack, argument: Any, depth: int) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {k: self._resolve(stack, v, depth + 1) for k, v in variables.items()}
        out, rest = [], text
        while "${" in rest:
            before, _, after = rest.partition("${")
            name, _, rest = after.partition("}")
            out.append(before)
            if name.startswith("!"):
                out.append("${" + name[1:] + "}")
            elif name in values:
                out.append(str(values[name]))
            elif "." in name and not name.startswith("AWS::"):
                out.append(str(self._attribute(stack, *name.split(".", 1))))
            else:
                out.append(str(self._ref(stack, name)))
        out.append(rest)
        return "".join(out)

    # ---- references -------------------------------------------------------------------------------------------
    def _ref(self, stack: SynthesizedStack, name: str) -> Any:
        pseudo = {"AWS::Region": stack.region, "AWS::AccountId": stack.account, "AWS::Partition": PARTITION,
                  "AWS::URLSuffix": URL_SUFFIX, "AWS::StackName": stack.stack_name,
                  "AWS::StackId": (f"arn:{PARTITION}:cloudformation:{stack.region}:{stack.account}:stack/"
                                   f"{stack.stack_name}/{_uuid(stack.stack_name)}")}
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in pseudo:
            return pseudo[name]
        parameters = stack.template.get("Parameters", {})
        if name in parameters:
            return parameters[name].get("Default", _digest(stack.stack_name, name, length=GENERATED_NAME_LIMIT))
        resource = stack.template.get("Resources", {}).get(name)
        if resource is None:
            if not self.strict:
                return _digest(stack.stack_name, name, length=GENERATED_NAME_LIMIT)
            raise ValueError(f"{stack.stack_name}: Ref to {name!r}, which is neither a parameter nor a resource")
        kind = resource["Type"]
        if kind in _REF_IS_ARN:
            return self._arn(stack, name, resource)
        if kind in _ID_PREFIXES:
            return _ID_PREFIXES[kind] + _digest(stack.stack_name, name, length=17)
        if kind == "AWS::KMS::Key":
            return _uuid(stack.stack_name, name)
        return self._physical_name(stack, name, resource)

    def _attribute(self, stack: SynthesizedStack, logical_id: str, attribute: str) -> Any:
        resource = stack.template.get("Resources", {}).get(logical_id)
        if resource is None:
            if not self.strict:
                return _generic_attribute(stack, logical_id, attribute)
            raise ValueError(f"{stack.stack_name}: Fn::GetAtt on {logical_id!r}, which is not a resource")
        kind = resource["Type"]
        if attribute == "Arn" or attribute.endswith(".Arn") or attribute == "ClusterArn":
            return self._arn(stack, logical_id, resource)
        if attribute == "GroupId":
            return self._ref(stack, logical_id)
        if attribute.endswith("Uuid"):
            # The platform's bootstrap-brokers function answers the UUID of the cluster whose ARN it is given.
            cluster_arn = resource.get("Properties", {}).get("ClusterArn")
            if cluster_arn is not None and kind.startswith("Custom::"):
                parts = str(self._resolve(stack, cluster_arn, 1)).split("/")
                if len(parts) == 3:
                    return parts[2]
            return _uuid(stack.stack_name, logical_id) + "-2"
        if attribute.startswith("BootstrapBroker"):
            return self._bootstrap_brokers(stack, logical_id)
        if attribute in ("Name", "ServiceName", "ClusterName", "LogGroupName"):
            return self._physical_name(stack, logical_id, resource)
        if attribute.endswith("Revision"):
            return "1"
        if attribute == "CidrBlock":
            return "10.255.0.0/16"
        if attribute in ("KeyId",):
            return _uuid(stack.stack_name, logical_id)
        if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            found = self._parameter_read(stack, resource, attribute)
            if found is not None:
                producer, value = found
                return self._resolve(producer, value, 1)
            return _digest(stack.stack_name, logical_id, attribute, length=GENERATED_NAME_LIMIT)
        return _digest(stack.stack_name, logical_id, attribute, length=32)

    def _output(self, stack_name: str, output_name: str, depth: int) -> Any:
        producer = self.stacks.get(stack_name) or next(
            (other for other in self._universe if other.stack_name == stack_name), None)
        if producer is None and not self.strict:
            return _digest(stack_name, output_name, length=GENERATED_NAME_LIMIT)
        if producer is None:
            raise ValueError(f"a reference to output {output_name} of stack {stack_name}, which is not in this "
                             "environment")
        output = producer.template.get("Outputs", {}).get(output_name)
        if output is None:
            raise ValueError(f"a reference to output {output_name} of stack {stack_name}, which has no such output")
        return self._resolve(producer, output["Value"], depth + 1)

    def _export(self, stack: SynthesizedStack, export_name: str, depth: int) -> Any:
        if self._exports is None:
            self._exports = {}
            for producer in self.stacks.values():
                for output in producer.template.get("Outputs", {}).values():
                    if "Export" in output:
                        name = self._resolve(producer, output["Export"]["Name"], depth + 1)
                        self._exports[str(name)] = (producer, output["Value"])
        if export_name in self._exports:
            producer, value = self._exports[export_name]
            return self._resolve(producer, value, depth + 1)
        # An export of a stack outside this environment (another team's): a realistic generic value.
        return _digest(stack.stack_name, str(export_name), length=GENERATED_NAME_LIMIT)

    def _parameter_read(self, stack: SynthesizedStack, resource: Mapping[str, Any],
                        attribute: str) -> tuple[SynthesizedStack, Any] | None:
        """The parameter an ``AwsCustomResource`` reads with ``SSM.getParameter`` (its ``Parameter.Value``), where a
        stack of the assembly writes it in the same account and the call's region."""
        if attribute != "Parameter.Value" or not self._universe:
            return None
        try:
            call = json.loads(resource.get("Properties", {}).get("Create", ""))
        except (TypeError, ValueError):
            return None
        if not isinstance(call, dict) or (call.get("service"), call.get("action")) != ("SSM", "getParameter"):
            return None
        if self._parameters is None:
            self._parameters = {}
            for producer in self._universe:
                for parameter in producer.template.get("Resources", {}).values():
                    properties = parameter.get("Properties", {})
                    if parameter.get("Type") == "AWS::SSM::Parameter" and isinstance(properties.get("Name"), str):
                        self._parameters[(producer.account, producer.region, properties["Name"])] = (
                            producer, properties.get("Value"))
        name = call.get("parameters", {}).get("Name")
        return self._parameters.get((stack.account, call.get("region", stack.region), name))

    # ---- names ------------------------------------------------------------------------------------------------
    def _physical_name(self, stack: SynthesizedStack, logical_id: str, resource: Mapping[str, Any]) -> str:
        properties = resource.get("Properties", {})
        for key in _NAME_PROPERTIES:
            if isinstance(properties.get(key), str):
                return properties[key]
        head = f"{stack.stack_name}-{logical_id}"[:GENERATED_NAME_LIMIT - 13]
        return f"{head}-{_digest(stack.stack_name, logical_id, length=12, alphabet='ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}"

    def _arn(self, stack: SynthesizedStack, logical_id: str, resource: Mapping[str, Any]) -> str:
        kind = resource["Type"]
        name = self._physical_name(stack, logical_id, resource)
        service, prefix = _ARN_SHAPES.get(kind, (kind.split("::")[1].lower(), kind.split("::")[-1].lower() + "/"))
        region = "" if service == "iam" else stack.region
        if kind == "AWS::MSK::Cluster":
            name = f"{name}/{_uuid(stack.stack_name, logical_id)}-2"
        elif kind == "AWS::KMS::Key":
            name = _uuid(stack.stack_name, logical_id)
        elif kind == "AWS::Logs::LogGroup":
            name = f"{name}:*"
        elif kind == "AWS::SecretsManager::Secret":
            name = f"{name}-{_digest(stack.stack_name, logical_id, length=6)}"
        return f"arn:{PARTITION}:{service}:{region}:{stack.account}:{prefix}{name}"

    def _bootstrap_brokers(self, stack: SynthesizedStack, logical_id: str) -> str:
        """``b-N.<cluster>.<id>.c2.kafka.<region>.amazonaws.com:9098`` for each broker of the stack's cluster."""
        clusters = [r for r in stack.template.get("Resources", {}).values() if r["Type"] == "AWS::MSK::Cluster"]
        count = int(clusters[0]["Properties"].get("NumberOfBrokerNodes", 3)) if clusters else 3
        name = str(clusters[0]["Properties"].get("ClusterName", "cluster")) if clusters else "cluster"
        label = _digest(stack.stack_name, logical_id, length=6, alphabet="abcdefghijklmnopqrstuvwxyz0123456789")
        return ",".join(f"b-{n}.{name}.{label}.c2.kafka.{stack.region}.{URL_SUFFIX}:9098" for n in range(1, count + 1))
