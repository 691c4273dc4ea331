"""cfn-lint over every synthesized template: no errors, no warnings; an ignore only with a written reason."""

import copy
import json

from cfnlint.api import ManualArgs, lint as cfn_lint

from kafka_platform.gates.template_metadata import MIN_REASON_CHARS


def lint(template: dict, region: str) -> list[str]:
    matches = cfn_lint(json.dumps(template), config=ManualArgs(regions=[region]))
    return [f"{m.rule.id} {m.message} ({'/'.join(str(p) for p in m.path)})" for m in matches]


def test_every_template_lints_clean(synthesized):
    # The CLI, one process per region, started by the fixture as soon as the templates existed (tests/conftest.py).
    regions = {stack.region for stack in synthesized.assembly.stacks()}
    assert set(synthesized.cfn_lint) == regions and len(regions) >= 2  # the standbys' region too
    problems = []
    for region, process in synthesized.cfn_lint.items():
        stdout, stderr = process.communicate(timeout=900)
        matches = json.loads(stdout) if stdout.strip() else []
        problems += [f"{m['Filename'].rsplit('/', 1)[-1]}: {m['Rule']['Id']} {m['Message']}" for m in matches]
        assert process.returncode == 0 or matches, stderr[-2000:]
    assert problems == []
    assert len(synthesized.assembly.stacks()) >= 9


def test_every_ignore_carries_a_reason(synthesized):
    ignores = []
    for stack in synthesized.assembly.stacks():
        for logical_id, resource in stack.template["Resources"].items():
            metadata = resource.get("Metadata", {})
            for check in metadata.get("cfn-lint", {}).get("config", {}).get("ignore_checks", []):
                reason = metadata.get("cfn-lint-reasons", {}).get(check, "")
                assert len(reason) >= MIN_REASON_CHARS, (stack.name, logical_id, check)
                ignores.append((stack.name.split("/")[1], logical_id, check))
    assert sorted(set(ignores)) == [
        ("Connect", "ConnectHealthMonitorFunction3E14F093", "W3005"),
        ("Connect", "ConnectReconcilerFunctionB2631DB4", "W3005"),
        ("Connect", "ConnectRestAccessInitializerFunctionF5BF9282", "W3005"),
        ("Connect", "ConnectRestAccessRotatorFunctionA8AFA416", "W3005"),
        ("Kafka", "ClusterBootstrapBrokersFunctionF2D01D98", "W3005"),
        ("Network", "AWS679f53fac002430cb0da5b7982bd22872D164C4C", "W3005"),
        ("Network", "CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E", "W3005"),
        ("Replication", "AWS679f53fac002430cb0da5b7982bd22872D164C4C", "W3005"),
    ]


def test_cfn_lint_catches_a_planted_error(synthesized):
    stack = synthesized.assembly.stack("Prod/Kafka")
    template = copy.deepcopy(stack.template)
    cluster = next(r for r in template["Resources"].values() if r["Type"] == "AWS::MSK::Cluster")
    cluster["Properties"]["NumberOfBrokerNodes"] = "six"
    assert any(problem.startswith("E3012") for problem in lint(template, stack.region))
