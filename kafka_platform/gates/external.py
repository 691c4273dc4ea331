"""cfn-lint and checkov on a synthesized cloud assembly, as the tests run them: ``python -m kafka_platform.gates.external
cdk.out`` (``make gates``). One line per finding; exit 1 when there is one.

cfn-lint runs once per region (its rules check values against the region's resource specification); checkov over
the whole folder. Their skips live in each resource's metadata, with a reason (``gates/template_metadata.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def cfn_lint_findings(templates_by_region: dict[str, list[Path]]) -> list[str]:
    findings = []
    for region, templates in sorted(templates_by_region.items()):
        result = subprocess.run([_tool("cfn-lint"), "--format", "json", "--regions", region, "--",
                                 *map(str, templates)], capture_output=True, text=True, timeout=1800)
        matches = json.loads(result.stdout) if result.stdout.strip() else []
        if result.returncode not in (0, 2, 4, 6, 8, 10, 12, 14) and not matches:
            findings.append(f"cfn-lint could not run: {result.stderr.strip()[-500:]}")
        findings += [f"cfn-lint: {Path(m['Filename']).name}: {m['Rule']['Id']} {m['Message']}" for m in matches]
    return findings


def checkov_findings(directory: Path) -> tuple[list[str], int]:
    result = subprocess.run([_tool("checkov"), "-d", str(directory), "--framework", "cloudformation", "--quiet",
                             "--compact", "--skip-download", "-o", "json"], capture_output=True, text=True,
                            timeout=1800)
    if result.returncode not in (0, 1):
        return [f"checkov could not run: {result.stderr.strip()[-500:]}"], 0
    output = json.loads(result.stdout)
    reports = output if isinstance(output, list) else [output]
    failed = [c for report in reports for c in report.get("results", {}).get("failed_checks", [])]
    passed = sum(report.get("summary", {}).get("passed", 0) for report in reports)
    return [f"checkov: {Path(c['file_path']).name}: {c['check_id']} {c['check_name']} ({c['resource']})"
            for c in failed], passed


def main(argv: list[str]) -> int:
    from kafka_platform.assembly import CloudAssembly

    directory = Path(argv[0] if argv else "cdk.out")
    by_region: dict[str, list[Path]] = {}
    for stack in CloudAssembly.open(directory).stacks():
        by_region.setdefault(stack.region, []).append(stack.template_path)
    count = sum(len(t) for t in by_region.values())
    findings = cfn_lint_findings(by_region)
    print(f"cfn-lint: {count} templates in {len(by_region)} regions, {len(findings)} findings")
    checkov, passed = checkov_findings(directory)
    print(f"checkov: {passed} checks passed, {len(checkov)} failed")
    for finding in findings + checkov:
        print(finding, file=sys.stderr)
    return 1 if findings or checkov else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
