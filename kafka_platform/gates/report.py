"""Reading the validation report synthesis writes (no jsii)."""

from __future__ import annotations

import json
from pathlib import Path

VALIDATION_REPORT = "validation-report.json"


def report_failures(assembly_directory: str | Path) -> list[str]:
    """Every plugin report that did not succeed, in one line each.

    CDK fails synthesis on violations, but a plugin that crashes with no violations is only marked ``failure`` in
    the report and synthesis succeeds: this check closes that gap. No report at all is a failure too."""
    path = Path(assembly_directory) / VALIDATION_REPORT
    if not path.exists():
        return [f"{path}: missing; the compliance gates did not run"]
    failures = []
    for plugin in json.loads(path.read_text())["pluginReports"]:
        if plugin.get("conclusion") == "success":
            continue
        error = (plugin.get("metadata") or {}).get("error")
        if error or not plugin.get("violations"):
            failures.append(f"{plugin['pluginName']}: {plugin.get('conclusion')}: {error or 'no violations listed'}")
        for violation in plugin.get("violations", []):
            if violation.get("suggestedFix"):
                # The platform's own gates write one complete line each (where, what, why) and the fix.
                failures.append(f"{plugin['pluginName']}: {violation['description']}; fix: {violation['suggestedFix']}")
                continue
            paths = ", ".join(c["constructPath"] for c in violation["violatingConstructs"])
            description = " ".join(violation.get("description", "").split())[:240]
            failures.append(f"{plugin['pluginName']}: {violation['ruleName']} at {paths}: {description}")
    return failures
