"""``kafka-platform``: validate configuration, summarize a synthesized assembly, and (later) simulate scaling.

Bad input ends with one line per problem and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from kafka_platform.errors import ConfigurationError


def _validate(args: argparse.Namespace) -> int:
    from kafka_platform.config import load_environments

    only = [name for name in args.only.split(",") if name] if args.only else None
    environments = load_environments(args.directory, only=only)
    print(f"configuration ok: {', '.join(e.name for e in environments)}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from kafka_platform.assembly import CloudAssembly
    from kafka_platform.summary import summarize

    directory = Path(args.assembly)
    if not (directory / "manifest.json").exists():
        raise ConfigurationError([_problem(str(directory), "holds no cloud assembly (manifest.json); run make synth")])
    print(summarize(CloudAssembly(directory)))
    return 0


def _problem(source: str, message: str):
    from kafka_platform.errors import Problem

    return Problem(source, "", message)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="kafka-platform", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check every environment file; one line per problem")
    validate.add_argument("--directory", default="environments", help="folder of <environment>.yaml files")
    validate.add_argument("--only", default="", help="comma-separated environment names (default: all)")
    validate.set_defaults(run=_validate)
    summary = commands.add_parser("summary", help="summarize a synthesized cloud assembly")
    summary.add_argument("assembly", nargs="?", default="cdk.out")
    summary.set_defaults(run=_summary)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
