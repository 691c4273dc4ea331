"""``kafka-platform plan``: what a deployment would do, offline, against the approved templates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from kafka_platform.cli import main
from tests.conftest import ENVIRONMENTS_DIR, ROOT

APPROVED = ROOT / "tests/stacks/__snapshots__/test_snapshots"


def test_the_shipped_assembly_plans_no_change(synthesized, capsys):
    assert main(["plan", "prod", "--assembly", str(synthesized.assembly.directory), "--approved", str(APPROVED),
                 "--directory", str(ENVIRONMENTS_DIR)]) == 0
    out = capsys.readouterr().out
    assert "  Prod-Kafka: no change\n" in out and "  ProdDr-Replication: no change\n" in out
    assert out.rstrip().endswith("Needs attention: no")


@pytest.fixture
def changed(synthesized, tmp_path):
    """A copy of the assembly whose Prod-Kafka template replaces one topic (a new replication factor), halves
    another's partitions and adds an alarm."""
    assembly = tmp_path / "cdk.out"
    shutil.copytree(synthesized.assembly.directory, assembly, ignore=shutil.ignore_patterns("asset.*"))
    path = next((assembly / "assembly-Prod").glob("ProdKafka*.template.json"))
    template = json.loads(path.read_text())
    resources = template["Resources"]
    replaced = next(k for k, r in resources.items() if r["Properties"].get("TopicName") == "ledger-events")
    resources[replaced]["Properties"]["ReplicationFactor"] = 2
    topic = next(k for k, r in resources.items() if r["Properties"].get("TopicName") == "repayments")
    resources[topic]["Properties"]["PartitionCount"] = 24
    resources["PlantedAlarm"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {}}
    path.write_text(json.dumps(template))
    environments = tmp_path / "environments"
    shutil.copytree(ENVIRONMENTS_DIR, environments)
    return assembly, environments, replaced, topic


def test_a_replacement_and_a_refused_update_need_attention(changed, capsys):
    assembly, environments, replaced, topic = changed
    assert main(["plan", "prod", "--assembly", str(assembly), "--approved", str(APPROVED),
                 "--directory", str(environments)]) == 3
    out = capsys.readouterr().out
    assert "  Prod-Kafka: 1 added, 1 changed, 1 replaced\n" in out
    assert "    A PlantedAlarm\n" in out and f"    C {topic}\n" in out and f"    R {replaced} (replaced)\n" in out
    assert ("Refused by AWS (undo these changes; the deployment would fail):\n"
            f"  Prod-Kafka/{topic} (Prod/Kafka/") in out
    assert "PartitionCount 48 to 24: Kafka cannot decrease a topic's partitions" in out
    assert (f"  - stack: Kafka\n    logical_id: {replaced}\n    reason: <why losing what it holds is acceptable>\n"
            in out)
    assert "create-only ReplicationFactor changes" in out
    assert out.rstrip().endswith("Needs attention: yes")


def test_the_pasted_acknowledgment_leaves_only_the_refused_update(changed, capsys):
    assembly, environments, replaced, topic = changed
    main(["plan", "prod", "--assembly", str(assembly), "--approved", str(APPROVED), "--directory", str(environments)])
    entries = [line for line in capsys.readouterr().out.splitlines() if "logical_id:" in line]
    prod = yaml.safe_load((environments / "prod.yaml").read_text())
    prod["acknowledged_replacements"] = [
        {"stack": "Kafka", "logical_id": line.split(": ")[1], "reason": "ledger-events moves to a new replication factor; its history is in the standby"}
        for line in entries]
    (environments / "prod.yaml").write_text(yaml.safe_dump(prod))
    assert main(["plan", "prod", "--assembly", str(assembly), "--approved", str(APPROVED),
                 "--directory", str(environments)]) == 3
    out = capsys.readouterr().out
    assert "not acknowledged" not in out and "Acknowledged replacements (as the environment file says):" in out
    assert "Refused by AWS" in out


def test_an_environment_the_assembly_lacks_is_named(synthesized, capsys):
    assert main(["plan", "qa", "--assembly", str(synthesized.assembly.directory), "--approved", str(APPROVED),
                 "--directory", str(ENVIRONMENTS_DIR)]) == 1
    err = capsys.readouterr().err
    assert "has no stage 'qa'; it has Dev, Prod, ProdDr, Staging, StagingDr" in err
    assert "make synth ENVIRONMENTS=qa" in err


