"""An MSK configuration keeps acknowledged writes: min ISR 2 or more, replication 3, no unclean leader election, and
every other durability floor of ``kafka_platform.domain.msk.DURABILITY_FLOORS`` (offsets and transaction state
replicated 3 times, retention of a day or more, no cluster-wide retention by size)."""

from kafka_platform.domain.msk import durability_problem
from kafka_platform.gates.rules import Compliance, DeclaredTopology, Resource, Result, Rule


def parse_server_properties(text: str) -> dict[str, str]:
    properties = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            properties[key.strip()] = value.strip()
    return properties


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def check(resource: Resource, topology: DeclaredTopology | None = None) -> Result:
    text = resource.properties.get("ServerProperties")
    if not isinstance(text, str):  # missing, or computed at deploy time (an intrinsic): not a literal to check
        return ["ServerProperties"]
    properties = parse_server_properties(text)
    findings = []
    # These two must be written: MSK's own defaults (min ISR 1, replication 3) do not state the bank's rule.
    if (_int(properties.get("min.insync.replicas")) or 1) < 2:
        findings.append("min.insync.replicas")
    if (_int(properties.get("default.replication.factor")) or 0) < 3:
        findings.append("default.replication.factor")
    # MSK's own default for this one is true: it must be written, as false.
    if properties.get("unclean.leader.election.enable", "").lower() != "false":
        findings.append("unclean.leader.election.enable")
    # Every other durability floor (offsets and transaction state replication, retention) where it is written.
    findings += [key for key, value in properties.items()
                 if key not in findings and durability_problem(key, value) is not None]
    return findings or Compliance.COMPLIANT


RULE = Rule(
    name="MSKConfigurationDurable", resource_types=("AWS::MSK::Configuration",),
    info="The MSK configuration allows acknowledged writes to be lost (min ISR below 2, replication below 3, "
         "unclean leader election not disabled, offsets or transaction state under-replicated, retention under a "
         "day or by size).",
    explanation="With min.insync.replicas=2 and replication 3 an acknowledged write survives a broker loss; "
                "unclean leader election (true by default on MSK) can elect a replica that never saw it.",
    check=check)
