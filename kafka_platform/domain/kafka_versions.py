"""Amazon MSK's Kafka versions as sourced data: metadata mode, support dates, features, and the upgrades MSK offers.

Every check returns ``None`` (or nothing) when the input is fine, or a message with the value and the fix.

Sources (read 2026-12):
* Versions, MSK release dates and end-of-support dates: https://docs.aws.amazon.com/msk/latest/developerguide/supported-kafka-versions.html
  (3.7.x's date, 2026-09-01, as that table publishes it; https://endoflife.date/amazon-msk tracks the same table).
  The table names each line once; a line's ``.kraft`` variant is given the same dates (*inferred*).
* Policy: "A cluster using a Kafka version after its end of support date is auto-upgraded to the recommended Kafka
  version ... at any time after the end of support date. You will not receive any notification", and "MSK will phase
  out support for newly created clusters that use Kafka versions with published end of support dates":
  https://docs.aws.amazon.com/msk/latest/developerguide/version-support.html
* Upgrades: in place to a newer version; "You can't downgrade an existing MSK cluster":
  https://docs.aws.amazon.com/msk/latest/developerguide/version-upgrades.html. The exact targets of one cluster are
  what ``aws kafka get-compatible-kafka-versions`` answers; this table is what can be decided offline.
* ZooKeeper to KRaft: "You can migrate an existing ZooKeeper-based MSK cluster to KRaft mode using the
  UpdateClusterKafkaVersion API. The migration is performed in-place", from ``3.9.x`` only, with prerequisites (3
  availability zones for Standard brokers, not ``kafka.t3.small``, ZooKeeper client access disabled, no public access
  together with open monitoring, no dynamically set ``advertised.listeners``):
  https://docs.aws.amazon.com/msk/latest/developerguide/zk-to-kraft-migration.html (launched 2026-08). Before that
  launch a new cluster was the only way ("KRaft mode is only available for new clusters":
  https://docs.aws.amazon.com/msk/latest/developerguide/metadata-management.html). KRaft never goes back to ZooKeeper.
* Kafka 4 runs only on KRaft (KIP-500, https://cwiki.apache.org/confluence/display/KAFKA/KIP-500); "Clusters in
  ZooKeeper mode have to be migrated to KRaft mode before they can be upgraded" to 4.x
  (https://kafka.apache.org/43/getting-started/upgrade/): so a ZooKeeper cluster reaches 4.x through 3.9.x.kraft.
* Kafka 4 removes the client protocols older than 2.1 (KIP-896,
  https://cwiki.apache.org/confluence/display/KAFKA/KIP-896): clients are checked before a cluster crosses to 4.x.
* Features: tiered storage "3.6.0 or higher" (https://docs.aws.amazon.com/msk/latest/developerguide/msk-tiered-storage.html);
  MSK Replicator "2.7.0 or higher" (https://docs.aws.amazon.com/msk/latest/developerguide/msk-replicator-requirements.html);
  multi-VPC private connectivity "2.7.1 or higher" (https://docs.aws.amazon.com/msk/latest/developerguide/aws-access-mult-vpc.html);
  IAM access control on every version listed here. 4.2.x.kraft runs on Express brokers only, not on the Standard
  brokers this platform provisions (aws-cdk-lib's msk-alpha ``KafkaVersion.V4_2_X_KRAFT``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from kafka_platform.errors import show


@dataclass(frozen=True)
class MskVersion:
    name: str
    kraft: bool
    released: date | None
    end_of_support: date | None = None
    standard_brokers: bool = True

    @property
    def numbers(self) -> tuple[int, int]:
        major, minor = self.name.split(".")[:2]
        return int(major), int(minor)

    @property
    def mode(self) -> str:
        return "KRaft" if self.kraft else "ZooKeeper"


def _line(name: str, released: date, end_of_support: date | None = None, zookeeper: bool = True) -> list[MskVersion]:
    kraft = [MskVersion(f"{name}.kraft", True, released, end_of_support)] if name.endswith(".x") else []
    return ([MskVersion(name, False, released, end_of_support)] if zookeeper else []) + kraft


VERSIONS: tuple[MskVersion, ...] = (
    *_line("3.5.1", date(2023, 9, 26), date(2025, 10, 23)),
    *_line("3.6.0", date(2023, 11, 16), date(2026, 6, 1)),
    *_line("3.7.x", date(2024, 5, 29), date(2026, 9, 1)),
    *_line("3.8.x", date(2025, 2, 20)),
    *_line("3.9.x", date(2025, 4, 21)),
    *_line("4.0.x", date(2025, 5, 16), zookeeper=False),
    *_line("4.1.x", date(2025, 10, 15), zookeeper=False),
    MskVersion("4.2.x.kraft", True, None, standard_brokers=False),
)
BY_NAME = {v.name: v for v in VERSIONS}
KNOWN_KAFKA_VERSIONS: tuple[str, ...] = tuple(v.name for v in VERSIONS)

#: What the shipped environments run, and the fix every refusal names: the newest version MSK offers on Standard
#: brokers. Each feature the platform uses holds on it (see the module's sources): IAM, tiered storage, MSK Replicator,
#: multi-VPC connectivity, and the bank's broker properties (``msk.BANK_SERVER_PROPERTIES``, each a broker setting
#: Kafka 4 keeps and MSK's custom configuration accepts). *Inferred*: MSK publishes ActiveControllerCount for KRaft
#: clusters as before ("you don't need to monitor additional CloudWatch metrics for KRaft clusters",
#: https://docs.aws.amazon.com/msk/latest/developerguide/metadata-management.html), so its alarm is kept.
RECOMMENDED = "4.1.x.kraft"
#: The one version MSK migrates from ZooKeeper to KRaft in place, and the KRaft version it lands on.
MIGRATES_IN_PLACE = ("3.9.x", "3.9.x.kraft")

TIERED_STORAGE_MIN = (3, 6)
REPLICATOR_MIN = (2, 7)
CLIENT_PROTOCOL_FLOOR = "2.1"

_PATTERN = re.compile(r"^(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?:\d+|x))*(?P<suffix>(?:\.[a-z]+)*)$")


def parse(name: str) -> MskVersion | None:
    """A version from the table, or one read from a template that the table no longer lists (its mode and numbers)."""
    if name in BY_NAME:
        return BY_NAME[name]
    match = _PATTERN.match(str(name))
    if match is None:
        return None
    kraft = match["suffix"] == ".kraft" or int(match["major"]) >= 4
    return MskVersion(str(name), kraft, None)


def _key(version: MskVersion) -> tuple[tuple[int, ...], int]:
    numbers = tuple(int(p) for p in re.findall(r"\d+", version.name.split(".kraft")[0].split(".tiered")[0]))
    return numbers, 1 if version.kraft else 0


def unknown_problem(name: str) -> str | None:
    if name in BY_NAME:
        return None
    return f"{show(name)} is not an MSK Kafka version; use one of {', '.join(KNOWN_KAFKA_VERSIONS)}"


def version_problem(name: str, *, today: date, zookeeper_mode_reason: str | None = None) -> str | None:
    """Whether a cluster may run ``name`` (a known version): not past its end of support, on Standard brokers, and in
    KRaft mode unless the cluster already exists in ZooKeeper mode (``zookeeper_mode_reason``; the plan checks that
    the approved templates hold it)."""
    version = BY_NAME.get(name)
    if version is None:
        return None
    if not version.standard_brokers:
        return f"{show(name)} runs on MSK Express brokers only; this platform provisions Standard brokers: use {RECOMMENDED}"
    if version.end_of_support is not None and version.end_of_support <= today:
        return (f"{show(name)} reached MSK's end of support on {version.end_of_support}: MSK upgrades such clusters "
                f"at any time without notice, and creates none: use {RECOMMENDED}")
    if not version.kraft and not zookeeper_mode_reason:
        return (f"{show(name)} creates the cluster in ZooKeeper mode, which Kafka 4 no longer has (3.9 is its last "
                f"line) and which MSK leaves only by an in-place migration from 3.9.x: use {RECOMMENDED}. A cluster "
                "that already runs in ZooKeeper mode keeps its version by saying why in zookeeper_mode_reason")
    return None


def support_warning(name: str, *, today: date) -> str | None:
    """What an existing cluster's operators must know about its version: ZooKeeper mode, and its end of support."""
    version = parse(name)
    if version is None:
        return None
    notes = []
    if version.end_of_support is not None:
        notes.append(f"MSK ends its support on {version.end_of_support}" if version.end_of_support > today
                     else f"MSK ended its support on {version.end_of_support} and may upgrade it at any time")
    elif name not in BY_NAME:
        notes.append("MSK no longer lists it")
    if not version.kraft:
        if not version.end_of_support:
            notes.append("MSK has published no end-of-support date yet")
        path = ("migrate it in place to 3.9.x.kraft" if name == MIGRATES_IN_PLACE[0]
                else "upgrade it to 3.9.x, then migrate it in place to 3.9.x.kraft")
        return f"{name} runs in ZooKeeper mode, which Kafka 4 no longer has ({'; '.join(notes)}): {path}"
    if notes:
        return f"{name}: {'; '.join(notes)}: upgrade to {RECOMMENDED}"
    return None