def test_a_stack_without_an_approved_template_is_new(synthesized, tmp_path, capsys):
    approved = tmp_path / "approved"
    shutil.copytree(APPROVED, approved)
    for path in approved.glob("*[[]Prod-Observability[]].json"):
        path.unlink()
    assert main(["plan", "prod", "--assembly", str(synthesized.assembly.directory), "--approved", str(approved),
                 "--directory", str(ENVIRONMENTS_DIR)]) == 0
    assert "  Prod-Observability: new stack, 1 resources added\n" in capsys.readouterr().out


def test_the_default_approved_folder_is_the_repositorys(monkeypatch):
    from kafka_platform.plan import APPROVED as default

    assert (ROOT / default) == APPROVED and Path(default).parts[0] == "tests"


def approved_at(tmp_path, version, stages):
    """A copy of the approved templates whose clusters of ``stages`` run ``version``."""
    approved = tmp_path / "approved"
    shutil.copytree(APPROVED, approved)
    for stage in stages:
        [path] = approved.glob(f"*[[]{stage}-Kafka[]].json")
        template = json.loads(path.read_text())
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::MSK::Cluster":
                resource["Properties"]["KafkaVersion"] = version
        path.write_text(json.dumps(template))
    return approved


def test_an_upgrade_is_planned_standby_first_with_the_clients_to_check(synthesized, tmp_path, capsys):
    """Approved templates on 3.9.x.kraft, the assembly on 4.1.x.kraft: an upgrade MSK offers (KRaft to KRaft,
    newer), crossing to Kafka 4, with a standby: its order is printed and nothing needs attention."""
    approved = approved_at(tmp_path, "3.9.x.kraft", ("Prod", "ProdDr"))
    assert main(["plan", "prod", "--assembly", str(synthesized.assembly.directory), "--approved", str(approved),
                 "--directory", str(ENVIRONMENTS_DIR)]) == 0
    out = capsys.readouterr().out
    section = out[out.index("Kafka version upgrades"):]
    assert "  Prod-Kafka: cluster bank-streaming-prod: 3.9.x.kraft to 4.1.x.kraft\n" in section
    assert "  ProdDr-Kafka: cluster bank-streaming-prod-dr: 3.9.x.kraft to 4.1.x.kraft\n" in section
    steps = [line for line in section.splitlines() if line[:4].strip().rstrip(".").isdigit()]
    assert "KIP-896" in steps[0] and "consumer service loan-approvals" in steps[0] and "Connect cluster" in steps[0]
    assert "deploy the standby's Kafka stack first" in steps[1]
    assert steps.index(next(s for s in steps if "deploy the primary's Kafka stack" in s)) > 1
    assert out.rstrip().endswith("Needs attention: no")


def test_a_version_msk_does_not_offer_needs_attention(synthesized, tmp_path, capsys):
    approved = approved_at(tmp_path, "3.9.x", ("Prod",))
    assert main(["plan", "prod", "--assembly", str(synthesized.assembly.directory), "--approved", str(approved),
                 "--directory", str(ENVIRONMENTS_DIR)]) == 3
    out = capsys.readouterr().out
    assert "KafkaVersion 3.9.x (ZooKeeper) to 4.1.x.kraft (KRaft): a ZooKeeper cluster reaches 4.1.x.kraft through " \
           "3.9.x.kraft" in out
    assert "Kafka version upgrades" not in out


@pytest.mark.parametrize("spelling", ["Prod", "Prod/*"])
def test_an_environment_may_be_named_by_its_stage(synthesized, spelling, capsys):
    assert main(["plan", spelling, "--assembly", str(synthesized.assembly.directory), "--approved", str(APPROVED),
                 "--directory", str(ENVIRONMENTS_DIR)]) == 0
    assert "Plan for " in capsys.readouterr().out


def test_a_misspelt_environment_is_refused_with_the_one_meant(synthesized, capsys):
    assert main(["plan", "prdo", "--assembly", str(synthesized.assembly.directory), "--approved", str(APPROVED),
                 "--directory", str(ENVIRONMENTS_DIR)]) == 1
    assert "has no stage 'prdo'; did you mean Prod?" in capsys.readouterr().err


def test_a_standby_is_planned_with_its_primary(synthesized, capsys):
    assert main(["plan", "prod-dr", "--assembly", str(synthesized.assembly.directory), "--approved", str(APPROVED),
                 "--directory", str(ENVIRONMENTS_DIR)]) == 1
    assert "'prod-dr' is a standby; plan its primary (prod), which includes it" in capsys.readouterr().err
