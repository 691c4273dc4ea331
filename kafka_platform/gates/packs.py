"""Registering the compliance packs on an app: they run at synthesis, over every stage."""

from __future__ import annotations

from typing import Mapping

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks

from kafka_platform.gates.platform_pack import KafkaPlatformChecks
from kafka_platform.gates.rules import DeclaredTopology


def register_gates(app: App, topologies: Mapping[str, DeclaredTopology]) -> None:
    """Run every pack over the whole app at synthesis; ``topologies`` maps stage names to what they declare."""
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, verbose=True),
        PCIDSS321Checks(app, verbose=True),
        NIST80053R5Checks(app, verbose=True),
        KafkaPlatformChecks(app, topologies=topologies),
    )
