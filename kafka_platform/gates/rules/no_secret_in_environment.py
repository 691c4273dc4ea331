"""No secret in clear in a task's environment variables, a function's environment, or a connector configuration.

Secrets reach ECS tasks as ``secrets`` (from Secrets Manager, injected at start) and connectors as
``${env:NAME}`` references to those; a value in a template is readable by anyone who can read the stack.
"""

from typing import Any, Iterator

from kafka_platform.domain.debezium import CONNECTOR_RESOURCE_TYPE
from kafka_platform.domain.secrets import secret_problem
from kafka_platform.gates.rules import DeclaredTopology, Resource, Result, Rule, dig


def _pairs(resource: Resource) -> Iterator[tuple[str, Any]]:
    if resource.type == "AWS::ECS::TaskDefinition":
        for container in resource.properties.get("ContainerDefinitions") or []:
            for variable in container.get("Environment") or []:
                yield variable.get("Name", ""), variable.get("Value")
    elif resource.type == "AWS::Lambda::Function":
        yield from (dig(resource.properties, "Environment", "Variables") or {}).items()
    elif resource.type == CONNECTOR_RESOURCE_TYPE:
        yield from (resource.properties.get("Config") or {}).items()


def check(resource: Resource, topology: DeclaredTopology | None = None) -> Result:
    return sorted({f"Variable::{name}" for name, value in _pairs(resource) if secret_problem(name, value)})


RULE = Rule(
    name="NoSecretInEnvironment",
    resource_types=("AWS::ECS::TaskDefinition", "AWS::Lambda::Function", CONNECTOR_RESOURCE_TYPE),
    info="A task environment variable, function environment variable or connector setting looks like a secret "
         "written in clear.",
    explanation="Pass secrets as ECS secrets from Secrets Manager (or name where a connector's is: NAME_FROM_SECRET), "
                "and to connectors as ${env:NAME} references to "
                "them; values in a template are visible to everyone who can read the stack.",
    check=check)
