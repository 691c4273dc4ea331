#!/usr/bin/env python3
"""CDK entry point: one stage per file in environments/.

Context: ``environments=prod,staging`` limits the stages; ``environments_dir=<folder>`` reads the files elsewhere.
"""

import sys
from pathlib import Path

from kafka_platform.node_runtime import use_wheel_node

use_wheel_node()

from aws_cdk import App  # noqa: E402

from kafka_platform.config import load_environments  # noqa: E402
from kafka_platform.errors import ConfigurationError  # noqa: E402
from kafka_platform.gates.report import report_failures  # noqa: E402
from kafka_platform.platform_app import compose  # noqa: E402
from kafka_platform.quotas import assembly_quota_findings  # noqa: E402

ENVIRONMENTS = Path(__file__).resolve().parent / "environments"


def main() -> None:
    app = App()
    only = app.node.try_get_context("environments")
    directory = app.node.try_get_context("environments_dir") or ENVIRONMENTS
    try:
        environments = load_environments(directory, only=str(only).split(",") if only else None)
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
    compose(app, environments)
    assembly = app.synth()
    failures = report_failures(assembly.directory)
    if failures:
        print("compliance gates failed:\n" + "\n".join(failures), file=sys.stderr)
        sys.exit(1)
    # AWS quotas no compliance pack checks: a template over one synthesizes, then fails its deployment.
    over_quota = assembly_quota_findings(assembly.directory)
    if over_quota:
        print("deploy-readiness gate failed (AWS quotas):\n" + "\n".join(over_quota), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
