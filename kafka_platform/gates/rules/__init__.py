"""Rules of the KafkaPlatform pack: one per module, each a pure function of one CloudFormation resource.

A check returns ``COMPLIANT``, ``NOT_APPLICABLE``, or the list of its findings (each acknowledged separately as
``KafkaPlatform-<Rule>[<finding>]``); an empty list is compliant.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping


class Compliance(enum.Enum):
    COMPLIANT = "COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"


@dataclass(frozen=True)
class Resource:
    """One CloudFormation resource as a rule sees it: type, resolved properties and CloudFormation metadata."""

    type: str
    properties: Mapping[str, Any]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    path: str = ""


@dataclass(frozen=True)
class DeclaredTopology:
    """What an environment declares: topics with their partitions, and consumer groups with the topics they read."""

    topic_partitions: Mapping[str, int]
    consumer_groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Each data product's topic, with the pii columns it publishes in clear (none, when it is declared correctly).
    data_product_topics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


Result = Compliance | list[str]


@dataclass(frozen=True)
class Rule:
    name: str
    resource_types: tuple[str, ...]
    info: str
    explanation: str
    check: Callable[[Resource, DeclaredTopology | None], Result]


def is_intrinsic(value: Any) -> bool:
    """A value CloudFormation computes at deploy time (Ref, Fn::GetAtt, ...): known to exist, unknown in content."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::"))


def listed(value: Any) -> list[Any]:
    """A CloudFormation/IAM value that may be one item or a list of them, as a list."""
    return value if isinstance(value, list) else [value]


def allowed_grants(document: Any) -> Iterator[tuple[str, Any]]:
    """``(action, resource)`` of every ``Allow`` statement of an IAM policy document, one pair at a time."""
    statements = document.get("Statement", []) if isinstance(document, Mapping) else []
    for statement in listed(statements):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        for action in listed(statement.get("Action", [])):
            for resource in listed(statement.get("Resource", [])):
                yield str(action), resource


def dig(properties: Mapping[str, Any], *path: str) -> Any:
    """``dig(p, "A", "B")`` is ``p["A"]["B"]``, or None where any level is missing."""
    node: Any = properties
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node
