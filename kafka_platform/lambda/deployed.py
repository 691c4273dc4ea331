"""The connectors the deployed template declares, read from CloudFormation itself: the one source both the
reconciler and the health monitor trust.

Nothing between deployments can change it: the template changes only through a deployment of the stack (a
``cloudformation:UpdateStack``, which is the change process), not through an SSM parameter or an invocation of a
function. So the health monitor never restores, and the prune never spares, anything the deployed template does not
declare; and the reconciler applies a request only if it is what the template declares for that resource.

``DeployedStack`` reads the stack the function belongs to (``STACK_ID``, set when it is deployed):
``DescribeStacks`` (its status), ``GetTemplate`` (its connectors, ``Custom::KafkaConnector`` resources of this
Connect cluster) and ``DescribeStackResource`` (the ARN of a salt a data product's config names). During a stack
operation ``GetTemplate`` returns the template being deployed (assumed from the API reference, which does not say;
both the reconciler's refusal and the monitor's pause while the stack is in progress hold either way).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Mapping

from declaration import declaration_digest

CONNECTOR_TYPE = "Custom::KafkaConnector"
#: ``<variable>_FROM_SECRET``: the workers' credentials provider reads ``${env:<variable>}`` from that secret
#: (``domain.connect_worker.CREDENTIAL_SOURCE_SUFFIX``; the Lambda bundle holds only this folder).
SOURCE_SUFFIX = "_FROM_SECRET"
PRUNE_TYPE = "Custom::KafkaConnectorPrune"
#: The stack is settled: what its template declares is what is deployed.
SETTLED = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
                     "IMPORT_ROLLBACK_COMPLETE"})
#: CloudFormation deletes resources in these states: a removed or renamed resource (cleanup after an update), or one
#: created by a failed update or creation (rollback).
DELETING_RESOURCES = frozenset({"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS",
                                "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "ROLLBACK_IN_PROGRESS",
                                "IMPORT_ROLLBACK_IN_PROGRESS"})
STACK_DELETION = "DELETE_IN_PROGRESS"


class TemplateError(Exception):
    """The deployed template could not be read, or says something it must not."""


@dataclass(frozen=True)
class Declaration:
    """One connector as the deployed template declares it."""

    logical_id: str
    config: dict[str, str]
    state: str
    slot_on_delete: str
    salt_secret: str | None
    digest: str

    def as_dict(self) -> dict[str, Any]:
        """The shape the drift check reads."""
        return {"config": self.config, "state": self.state, "salt_secret": self.salt_secret}


class DeployedStack:
    """The function's own stack, read from CloudFormation (``cloudformation``: a boto3 client, or a stand-in)."""

    def __init__(self, stack_id: str, cloudformation: Any):
        self.stack_id = stack_id
        self.cloudformation = cloudformation
        self._template: dict[str, Any] | None = None
        self._description: Mapping[str, Any] | None = None

    def _described(self) -> Mapping[str, Any]:
        if self._description is None:
            self._description = self.cloudformation.describe_stacks(StackName=self.stack_id)["Stacks"][0]
        return self._description

    def status(self) -> str:
        return str(self._described()["StackStatus"])

    def last_deployed(self) -> str:
        """When a deployment last changed the stack (its creation, or its last update)."""
        described = self._described()
        return str(described.get("LastUpdatedTime") or described.get("CreationTime"))

    def template(self) -> dict[str, Any]:
        if self._template is None:
            body = self.cloudformation.get_template(StackName=self.stack_id, TemplateStage="Original")["TemplateBody"]
            self._template = body if isinstance(body, dict) else json.loads(body)
        return self._template

    def resource(self, logical_id: str) -> Mapping[str, Any] | None:
        return self.template().get("Resources", {}).get(logical_id)

    def connectors(self, connect_url: str) -> dict[str, Declaration]:
        """Every connector of the Connect cluster at ``connect_url`` that the template declares, by name. A
        declaration whose digest does not match its own properties is an error: nothing is trusted then."""
        found: dict[str, Declaration] = {}
        for logical_id, resource in self.template().get("Resources", {}).items():
            properties = resource.get("Properties", {})
            if resource.get("Type") != CONNECTOR_TYPE or properties.get("ConnectUrl") != connect_url:
                continue
            name = str(properties["ConnectorName"])
            config = {str(k): str(v) for k, v in properties.get("Config", {}).items()}
            state, slot = str(properties.get("DesiredState", "running")), str(properties.get("SlotOnDelete",
                                                                                            "retain"))
            digest = declaration_digest(name, config, state, slot)
            if properties.get("DeclaredDigest") != digest:
                raise TemplateError(f"the template's declaration of {name} ({logical_id}) does not match its digest")
            salt = properties.get("HashSaltSecretArn")
            if isinstance(salt, dict) and "Ref" in salt:
                salt = self.physical_id(salt["Ref"])
            found[name] = Declaration(logical_id, config, state, slot, None if salt is None else str(salt), digest)
        return found

    def credential_sources(self) -> dict[str, str]:
        """``{variable: secret ARN}``: where the workers' credentials provider reads each ``${env:variable}`` from
        (the task definition's ``<variable>_FROM_SECRET=<ARN>#<field>``)."""
        found: dict[str, str] = {}
        for resource in self.template().get("Resources", {}).values():
            if resource.get("Type") != "AWS::ECS::TaskDefinition":
                continue
            for container in resource.get("Properties", {}).get("ContainerDefinitions", []):
                for entry in container.get("Environment", []):
                    name, value = entry.get("Name"), entry.get("Value")
                    if isinstance(name, str) and name.endswith(SOURCE_SUFFIX) and isinstance(value, str):
                        found[name.removesuffix(SOURCE_SUFFIX)] = value.rsplit("#", 1)[0]
        return found

    def physical_id(self, logical_id: str) -> str:
        found = self.cloudformation.describe_stack_resource(StackName=self.stack_id, LogicalResourceId=logical_id)
        return str(found["StackResourceDetail"]["PhysicalResourceId"])


def own_stack(cloudformation: Any = None) -> DeployedStack:
    """The stack ``STACK_ID`` names (a boto3 client is made when none is given)."""
    stack_id = os.environ.get("STACK_ID")
    if not stack_id:
        raise TemplateError("STACK_ID is not set: this function knows no stack whose template it applies")
    if cloudformation is None:
        import boto3

        cloudformation = boto3.client("cloudformation")
    return DeployedStack(stack_id, cloudformation)
