"""The lowest dependency versions pyproject.toml allows, proven: run by `make floors` (as ``python -P``: the tests
folder holds a ``constructs`` package of its own) in a virtual environment that
holds exactly tests/floors.txt and the wheel.

``constructs``: the wheel without extras (aws-cdk-lib and constructs only). The constructs synthesize, and what needs
an extra says which.
``app``: the wheel with ``[app]``. Every shipped environment synthesizes with every gate on (compliance packs and
the quota gate, as app.py runs them), and so do the library guide's examples, each in a process of its own.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from kafka_platform.node_runtime import use_wheel_node

use_wheel_node()

ROOT = Path(__file__).resolve().parent.parent
FLOORS = dict(line.split("==") for line in (ROOT / "tests" / "floors.txt").read_text().splitlines()
              if line and not line.startswith("#"))
BASE = ("aws-cdk-lib", "constructs")
EXTRAS = ("cdk-nag", "pydantic", "PyYAML")


def installed(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def check_versions(expected: tuple[str, ...], absent: tuple[str, ...] = ()) -> None:
    wrong = {d: installed(d) for d in expected if installed(d) != FLOORS[d]}
    present = [d for d in absent if installed(d) is not None]
    if wrong or present:
        sys.exit(f"floors: not the floors: {wrong}; present although not required: {present}")
    print("floors: " + ", ".join(f"{d} {FLOORS[d]}" for d in expected))


CONSTRUCTS_APP = '''
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns

from kafka_platform import (ConsumedTopic, DebeziumConnectCluster, KafkaCluster, KafkaConsumerService, KafkaTopic,
                            ManagedPolicyRole)

app = App()
env = Environment(account="333333333333", region="eu-west-2")
owned = Stack(app, "Owned", env=env)
vpc = ec2.Vpc(owned, "Vpc", max_azs=3)
cluster = KafkaCluster(owned, "Cluster", vpc=vpc, cluster_name="floors", kafka_version="4.1.x.kraft")
oncall = actions.SnsAction(sns.Topic(owned, "Oncall"))
DebeziumConnectCluster(owned, "Connect", cluster=cluster, vpc=vpc, name="floors-cdc", alarm_action=oncall)
KafkaTopic(owned, "Cases", cluster=cluster, topic_name="cases", partitions=12, retention=Duration.days(14))
KafkaConsumerService(owned, "Workers", cluster=cluster, vpc=vpc, topics=[ConsumedTopic("cases", partitions=12)],
                     consumer_group="workers", image=ecs.ContainerImage.from_registry("public.ecr.aws/x/y:1.0.0"),
                     max_delay=Duration.minutes(5), alarm_action=oncall, task_throughput_messages_per_second=50)
team = Stack(app, "Team", env=env)
shared = KafkaCluster.from_cluster_attributes(
    team, "Shared", cluster_arn="arn:aws:kafka:eu-west-2:333333333333:cluster/floors/5a1b2c3d-aaaa-bbbb-cccc-1234567890ab-3",
    bootstrap_brokers="b-1:9098", security_group_id="sg-0123456789abcdef0", broker_count=3)
topic = KafkaTopic.from_topic_attributes(team, "Cases", cluster=shared, topic_name="cases", partitions=12)
role = ManagedPolicyRole(team, "Role", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"), description="x")
topic.grant_consume(role, "workers")
assembly = app.synth()
print("floors: constructs synthesized:", ", ".join(sorted(s.stack_name for s in assembly.stacks)))
'''


def run(source: str, what: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "app.py").write_text("from kafka_platform.node_runtime import use_wheel_node\n"
                                          "use_wheel_node()\n" + source)
        result = subprocess.run([sys.executable, "app.py"], cwd=folder, capture_output=True, text=True, timeout=900,
                                env={"CDK_OUTDIR": str(Path(folder, "cdk.out")), "PATH": "/usr/bin:/bin",
                                     "HOME": folder})
    if result.returncode != 0:
        sys.exit(f"floors: {what} failed on the floors:\n{result.stderr[-4000:]}")
    print(f"floors: {what}: synthesized" + (f" ({result.stdout.strip()})" if result.stdout.strip() else ""))


def constructs() -> None:
    check_versions(BASE, absent=EXTRAS)
    run(CONSTRUCTS_APP, "constructs without extras")
    try:
        from kafka_platform import register_gates  # noqa: F401
    except ImportError as error:
        if "pip install 'cdk-kafka-platform[gates]'" not in str(error):
            sys.exit(f"floors: register_gates without cdk-nag gave an unclear error: {error}")
        print(f"floors: without the extra: {error}")
    else:
        sys.exit("floors: register_gates imported without cdk-nag installed")


def app() -> None:
    check_versions(BASE + EXTRAS)
    from aws_cdk import App

    from kafka_platform.config import load_environments
    from kafka_platform.gates.report import report_failures
    from kafka_platform.platform_app import compose
    from kafka_platform.quotas import assembly_quota_findings

    with tempfile.TemporaryDirectory() as out:
        platform = App(outdir=out)
        stages = compose(platform, load_environments(ROOT / "environments"))
        assembly = platform.synth()
        findings = report_failures(assembly.directory) + assembly_quota_findings(assembly.directory)
    if findings:
        sys.exit("floors: gates failed on the floors:\n" + "\n".join(findings))
    print(f"floors: every shipped environment with every gate on: {', '.join(sorted(stages))}")
    guide = (ROOT / "docs" / "using-the-library.md").read_text()
    for name in ("shared-cluster", "consumer-service", "data-team"):  # the CDK apps (not the container's code)
        source = re.search(rf"<!-- example:{name} -->\n```python\n(.*?)```", guide, re.S)
        assert source is not None
        run(source.group(1), f"library guide example {name}, gates on")


if __name__ == "__main__":
    {"constructs": constructs, "app": app}[sys.argv[1]]()
