"""Skipping a cfn-lint or checkov check on one resource, always with a reason.

Both tools read their skips from the resource's CloudFormation metadata: checkov from
``checkov: {skip: [{id, comment}]}``, cfn-lint from ``cfn-lint: {config: {ignore_checks: [...]}}``. cfn-lint has
no place for a reason, so ours is kept beside it under ``cfn-lint-reasons``; the tests list every skip.
"""

from __future__ import annotations

from aws_cdk import CfnResource

MIN_REASON_CHARS = 40


def _check_reason(check: str, reason: str) -> None:
    if len(reason) < MIN_REASON_CHARS:
        raise ValueError(f"the reason for skipping {check} is {len(reason)} characters; explain in at least "
                         f"{MIN_REASON_CHARS} why the check does not apply here")


def skip_checkov(resource: CfnResource, check: str, reason: str) -> None:
    _check_reason(check, reason)
    current = resource.get_metadata("checkov") or {}
    skips = [s for s in current.get("skip", []) if s["id"] != check] + [{"id": check, "comment": reason}]
    resource.add_metadata("checkov", {"skip": skips})


def ignore_cfn_lint(resource: CfnResource, check: str, reason: str) -> None:
    _check_reason(check, reason)
    config = (resource.get_metadata("cfn-lint") or {}).get("config", {})
    checks = sorted(set(config.get("ignore_checks", [])) | {check})
    resource.add_metadata("cfn-lint", {"config": {**config, "ignore_checks": checks}})
    reasons = resource.get_metadata("cfn-lint-reasons") or {}
    resource.add_metadata("cfn-lint-reasons", {**reasons, check: reason})
