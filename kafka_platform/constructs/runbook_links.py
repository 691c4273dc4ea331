"""``RunbookLinks``: an aspect that ends every alarm's description with its runbook and its dashboard.

The platform's stages apply it (``stacks.stage``); a team's own app may too::

    Aspects.of(app).add(RunbookLinks(dashboard="kafka-platform-prod"))

An alarm of no known kind (``domain.runbooks.KINDS``) is an error at synthesis: every alarm that pages must say what
to do.
"""

from __future__ import annotations

import jsii
from aws_cdk import Annotations, IAspect, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import IConstruct

from kafka_platform.domain import runbooks


@jsii.implements(IAspect)
class RunbookLinks:
    def __init__(self, *, dashboard: str, replication_dashboard: str | None = None) -> None:
        """
        :param dashboard: the dashboard a responder opens first (the platform's: ``kafka-platform-<env>``).
        :param replication_dashboard: the standby's replication dashboard, for the replicator's alarms; default:
            ``dashboard``.
        """
        self.dashboard: str = dashboard
        self.replication_dashboard: str = replication_dashboard or dashboard

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, cloudwatch.CfnAlarm):
            return
        alarm = node.node.scope
        parent = alarm.node.scope if alarm is not None else None
        kind = runbooks.kind_of(parent.node.id if parent is not None else "", alarm.node.id if alarm else "")
        if kind is None:
            Annotations.of(node).add_error(
                f"{node.node.path}: this alarm has no runbook kind; add its construct id to "
                "kafka_platform/domain/runbooks.py KINDS and write docs/operations/runbooks/<kind>.md")
            return
        description = node.alarm_description or ""
        if Token.is_unresolved(description) or "Runbook: " in description:
            return
        dashboard = self.replication_dashboard if kind in runbooks.REPLICATOR_KINDS else self.dashboard
        node.alarm_description = runbooks.with_runbook(description, kind, dashboard)
