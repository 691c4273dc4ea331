"""cfn-lint over every synthesized template: no errors, no warnings; an ignore only with a written reason."""

import copy
import json

from cfnlint.api import ManualArgs, lint as cfn_lint

from kafka_platform.gates.template_metadata import MIN_REASON_CHARS


def lint(template: dict, region: str) -> list[str]:
    matches = cfn_lint(json.dumps(template), config=ManualArgs(regions=[region]))
    return [f"{m.rule.id} {m.message} ({'/'.join(str(p) for p in m.path)})" for m in matches]


def _lint_stack(item: tuple[str, dict, str]) -> tuple[str, list[str]]:
    name, template, region = item
    return name, lint(template, region)


def test_every_template_lints_clean(synthesized):
    from concurrent.futures import ProcessPoolExecutor

    stacks = [(stack.name, stack.template, stack.region) for stack in synthesized.assembly.stacks()]
    # One process per core: cfn-lint is CPU-bound, and the suite has 10 minutes on 2 cores.
    with ProcessPoolExecutor(max_workers=2) as pool:
        problems = dict(pool.map(_lint_stack, stacks))
    assert {name: found for name, found in problems.items() if found} == {}
    assert len(problems) >= 9


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