@dataclass(frozen=True)
class ClusterFacts:
    """What an upgrade's prerequisites depend on, read from the cluster's template."""

    instance_type: str | None = None
    zones: int | None = None
    tiered_storage: bool = False
    replicated: bool = False


def upgrade_problems(before: str, after: str, *, today: date, cluster: ClusterFacts = ClusterFacts()) -> list[str]:
    """Why MSK would refuse moving a running cluster from ``before`` to ``after`` (empty: it is offered), each as
    ``"<before> (<mode>) to <after> (<mode>): <why and the fix>"``."""
    old, new = parse(before), parse(after)
    if old is None or new is None or before == after:
        return []
    change = f"{before} ({old.mode}) to {after} ({new.mode})"
    if old.kraft and not new.kraft:
        return [f"{change}: a return to ZooKeeper mode, which MSK never does; keep {before}"]
    if _key(new) < _key(old):
        return [f"{change}: a downgrade, which MSK never does; keep {before}"]
    reasons = []
    if not old.kraft and new.kraft:
        if before != MIGRATES_IN_PLACE[0]:
            reasons.append(f"MSK migrates to KRaft in place only from {MIGRATES_IN_PLACE[0]}; upgrade to "
                           f"{MIGRATES_IN_PLACE[0]} first")
        elif after != MIGRATES_IN_PLACE[1]:
            reasons.append(f"a ZooKeeper cluster reaches {after} through {MIGRATES_IN_PLACE[1]} (the in-place "
                           f"migration), then an upgrade; deploy {MIGRATES_IN_PLACE[1]} first")
        if cluster.instance_type == "kafka.t3.small":
            reasons.append("MSK does not migrate kafka.t3.small brokers to KRaft; move to kafka.m7g.large (a "
                           "deployment of its own) first")
        if cluster.zones is not None and cluster.zones != 3:
            reasons.append(f"MSK migrates Standard brokers to KRaft only across 3 availability zones; this cluster "
                           f"has {cluster.zones}")
    if after not in BY_NAME:
        reasons.append(f"{after} is not a version MSK offers ({', '.join(KNOWN_KAFKA_VERSIONS)})")
    elif not new.standard_brokers:
        reasons.append(f"{after} runs on MSK Express brokers only, and this cluster has Standard brokers")
    if new.end_of_support is not None and new.end_of_support <= today:
        reasons.append(f"{after} reached MSK's end of support on {new.end_of_support}; upgrade to {RECOMMENDED}")
    if cluster.tiered_storage and new.numbers < TIERED_STORAGE_MIN:
        reasons.append(f"{after} has no tiered storage, which this cluster uses (needs 3.6.0 or later)")
    if cluster.replicated and new.numbers < REPLICATOR_MIN:
        reasons.append(f"{after} cannot be replicated by MSK Replicator (needs 2.7.0 or later)")
    return [f"{change}: {reason}" for reason in reasons]


