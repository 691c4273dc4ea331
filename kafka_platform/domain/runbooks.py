"""Which runbook answers which alarm: every alarm the platform creates is of one kind, and each kind has a runbook in
``docs/operations/runbooks/<kind>.md``.

An alarm's kind is read from its construct id (public API: stable across releases), so the mapping is one table and a
new alarm without a kind fails synthesis in the platform's stages (``constructs.runbook_links``).
"""

from __future__ import annotations

import re
from importlib import metadata

#: CloudWatch's limit on an alarm's description (PutMetricAlarm, AlarmDescription: 0-1024 characters):
#: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
ALARM_DESCRIPTION_MAX = 1024

#: ``(pattern on "<parent id>/<alarm id>", kind)``, first match wins.
KINDS: tuple[tuple[str, str], ...] = (
    (r"/Delay$", "consumer-delay"),
    (r"/MissingLag$", "consumer-lag-missing"),
    (r"/(ScaleOutAlarm|ScaleInAlarm)$|^WakeUp/Alarm$", "consumer-scaling"),
    (r"/NoWorkerAlarm$", "connect-no-worker"),
    (r"/CpuAlarm$", "connect-cpu"),
    (r"/FailedConnectorsAlarm$", "connect-failed-connectors"),
    (r"/FailedTasksAlarm$", "connect-failed-tasks"),
    (r"/CredentialsRefusedAlarm$", "connect-credentials-refused"),
    (r"/StreamsUnwatchedAlarm$", "connect-streams-unwatched"),
    (r"/DriftAlarm$", "connect-drift"),
    (r"/PruneRefusedAlarm$", "connect-prune-refused"),
    (r"/RefusedRequestsAlarm$", "connect-refused-requests"),
    (r"^RestAccess/RotationFailedAlarm$", "connect-rest-rotation-failed"),
    (r"/StreamLagAlarm$", "stream-lag"),
    (r"/NoHeartbeatAlarm$", "no-heartbeat"),
    (r"/SlotLagAlarm-.+$", "slot-lag"),
    (r"^ClusterAlarms/cpu-broker-\d+$", "broker-cpu"),
    (r"^ClusterAlarms/disk-broker-\d+$", "broker-disk"),
    (r"^ClusterAlarms/heap-broker-\d+$", "broker-heap"),
    (r"^ClusterAlarms/under-min-isr-broker-\d+$", "under-min-isr"),
    (r"^ClusterAlarms/offline-partitions$", "offline-partitions"),
    (r"^ClusterAlarms/active-controller$", "active-controller"),
    (r"/FailureAlarm$", "replicator-failed"),
    (r"/LatencyAlarm$", "replicator-latency"),
    (r"/LagGrowingAlarm$", "replicator-lag-growing"),
    (r"/StalledAlarm$", "replicator-stalled"),
)
REPLICATOR_KINDS = frozenset(kind for _, kind in KINDS if kind.startswith("replicator-"))
RUNBOOK_DIRECTORY = "docs/operations/runbooks"


def kind_of(parent_id: str, alarm_id: str) -> str | None:
    """The kind of the alarm construct ``alarm_id`` under ``parent_id``, or None for an alarm no runbook covers."""
    key = f"{parent_id}/{alarm_id}"
    return next((kind for pattern, kind in KINDS if re.search(pattern, key)), None)


def documentation_url() -> str:
    """The Documentation URL the package declares (pyproject's ``[project.urls]``), so a link follows the
    repository it was built from."""
    for entry in metadata.metadata("cdk-kafka-platform").get_all("Project-URL") or ():
        label, _, url = entry.partition(",")
        if label.strip() == "Documentation":
            return url.strip().rstrip("/")
    raise LookupError("the package declares no Documentation URL in pyproject.toml's [project.urls]")


def runbook_url(kind: str) -> str:
    """``<Documentation URL>/operations/runbooks/<kind>.md``: the Documentation URL names the ``docs`` folder."""
    return f"{documentation_url()}/operations/runbooks/{kind}.md"


def with_runbook(description: str, kind: str, dashboard: str) -> str:
    """The description, then the runbook and the dashboard; the description is shortened (never the link) to stay
    within CloudWatch's limit."""
    tail = f" Runbook: {runbook_url(kind)} Dashboard: {dashboard}"
    room = ALARM_DESCRIPTION_MAX - len(tail)
    text = description.rstrip()
    if len(text) > room:
        text = text[:room - 1].rstrip() + "…"
    return text + tail
