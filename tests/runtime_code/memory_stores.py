"""In-memory stand-ins for what the Connect functions read and keep in AWS: CloudWatch's metrics, the health
monitor's state (an SSM parameter), their stack in CloudFormation (its status and deployed template: the connectors'
declarations), Secrets Manager (a value, or a secret's versions and their rotation stages); and an HTTP answer for a replaced ``urlopen``."""

from __future__ import annotations

import json
from typing import Any


class RecordingCloudWatch:
    """Every PutMetricData request as sent (``requests``), and their metrics in one list (``metric_data``)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.metric_data: list[dict[str, Any]] = []

    def put_metric_data(self, **request: Any) -> None:
        self.requests.append(request)
        self.metric_data.extend(request["MetricData"])


class MemoryState:
    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self.state: dict[str, Any] = {} if state is None else state

    def load(self) -> dict[str, Any]:
        return dict(self.state)

    def save(self, state: dict[str, Any]) -> None:
        self.state.clear()
        self.state.update(state)


class Secrets:
    """Secrets Manager's GetSecretValue: ``value`` as the SecretString, or ``error`` raised; ids asked are recorded."""

    def __init__(self, value: str | None = None, error: Exception | None = None) -> None:
        self.value, self.error, self.calls = value, error, []

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls.append(SecretId)
        if self.error:
            raise self.error
        return {"SecretString": self.value}


class VersionedSecret:
    """Secrets Manager's versions of one secret and their stages, as the rotation protocol uses them. ``rotate``
    is RotateSecret: it labels a new version id AWSPENDING, with no value yet, before invoking the steps."""

    class exceptions:  # noqa: N801 - boto3's shape
        class ResourceNotFoundException(Exception):
            pass

    def __init__(self, value: dict | str) -> None:
        self.versions: dict[str, tuple[str | None, list[str]]] = {
            "v1": (value if isinstance(value, str) else json.dumps(value), ["AWSCURRENT"])}
        self.calls: list[str] = []

    def rotate(self, token: str = "v2") -> None:
        self.versions[token] = (None, ["AWSPENDING"])

    def current(self) -> dict:
        return json.loads(next(v for v, stages in self.versions.values() if "AWSCURRENT" in stages))

    def describe_secret(self, SecretId):  # noqa: N803
        self.calls.append("DescribeSecret")
        return {"VersionIdsToStages": {k: list(stages) for k, (_, stages) in self.versions.items()}}

    def get_secret_value(self, SecretId, VersionId=None, VersionStage="AWSCURRENT"):  # noqa: N803
        self.calls.append("GetSecretValue")
        for version, (value, stages) in self.versions.items():
            if VersionId in (None, version) and VersionStage in stages and value is not None:
                return {"SecretString": value, "VersionId": version}
        raise self.exceptions.ResourceNotFoundException(VersionStage)

    def put_secret_value(self, SecretId, SecretString, ClientRequestToken=None, VersionStages=None):  # noqa: N803
        self.calls.append("PutSecretValue")
        stages = VersionStages or ["AWSCURRENT"]
        if "AWSCURRENT" in stages:
            for version, (value, old) in list(self.versions.items()):
                if "AWSCURRENT" in old:
                    self.versions[version] = (value, ["AWSPREVIOUS"])
        self.versions[ClientRequestToken or f"v{len(self.versions) + 1}"] = (SecretString, list(stages))

    def update_secret_version_stage(self, SecretId, VersionStage, MoveToVersionId, RemoveFromVersionId):  # noqa: N803
        self.calls.append("UpdateSecretVersionStage")
        value, _ = self.versions[RemoveFromVersionId]
        self.versions[RemoveFromVersionId] = (value, ["AWSPREVIOUS"])
        value, _ = self.versions[MoveToVersionId]
        self.versions[MoveToVersionId] = (value, [VersionStage])


class Answer:
    """What a replaced ``urllib.request.urlopen`` returns: a 200 whose body is ``body``."""

    status = 200

    def __init__(self, body: bytes = b"") -> None:
        self.body = body

    def __enter__(self) -> "Answer":
        return self

    def __exit__(self, *exc: Any) -> bool:
        return False

    def read(self) -> bytes:
        return self.body


class FakeCloudFormation:
    """CloudFormation's answers about one stack (``DescribeStacks``, ``GetTemplate``, ``DescribeStackResource``):
    its status, its last deployment, the template it holds and its resources' physical ids. ``declare`` puts a
    resource in the template as the construct writes it (a connector with its ``DeclaredDigest``)."""

    STACK_ID = "arn:aws:cloudformation:eu-west-2:111111111111:stack/Dev-Connect/0a1b2c3d"

    def __init__(self, status: str = "UPDATE_COMPLETE", stack_id: str = STACK_ID) -> None:
        self.stack_id, self.status, self.last_updated = stack_id, status, "2026-12-01T09:00:00+00:00"
        self.template: dict[str, Any] = {"Resources": {}}
        self.physical: dict[str, str] = {}
        self.calls: list[str] = []

    def declare(self, logical_id: str, resource_type: str, properties: dict[str, Any]) -> dict[str, Any]:
        from tests.runtime_code.lambda_modules import load

        declared = {k: v for k, v in properties.items() if k != "ServiceToken"}
        if resource_type == "Custom::KafkaConnector":
            declared["DeclaredDigest"] = load("declaration").declaration_digest(
                declared["ConnectorName"], declared.get("Config", {}), declared.get("DesiredState", "running"),
                declared.get("SlotOnDelete", "retain"))
        self.template["Resources"][logical_id] = {"Type": resource_type, "Properties": declared}
        return declared

    def _stack(self, name: str) -> None:
        if name != self.stack_id:
            raise RuntimeError(f"stack {name} does not exist")

    def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls.append("DescribeStacks")
        self._stack(StackName)
        return {"Stacks": [{"StackId": self.stack_id, "StackStatus": self.status,
                            "LastUpdatedTime": self.last_updated}]}

    def get_template(self, StackName: str, TemplateStage: str) -> dict[str, Any]:  # noqa: N803 - boto3's names
        self.calls.append("GetTemplate")
        self._stack(StackName)
        return {"TemplateBody": json.dumps(self.template)}

    def describe_stack_resource(self, StackName: str, LogicalResourceId: str) -> dict[str, Any]:  # noqa: N803
        self.calls.append("DescribeStackResource")
        self._stack(StackName)
        return {"StackResourceDetail": {"LogicalResourceId": LogicalResourceId,
                                        "PhysicalResourceId": self.physical[LogicalResourceId]}}