def upgrade_steps(before: str, after: str, *, standby: bool, clients: Iterable[str] = ()) -> list[str]:
    """The order of an offered upgrade from ``before`` to ``after``: what to check first, and the deployments."""
    old, new = parse(before), parse(after)
    if old is None or new is None or before == after:
        return []
    steps = []
    if new.numbers >= (4, 0) > old.numbers:
        listed = ", ".join(sorted(set(clients))) or "every client"
        steps.append(f"Kafka 4 refuses client protocols older than {CLIENT_PROTOCOL_FLOOR} (KIP-896): check the "
                     f"Kafka client version of {listed} first (the Connect image's is in connect_image/versions.json)")
    if not old.kraft and new.kraft:
        steps.append("before the migration: disable ZooKeeper client access (UpdateConnectivity "
                     "ZookeeperAccess.Enabled=false), and check no tool uses --zookeeper or sets advertised.listeners "
                     "dynamically (https://docs.aws.amazon.com/msk/latest/developerguide/zk-to-kraft-migration.html)")
    if standby:
        steps.append("deploy the standby's Kafka stack first (<Stage>Dr-Kafka): it serves no client before a "
                     "failover, so the upgrade is rehearsed there, and the primary is never newer than the cluster it "
                     "would fail over to")
        steps.append("wait for the standby cluster to be ACTIVE on the new version and the replicator's "
                     "ReplicationLatency to recover")
    steps.append("deploy the primary's Kafka stack (<Stage>-Kafka); MSK restarts one broker at a time, so clients "
                 "with retries see leader moves, not an outage (https://docs.aws.amazon.com/msk/latest/developerguide/version-upgrades.html)")
    steps.append("then deploy the other stacks; the cluster's configuration is named after its version, so a new one "
                 "is created and the old one is left for MSK to release")
    return steps
