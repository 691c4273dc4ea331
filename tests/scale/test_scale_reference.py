"""80 connectors and 80 consumer services in each environment: every gate, the quota gate included, finds nothing;
the stacks are laid out by team; what cannot fit is refused before synthesis in one line."""

from __future__ import annotations

import math
import re

from pathlib import Path

import pytest
import yaml
from aws_cdk import App

from kafka_platform.assembly import CloudAssembly
from kafka_platform.platform_app import compose

from kafka_platform.config import load_environment
from kafka_platform.domain import stack_layout
from kafka_platform.errors import ConfigurationError
from kafka_platform.gates.report import report_failures
from kafka_platform.quotas import quota_findings
from kafka_platform.quotas.checks import OUTPUTS_PER_STACK, RESOURCES_PER_STACK
from kafka_platform.scale_reference import scale_environment
from tests.conftest import ENVIRONMENTS_DIR, cdk_context
from tests.scale.conftest import SCALE


def test_the_reference_declares_the_banks_scale(scale_reference):
    for environment in scale_reference.environments.values():
        assert len(environment.consumers) == SCALE and len(environment.connect.connectors) == SCALE


def test_every_compliance_pack_passes(scale_reference):
    assert report_failures(scale_reference.assembly.directory) == []
    assert [v["ruleName"] for p in scale_reference.report["pluginReports"] for v in p["violations"]] == []


def test_the_quota_gate_finds_nothing(scale_reference):
    assert [str(f) for f in quota_findings(scale_reference.assembly.stacks())] == []


def test_services_are_spread_over_one_stack_per_team(scale_reference):
    for environment in scale_reference.environments.values():
        stacks = {s.stack_name: s for s in scale_reference.assembly.stacks(environment.stage_name)}
        teams = sorted({c.team for c in environment.consumers})
        assert sorted(n for n in stacks if "-Consumers-" in n) == [f"{environment.stage_name}-Consumers-{t}"
                                                                     for t in teams]
        for consumer in environment.consumers:
            stack = stacks[f"{environment.stage_name}-Consumers-{consumer.team}"]
            assert any(f"/{consumer.name}/" in r["Metadata"]["aws:cdk:path"] for r in stack.resources().values())


def test_a_service_costs_what_the_stack_bound_assumes(scale_reference, synthesized):
    """MAX_SERVICES_PER_STACK rests on a service costing at most 17 resources and 6 outputs: measure it on every
    service synthesized, the shipped ones (wake-up, target tracking, secrets) and the reference."""
    worst_resources = worst_outputs = 0
    for assembly in (scale_reference.assembly, synthesized.assembly):
        for stack in assembly.stacks():
            if "-Consumers" not in stack.stack_name:
                continue
            per_service: dict[str, int] = {}
            for resource in stack.resources().values():
                service = resource["Metadata"]["aws:cdk:path"].split("/")[2]
                if service not in ("LogsKey", "EcsCluster"):
                    per_service[service] = per_service.get(service, 0) + 1
            services = max(len(per_service), 1)
            worst_resources = max(worst_resources, *per_service.values(), 0)
            worst_outputs = max(worst_outputs, math.ceil(len(stack.template.get("Outputs", {})) / services))
    assert worst_resources <= 17 and worst_outputs <= 6
    assert stack_layout.MAX_SERVICES_PER_STACK * 17 + 2 <= RESOURCES_PER_STACK
    assert stack_layout.MAX_SERVICES_PER_STACK * 6 <= OUTPUTS_PER_STACK


def test_a_connector_costs_what_the_connect_stack_bound_assumes(scale_reference, synthesized):
    """MAX_CONNECTORS_PER_STACK rests on a connector (or data product) costing at most 4 resources and the stack's own
    at most 60: measure both on every Connect stack synthesized, shipped and at the bank's scale."""
    for assembly in (scale_reference.assembly, synthesized.assembly):
        for stack in assembly.stacks():
            if not stack.stack_name.endswith("-Connect"):
                continue
            resources = stack.resources()
            connectors = [r for r in resources.values() if r["Type"] == "Custom::KafkaConnector"]
            own = len(resources) - stack_layout.RESOURCES_PER_CONNECTOR * len(connectors)
            assert len(connectors) >= 1 and own <= stack_layout.CONNECT_STACK_OWN_RESOURCES, (stack.stack_name, own)
            per_connector: dict[str, int] = {}
            for resource in resources.values():
                name = re.search(r"/Connect/Connect/([^/]+)/", resource["Metadata"]["aws:cdk:path"] + "/")
                if name and resource["Type"] in ("Custom::KafkaConnector", "AWS::CloudWatch::Alarm") and \
                        "Alarm" not in name.group(1):
                    per_connector[name.group(1)] = per_connector.get(name.group(1), 0) + 1
            # its custom resource and two stream alarms; the slot-lag alarm is per database instance (at most one each)
            assert max(per_connector.values()) <= stack_layout.RESOURCES_PER_CONNECTOR - 1
    assert stack_layout.CONNECT_STACK_OWN_RESOURCES + stack_layout.MAX_CONNECTORS_PER_STACK * \
        stack_layout.RESOURCES_PER_CONNECTOR <= RESOURCES_PER_STACK


