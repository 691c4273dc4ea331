"""``kafka-platform``: validate configuration, summarize a synthesized assembly, simulate and benchmark scaling.

Bad input ends with one line per problem and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

from kafka_platform.errors import ConfigurationError, Problem
from kafka_platform.plan import APPROVED

T = TypeVar("T")


def _validate(args: argparse.Namespace) -> int:
    from kafka_platform.config import load_environments

    only = [name for name in args.only.split(",") if name] if args.only else None
    environments = load_environments(args.directory, only=only)
    print(f"configuration ok: {', '.join(e.name for e in environments)}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from kafka_platform.assembly import CloudAssembly
    from kafka_platform.summary import summarize

    print(summarize(CloudAssembly.open(args.assembly)))
    return 0


def _stage_argument(args: argparse.Namespace) -> None:
    """``--stage`` as the assembly names it, from any spelling (``prod``, ``Prod``, ``Prod/*``)."""
    from kafka_platform.assembly import CloudAssembly

    if args.stage:
        args.stage = CloudAssembly.open(args.assembly).stage_named(args.stage)


def _simulate(args: argparse.Namespace) -> int:
    from kafka_platform.simulation import run

    _stage_argument(args)
    given = {"startup_seconds": args.startup_seconds, "rebalance_seconds": args.rebalance_seconds,
             "publish_delay_seconds": args.publish_delay_seconds, "seeds": args.seeds}
    settings = run.ModelSettings(**{name: value for name, value in given.items() if value is not None})
    print(run.simulate(args.assembly, service=args.service, stage=args.stage, profile=args.profile,
                       csv=args.profile_csv, throughput=args.throughput, settings=settings, out=Path(args.out),
                       start=args.start, plot=not args.no_plot))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from kafka_platform.simulation import run

    _stage_argument(args)
    settings = run.ModelSettings(**({} if args.seeds is None else {"seeds": args.seeds}))
    if problems := settings.problems():
        raise ConfigurationError(problems)
    print(run.bench(args.assembly, out=Path(args.out), stage=args.stage, only=args.profile, settings=settings,
                    sensitivity_stages=() if args.no_sensitivity else ("Prod", "Staging")))
    return 0


def _bench_synth(args: argparse.Namespace) -> int:
    from kafka_platform import synth_bench

    print(synth_bench.bench(Path(args.root).resolve(), args.cdk.split(), Path(args.out), repeats=args.repeats,
                            scales=[int(n) for n in args.scales.split(",")]))
    return 0


def _access(args: argparse.Namespace) -> int:
    from kafka_platform.access_report import write_report
    from kafka_platform.assembly import CloudAssembly

    assembly = CloudAssembly.open(args.assembly)
    _stage_argument(args)
    text, files = write_report(assembly, Path(args.out) if args.out else assembly.directory / "access",
                               stage=args.stage, topic=args.topic, principal=args.principal)
    print(text)
    print(f"\nwritten: {', '.join(str(f) for f in files)}")
    return 0


def _plan(args: argparse.Namespace) -> int:
    from kafka_platform.assembly import CloudAssembly
    from kafka_platform.config import load_environments
    from kafka_platform.config.standby import standby_environment
    from kafka_platform.plan import acknowledged_replacements, environment_stacks, plan_environment, render

    assembly = CloudAssembly.open(args.assembly)
    names = args.environments or [stage.lower() for stage in assembly.stages() if not stage.endswith("Dr")]
    attention = False
    for name in names:
        stacks = environment_stacks(assembly, name)
        stage = stacks[0].stage.removesuffix("Dr") if stacks else name
        environments = [e for e in load_environments(args.directory) if e.stage_name == stage]
        standbys = [s for e in environments if (s := standby_environment(e)) is not None]
        plan = plan_environment(stacks, Path(args.approved), environments[0].name if environments else name,
                                acknowledged_replacements([*environments, *standbys]),
                                clients=[*(f"consumer service {c.name}" for e in environments for c in e.consumers),
                                         *(f"Connect cluster {e.connect.name}" for e in environments if e.connect)])
        print(render(plan))
        attention = attention or plan.needs_attention
    return 3 if attention else 0


def read_aws(command: str, read: Callable[[Callable[[str, str], Any]], T]) -> T:
    """Runs ``read`` with a boto3 client factory; what AWS or the machine refuses (no credentials, no access, no
    network) becomes one line naming the command and what to do, never a traceback."""
    import boto3
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError
    from botocore.exceptions import PartialCredentialsError, TokenRetrievalError

    def problem(message: str) -> ConfigurationError:
        return ConfigurationError([Problem(f"kafka-platform {command}", "", message)])

    try:
        return read(lambda service, region: boto3.client(service, region_name=region))
    except (NoCredentialsError, PartialCredentialsError, TokenRetrievalError):
        raise problem("found no AWS credentials; sign in first (aws sso login, or set AWS_PROFILE) with a role that "
                      "may make its read-only calls") from None
    except NoRegionError:
        raise problem("no AWS region is known; set AWS_REGION") from None
    except EndpointConnectionError as error:
        raise problem(f"could not reach AWS ({error}); check the network or proxy") from None
    except ClientError as error:
        code, operation = error.response.get("Error", {}).get("Code", "error"), error.operation_name
        raise problem(f"AWS refused {operation}: {code}: {error.response.get('Error', {}).get('Message', '')}; "
                      "a read-only role with that call is needed") from None


def _status(args: argparse.Namespace) -> int:
    from kafka_platform.assembly import CloudAssembly
    from kafka_platform.status import read_status, render

    assembly = CloudAssembly.open(args.assembly)
    stage = assembly.stage_named(args.environment, hint=f"run make synth ENVIRONMENTS={args.environment}")
    status = read_aws("status", lambda client: read_status(assembly, stage, client, service=args.service))
    print(render(status))
    return 3 if status.needs_attention else 0


def _dr(args: argparse.Namespace) -> int:
    from kafka_platform.assembly import CloudAssembly
    from kafka_platform.disaster_recovery_plan import check_deployed, failover_plan, read_layout, render_checks

    assembly = CloudAssembly.open(args.assembly)
    stage = assembly.stage_named(args.environment)
    layout = read_layout(assembly, stage)
    print(failover_plan(layout, args.environment))
    if not args.execute:
        print("\n(plan only: add --execute to read the deployed state, read-only, with your AWS credentials)")
        return 0
    results = read_aws("dr --execute", lambda client: check_deployed(layout, client))
    print("\nDeployed state:\n" + render_checks(results))
    return 0 if all(r.ok for r in results) else 3


def _verify(args: argparse.Namespace) -> int:
    from kafka_platform.assembly import CloudAssembly
    from kafka_platform.disaster_recovery_plan import render_checks
    from kafka_platform.plan import environment_stacks
    from kafka_platform.verify import verify

    stacks = environment_stacks(CloudAssembly.open(args.assembly), args.environment)
    results = read_aws("verify", lambda client: verify(stacks, client))
    print(f"Deployed state of {args.environment}:\n" + render_checks(results))
    waiting = [r for r in results if not r.ok]
    print(f"\n{'Ready' if not waiting else f'Not ready: {len(waiting)} of {len(results)} checks'}")
    return 0 if not waiting else 3


def _guardrail(args: argparse.Namespace) -> int:
    import json

    from kafka_platform.domain.guardrail import guardrail_policy

    print(json.dumps(guardrail_policy(args.qualifier), indent=2))
    return 0


#: One example per subcommand, for the CLI reference (docs/reference/cli.md, generated).
EXAMPLES = {
    "validate": "kafka-platform validate --only prod",
    "summary": "kafka-platform summary cdk.out",
    "access": "kafka-platform access cdk.out --stage Prod --topic loan-applications",
    "plan": "kafka-platform plan prod",
    "verify": "kafka-platform verify prod",
    "dr": "kafka-platform dr prod --execute",
    "status": "kafka-platform status prod loan-approvals",
    "guardrail": "kafka-platform guardrail --qualifier hnb659fds > control-plane-scp.json",
    "reference": "kafka-platform reference --out docs/reference",
    "cdk-json": "kafka-platform cdk-json --app 'python app.py'",
    "simulate": "kafka-platform simulate --stage Prod --service loan-approvals --profile month-end",
    "bench": "kafka-platform bench --stage Prod --profile month-end --seeds 5",
    "bench-synth": "kafka-platform bench-synth --cdk 'node node_modules/aws-cdk/bin/cdk' --repeats 1",
}


def _cdk_json(args: argparse.Namespace) -> int:
    """A team app's cdk.json: the feature flags the library is tested under (this repository's own cdk.json context,
    shipped in the wheel as kafka_platform/cdk_context.json)."""
    from importlib import resources

    context = json.loads((resources.files("kafka_platform") / "cdk_context.json").read_text())
    print(json.dumps({"app": args.app, "output": "cdk.out", "context": context}, indent=2))
    return 0


def _reference(args: argparse.Namespace) -> int:
    from kafka_platform.config.reference import markdown, schema_text

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in (("configuration.md", markdown()), ("environment.schema.json", schema_text()),
                       ("cli.md", cli_reference())):
        (out / name).write_text(text)
        print(f"wrote {out / name}")
    return 0


def cli_reference() -> str:
    """The CLI's reference, from the parser itself: each subcommand's usage, options and an example."""
    root = parser()
    lines = ["# CLI reference: `kafka-platform`", "",
             "Generated from `kafka_platform/cli.py` by `make docs`; do not edit. A test fails when it is stale.", "",
             "Installed with the package (`.venv/bin/kafka-platform` in this repository). Environments are named as "
             "their files are (`prod`); `simulate` and `bench` take a stage (`Prod`, the environment's `cdk.Stage`). "
             "Bad input ends with one line per problem and exit status 1; `plan` and `verify` exit 3 when something "
             "needs attention.", "", "```", _usage(root), "```", ""]
    commands = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        lines += [f"## `{name}`", "", _help_of(commands, name), "", "```", _usage(sub), "```", ""]
        if name in EXAMPLES:
            lines += ["Example:", "", "```sh", EXAMPLES[name], "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _usage(command: argparse.ArgumentParser) -> str:
    import os

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        return command.format_help().rstrip()
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous


def _help_of(commands: Any, name: str) -> str:
    return next((action.help or "") for action in commands._choices_actions if action.dest == name)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cdk-kafka-platform")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout that is not installed
        return "unknown (not installed)"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="kafka-platform", description=__doc__.splitlines()[0])
    root.add_argument("--version", action="version", version=f"kafka-platform {_version()}")
    commands = root.add_subparsers(dest="command", metavar="<command>")
    validate = commands.add_parser("validate", help="check every environment file; one line per problem")
    validate.add_argument("--directory", default="environments", help="folder of <environment>.yaml files")
    validate.add_argument("--only", default="", help="comma-separated environment names (default: all)")
    validate.set_defaults(run=_validate)
    summary = commands.add_parser("summary", help="summarize a synthesized cloud assembly")
    summary.add_argument("assembly", nargs="?", default="cdk.out")
    summary.set_defaults(run=_summary)
    access = commands.add_parser("access", help="who can read and write each topic, from the synthesized IAM "
                                                "policies; also written as CSV and JSON for auditors")
    access.add_argument("assembly", nargs="?", default="cdk.out")
    access.add_argument("--out", default=None, help="folder for access.csv and access.json (default: "
                                                    "<assembly>/access)")
    access.add_argument("--stage", help="only this stage or environment (Prod or prod)")
    access.add_argument("--topic", help="only grants on this topic (prefix grants that cover it included)")
    access.add_argument("--principal", help="only principals whose name contains this text")
    access.set_defaults(run=_access)
    plan = commands.add_parser("plan", help="what deploying each environment (and its standby) would change, "
                                            "offline, against the approved templates; exit 3 when something is "
                                            "refused or needs acknowledging")
    plan.add_argument("environments", nargs="*", help="environment names, such as prod (default: every one in the "
                                                      "assembly)")
    plan.add_argument("--assembly", default="cdk.out")
    plan.add_argument("--approved", default=str(APPROVED), help="the approved templates (default: the "
                                                                     "repository's snapshots)")
    plan.add_argument("--directory", default="environments", help="the environment files (their "
                                                                  "acknowledged_replacements)")
    plan.set_defaults(run=_plan)
    verify = commands.add_parser("verify", help="after a deployment: every stack complete, clusters ACTIVE, functions "
                                                "Active, services steady, connectors running, no alarm in ALARM "
                                                "(read-only boto3 calls; exit 3 when something is not ready)")
    verify.add_argument("environment", help="the environment's name, such as prod (its standby is checked too)")
    verify.add_argument("--assembly", default="cdk.out")
    verify.set_defaults(run=_verify)
    dr = commands.add_parser("dr", help="the failover and failback plan of an environment with a standby, from the "
                                        "synthesized assembly; --execute adds read-only checks of what is deployed")
    dr.add_argument("environment", help="the environment's name, such as prod")
    dr.add_argument("--assembly", default="cdk.out")
    dr.add_argument("--execute", action="store_true", help="read the clusters', replicator's and alarms' state "
                                                           "through boto3 (read-only; needs AWS credentials)")
    dr.set_defaults(run=_dr)
    status = commands.add_parser("status", help="read-only, from AWS: each service's tasks against the bounds in "
                                                "force, its delay, last and scheduled scaling; Connect's health; the "
                                                "alarms in ALARM (exit 3 when any)")
    status.add_argument("environment", help="the environment (prod, or its stage, Prod)")
    status.add_argument("service", nargs="?", help="one consumer service (default: all)")
    status.add_argument("--assembly", default="cdk.out", help="the synthesized cloud assembly (default cdk.out)")
    status.set_defaults(run=_status)

    guardrail = commands.add_parser(
        "guardrail", help="the service control policy that keeps the connectors' control plane CloudFormation's "
                          "(for the organization's administrators to attach to the platform's accounts)")
    guardrail.add_argument("--qualifier", default="hnb659fds", help="the CDK bootstrap qualifier (default hnb659fds)")
    guardrail.set_defaults(run=_guardrail)
    cdk_json = commands.add_parser("cdk-json", help="print a cdk.json for a team's app, with the feature flags the "
                                                    "library is tested under")
    cdk_json.add_argument("--app", default="python app.py", help="the app command (default: python app.py)")
    cdk_json.set_defaults(run=_cdk_json)
    reference = commands.add_parser("reference", help="write the generated references: configuration (Markdown and "
                                                      "JSON Schema) and this CLI's")
    reference.add_argument("--out", default="docs/reference", help="the folder (default docs/reference)")
    reference.set_defaults(run=_reference)

    simulate = commands.add_parser(
        "simulate", help="replay one service's deployed scaling against a load profile, beside the baselines")
    simulate.add_argument("--assembly", default="cdk.out", help="the synthesized cloud assembly (default cdk.out)")
    simulate.add_argument("--service", required=True, help="the consumer service's name (construct id)")
    simulate.add_argument("--stage", help="the stage (Dev, Staging, Prod) when the service is in several")
    source = simulate.add_mutually_exclusive_group()
    source.add_argument("--profile", help="a shipped profile: month-end (default), campaign, daily-cycle, "
                                          "consumer-crash, noisy-month-end; scaled to the service's partitions x "
                                          "throughput")
    source.add_argument("--profile-csv", help="your own load: a CSV of minute,messages_per_second rows")
    simulate.add_argument("--start", help="when the profile's first minute begins, e.g. 2026-12-31T07:00 (UTC unless "
                                          "an offset is given): the service's scheduled actions run on this clock "
                                          "(default: the shipped profile's; a CSV has none)")
    simulate.add_argument("--throughput", type=float, help="messages per second one task processes (default: "
                                                           "the service's task_throughput_messages_per_second)")
    simulate.add_argument("--startup-seconds", help="task start-up time: 60, or a range drawn per task (default "
                                                    "30-120)")
    simulate.add_argument("--rebalance-seconds",
                          help="consumption pause per group membership change: 15, or a range whose top grows with "
                               "the group (default 5-45)")
    simulate.add_argument("--publish-delay-seconds",
                          help="from a lag sample to the alarm seeing it: 60, or a range drawn per datapoint "
                               "(default 60-150)")
    simulate.add_argument("--seeds", type=int, help="runs of each policy, each on its own seed (default 20)")
    simulate.add_argument("--out", default="simulation", help="folder for the plot and JSON (default simulation)")
    simulate.add_argument("--no-plot", action="store_true", help="write the JSON and the table only (the plot needs "
                                                                 "matplotlib: the simulation extra)")
    simulate.set_defaults(run=_simulate)

    bench = commands.add_parser("bench", help="every service against every shipped profile and baseline: a "
                                              "table, JSON and plots")
    bench.add_argument("--assembly", default="cdk.out", help="the synthesized cloud assembly (default cdk.out)")
    bench.add_argument("--stage", help="only this stage (default: all)")
    bench.add_argument("--profile", action="append", help="only this shipped profile (repeatable; default: all)")
    bench.add_argument("--out", default="bench", help="folder for table.md, results.json and plots/ (default bench)")
    bench.add_argument("--seeds", type=int, help="runs of each policy, each on its own seed (default 20)")
    bench.add_argument("--no-sensitivity", action="store_true",
                       help="skip the sensitivity tables (how each modelling assumption moves Prod's and Staging's "
                            "results)")
    bench.set_defaults(run=_bench)

    synth = commands.add_parser("bench-synth", help="wall time and peak memory of cdk synth, as ratios to a one-stack "
                                                    "floor, for the shipped environments and the bank's scale")
    synth.add_argument("--root", default=".", help="the repository (its app.py and environments/)")
    synth.add_argument("--cdk", required=True, help="the CDK CLI command, e.g. 'node node_modules/aws-cdk/bin/cdk'")
    synth.add_argument("--repeats", type=int, default=3, help="interleaved repeats; medians are reported (default 3)")
    synth.add_argument("--scales", default="20,40,80", help="services and connectors per environment (default "
                                                             "20,40,80)")
    synth.add_argument("--out", default="bench/synth", help="folder for table.md and results.json")
    synth.set_defaults(run=_bench_synth)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    root = parser()
    args = root.parse_args(argv)
    if args.command is None:  # a bare kafka-platform: the help, not an error
        root.print_help()
        return 0
    try:
        return args.run(args)
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 1
    except ModuleNotFoundError as error:
        from kafka_platform.extras import missing_extra

        if (clear := missing_extra(error, f"kafka-platform {args.command}")) is None:
            raise
        print(clear, file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
