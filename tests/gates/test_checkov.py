"""checkov over cdk.out: no failed check; a skip only with a written reason."""

import json
import subprocess
import sys
from pathlib import Path

from kafka_platform.gates.template_metadata import MIN_REASON_CHARS

CHECKOV = str(Path(sys.executable).parent / "checkov")


def parsed(returncode: int, stdout: str, stderr: str) -> dict:
    assert returncode in (0, 1), stderr[-2000:]
    output = json.loads(stdout)
    return output if isinstance(output, dict) else {
        "results": {"failed_checks": [c for o in output for c in o["results"]["failed_checks"]]},
        "summary": {"failed": sum(o["summary"]["failed"] for o in output),
                    "passed": sum(o["summary"]["passed"] for o in output)}}


def checkov(directory: Path) -> dict:
    result = subprocess.run([CHECKOV, "-d", str(directory), "--framework", "cloudformation", "--quiet", "--compact",
                             "--skip-download", "-o", "json"], capture_output=True, text=True, timeout=600)
    return parsed(result.returncode, result.stdout, result.stderr)


def test_no_check_fails_on_the_synthesized_templates(synthesized):
    # Started by the fixture as soon as the templates existed (tests/conftest.py), on the otherwise idle core.
    stdout, stderr = synthesized.checkov.communicate(timeout=900)
    output = parsed(synthesized.checkov.returncode, stdout, stderr)
    failed = [(c["check_id"], c["resource"], c["file_path"]) for c in output["results"]["failed_checks"]]
    assert failed == []
    assert output["summary"]["passed"] > 100


def test_every_skip_carries_a_reason(synthesized):
    skipped = set()
    for stack in synthesized.assembly.stacks():
        for logical_id, resource in stack.template["Resources"].items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                assert len(skip["comment"]) >= MIN_REASON_CHARS, (logical_id, skip)
                skipped.add((skip["id"], logical_id))
    assert skipped == {
        ("CKV_AWS_111", "ClusterBootstrapBrokersFunctionRolePolicy4E50D663"),
        ("CKV_AWS_116", "ClusterBootstrapBrokersFunctionF2D01D98"),
        ("CKV_AWS_111", "ConnectReconcilerRolePolicy7BF8E7AB"),
        ("CKV_AWS_116", "ConnectReconcilerFunctionB2631DB4"),
        ("CKV_AWS_111", "ConnectHealthMonitorRolePolicyE5231B77"),
        ("CKV_AWS_116", "ConnectHealthMonitorFunction3E14F093"),
        ("CKV_AWS_111", "ConnectRestAccessInitializerRolePolicyFEAB3A73"),
        ("CKV_AWS_116", "ConnectRestAccessInitializerFunctionF5BF9282"),
        ("CKV_AWS_111", "ConnectRestAccessRotatorRolePolicy17B63015"),
        ("CKV_AWS_116", "ConnectRestAccessRotatorFunctionA8AFA416"),
        ("CKV_AWS_115", "CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E"),
        ("CKV_AWS_116", "CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E"),
        ("CKV_AWS_117", "CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E"),
        ("CKV_AWS_111", "NetworkAwsApiPrefixListLookupRolePolicy5F70564D"),
        *((check, "AWS679f53fac002430cb0da5b7982bd22872D164C4C")
          for check in ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173")),
    }


def test_checkov_catches_a_planted_failure(synthesized, tmp_path):
    stack = synthesized.assembly.stack("Prod/Kafka")
    template = stack.template
    cluster = next(r for r in template["Resources"].values() if r["Type"] == "AWS::MSK::Cluster")
    cluster["Properties"]["EncryptionInfo"]["EncryptionInTransit"] = {"ClientBroker": "PLAINTEXT", "InCluster": False}
    cluster["Properties"].pop("LoggingInfo")
    (tmp_path / "planted.template.json").write_text(json.dumps(template))
    failed = {c["check_id"] for c in checkov(tmp_path)["results"]["failed_checks"]}
    assert {"CKV_AWS_80", "CKV_AWS_81"} <= failed