def test_the_connect_workers_grants_fit_a_role(scale_reference):
    for environment in scale_reference.environments.values():
        stack = scale_reference.assembly.stack(f"{environment.stage_name}/Connect")
        task_policies = [r for r in stack.resources("AWS::IAM::ManagedPolicy").values()
                         if "/TaskRole/Policy" in r["Metadata"]["aws:cdk:path"]]
        assert 2 <= len(task_policies) <= 10


def test_adding_and_removing_services_moves_no_other_service_or_connector(scale_reference, tmp_path):
    """service-080 added; service-005 and service-012 to -079 removed with their connectors and data products (a
    second synthesis smaller than the reference's, two teams' stacks still): every service kept keeps its stack and
    its logical ids, every connector kept its logical id (a move or a new id would replace it)."""
    names = {f"service-{n:03d}" for n in {*range(12), SCALE} - {5}}  # service-080 is the new one
    data = _prod(SCALE + 1)
    data["consumers"] = [c for c in data["consumers"] if c["name"] in names]
    connect = data["connect"]
    connect["connectors"] = [c for c in connect["connectors"] if c["name"].removesuffix("-cdc") in names]
    connect["data_products"] = [p for p in connect["data_products"] if p["connector"] in
                                {c["name"] for c in connect["connectors"]}]
    data["data_teams"] = [t for t in data["data_teams"] if set(t["data_products"]) <= {p["name"] for p in
                                                                                      connect["data_products"]}]
    assert len(data["consumers"]) == len(connect["connectors"]) == 12 and data["data_teams"]
    path = tmp_path / "prod.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    app = App(outdir=str(tmp_path / "cdk.out"), context=cdk_context())
    compose(app, [load_environment(path)], gates=False)
    changed = CloudAssembly(Path(app.synth().directory))

    def placement(assembly):
        found = {}
        for stack in assembly.stacks("Prod"):
            for logical_id, resource in stack.resources().items():
                path = resource["Metadata"]["aws:cdk:path"].split("/")
                if stack.stack_name.startswith("Prod-Consumers") and len(path) > 3:
                    found.setdefault(path[2], set()).add((stack.stack_name, logical_id))
                elif resource["Type"] == "Custom::KafkaConnector":
                    found[path[3]] = {(stack.stack_name, logical_id)}
        return found

    before, after = placement(scale_reference.assembly), placement(changed)
    kept = {name for name in before if name.removesuffix("-cdc") in names}
    assert len(kept) == 2 * 11 and len({stack for name in kept for stack, _ in before[name]}) > 2
    assert kept <= set(after) and "service-080" in after and "service-005" not in after
    assert {name: before[name] for name in kept} == {name: after[name] for name in kept}


# ---- what cannot fit: one line before synthesis -----------------------------------------------------------------
def _prod(count: int):
    return scale_environment(yaml.safe_load((ENVIRONMENTS_DIR / "prod.yaml").read_text()), count)


def _refused(data, tmp_path) -> list[str]:
    path = tmp_path / "prod.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigurationError) as raised:
        load_environment(path)
    return [str(p) for p in raised.value.problems]


def test_a_team_over_one_stack_is_refused_naming_the_service_to_move(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = _prod(30)
    for consumer in data["consumers"][:26]:
        consumer["team"] = "payments"
    assert _refused(data, tmp_path) == [
        "prod.yaml: consumers[service-025].team: is service 26 of the 26 team payments, but one stack "
        "(Consumers-payments) holds at most 25 (500 resources); give this service a team of its own, such as the "
        "team's name with a suffix (a service that already runs is replaced when it moves, so move the newest ones)"]


def test_more_connectors_than_one_role_can_be_granted_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    [resources, line] = _refused(_prod(140), tmp_path)
    assert resources.startswith("prod.yaml: connect.connectors: 140 connectors and 14 data products need up to 4 ")
    # Each data product (one per ten connectors here) is a connector of its own on the workers' role too.
    assert re.fullmatch(r"prod\.yaml: connect\.connectors: 140 connectors and 14 data products need about 12 managed "
                        r"policies of 6,144 "
                        r"characters on the workers' role \([\d,]+ characters of grants\), and IAM attaches at most "
                        r"10; move some connectors to another Connect cluster", line)


def test_more_connectors_than_the_connect_stack_holds_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _refused(_prod(91), tmp_path) == [
        "prod.yaml: connect.connectors: 91 connectors and 10 data products need up to 4 resources each in the "
        "Connect stack (the connector, its two stream alarms, its database's slot-lag alarm); CloudFormation takes "
        "500 a stack, so it holds at most 100: move some connectors to another Connect cluster"]


# Last in the module: checkov and cfn-lint run in processes of their own since the fixture, and the tests above
# (a second synthesis among them) use the wait.
def test_checkov_finds_nothing(scale_reference):
    output = scale_reference.checkov_output()
    assert [(c["check_id"], c["resource"]) for c in output["failed"]] == []
    # The four team stacks of consumers (80 services, at least 10 resources each) and the Connect stack.
    assert output["passed"] > 1000 and output["resources"] > 80 * 10


def test_cfn_lint_finds_nothing(scale_reference):
    code, matches = scale_reference.cfn_lint_output()
    assert [(m["Rule"]["Id"], m["Filename"].rsplit("/", 1)[-1], m["Message"]) for m in matches] == []
    assert code == 0
