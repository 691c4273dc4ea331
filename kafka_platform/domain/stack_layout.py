"""Which stack holds which consumer service, at any number of services.

CloudFormation takes 500 resources and 200 outputs a stack, and a consumer service costs about 16 resources and 5
outputs: one stack cannot hold the bank's 80 services. Each service goes to the stack of its owning team
(``Consumers-<team>``); services without a team stay in ``Consumers``, where the first services always were.

The layout depends on each service's own declaration and nothing else, so adding, removing or reordering other
services never moves a service to another stack (a move deletes it in one stack and creates it in another).
A team that outgrows one stack is refused before synthesis, with the fix.
"""

from __future__ import annotations

import re
from typing import Protocol, Sequence, TypeVar

from kafka_platform.errors import show

DEFAULT_STACK = "Consumers"
# The most services one consumer stack takes: at most 17 resources and 6 outputs a service (a wake-up alarm
# included), plus the stack's ECS cluster and logs key, stays under 500 resources and 200 outputs with room.
# tests/scale/test_scale_reference.py measures a service's cost and holds this bound to it.
MAX_SERVICES_PER_STACK = 25
# The most connectors (data products' included) the Connect stack takes: at most 80 resources of its own (workers,
# functions, roles, the REST access secret and its rotation, cluster alarms) and at most 4 a connector (its custom resource, its stream-lag and no-heartbeat
# alarms, its database instance's slot-lag alarm) stay under 500 resources. tests/scale/test_scale_reference.py
# measures both and holds this bound to them.
MAX_CONNECTORS_PER_STACK = 100
CONNECT_STACK_OWN_RESOURCES = 80
RESOURCES_PER_CONNECTOR = 4
_TEAM = re.compile(r"^[a-z][a-z0-9-]{1,29}$")


class _Placed(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def team(self) -> str | None: ...


T = TypeVar("T", bound=_Placed)


def consumer_stack_id(team: str | None) -> str:
    return DEFAULT_STACK if team is None else f"{DEFAULT_STACK}-{team}"


def consumer_stacks(consumers: Sequence[T]) -> dict[str, list[T]]:
    """Consumers grouped by the id of the stack that holds them, ``Consumers`` first (it always exists: it is where
    a first service without a team lands, and removing it would delete its ECS cluster)."""
    stacks: dict[str, list[T]] = {DEFAULT_STACK: []}
    for consumer in consumers:
        stacks.setdefault(consumer_stack_id(consumer.team), []).append(consumer)
    return stacks


def consumer_stack_description(stack_id: str) -> str:
    if stack_id == DEFAULT_STACK:
        return "Kafka consumer services scaled on lag"
    return f"Kafka consumer services of team {stack_id.removeprefix(DEFAULT_STACK + '-')}, scaled on lag"


def team_problem(team: str) -> str | None:
    if _TEAM.match(team):
        return None
    return (f"{show(team)} is not a team name; use 2-30 lower-case letters, digits and hyphens, starting with a "
            "letter, such as lending")


def layout_problems(consumers: Sequence[T]) -> list[tuple[str, str]]:
    """``(consumer name, message)`` for each service in a stack over ``MAX_SERVICES_PER_STACK``."""
    problems = []
    for stack_id, members in consumer_stacks(consumers).items():
        if len(members) <= MAX_SERVICES_PER_STACK:
            continue
        owner = "services without a team" if stack_id == DEFAULT_STACK else f"team {members[0].team}"
        for consumer in members[MAX_SERVICES_PER_STACK:]:
            problems.append((consumer.name, (
                f"is service {members.index(consumer) + 1} of the {len(members)} {owner}, but one stack ({stack_id}) "
                f"holds at most {MAX_SERVICES_PER_STACK} (500 resources); give this service a team of its own, "
                "such as the team's name with a suffix (a service that already runs is replaced when it moves, so "
                "move the newest ones)")))
    return problems


def dashboard_name(environment: str) -> str:
    """The environment's dashboard (the Observability stack's), named in every alarm's description."""
    return f"kafka-platform-{environment}"


def replication_dashboard_name(environment: str) -> str:
    """A standby's replication dashboard (its Replication stack's), named in the replicator's alarms."""
    return f"{environment}-replication"
