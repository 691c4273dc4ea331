"""Registering the compliance packs on an app: they run at synthesis, over every stage."""

from __future__ import annotations

from typing import Mapping

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks

from kafka_platform.gates.permission_contracts import PermissionContracts
from kafka_platform.gates.platform_pack import KafkaPlatformChecks
from kafka_platform.gates.rules import DeclaredTopology


def register_gates(app: App, topologies: Mapping[str, DeclaredTopology] | DeclaredTopology) -> None:
    """Run the bank's gates over the whole app at synthesis: cdk-nag's AwsSolutions, PCI DSS 3.2.1 and NIST 800-53
    rev 5 packs, the platform's own rules (``KafkaPlatformChecks``), and the permission contracts
    (``PermissionContracts``: would AWS itself be allowed the calls it makes for the app). An unacknowledged finding,
    and any refused call, fails synthesis.

    ``topologies`` is what the app declares, which the platform's rules check consumers and lag alarms against: one
    ``DeclaredTopology`` for an app without stages (a team's own app: the topics it consumes, with their partitions,
    and its consumer groups), or a mapping from stage name to each stage's (the platform's environments, from
    ``declared_topology``)."""
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, verbose=True),
        PCIDSS321Checks(app, verbose=True),
        NIST80053R5Checks(app, verbose=True),
        KafkaPlatformChecks(app, topologies=topologies),
        PermissionContracts(),
    )
