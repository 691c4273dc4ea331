"""Each gate catches a violation planted on purpose, so that a passing gate means something."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from aws_cdk import App, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_msk as msk

from kafka_platform.gates.packs import register_gates
from kafka_platform.gates.report import report_failures
from kafka_platform.gates.rules import DeclaredTopology
from tests.conftest import ROOT, cdk_context
from tests.support import new_stack

TOPOLOGY = {"Test": DeclaredTopology(topic_partitions={})}


def synth_with_gates(plant, tmp_path):
    app = App(outdir=str(tmp_path / "cdk.out"), context=cdk_context())
    stack = new_stack(app)
    plant(stack)
    register_gates(app, {})
    with pytest.raises(RuntimeError) as raised:
        app.synth()
    return str(raised.value)


def open_ssh(stack):
    vpc = ec2.Vpc(stack, "Vpc", availability_zones=["eu-west-2a"], nat_gateways=0, subnet_configuration=[
        ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])
    group = ec2.SecurityGroup(stack, "Open", vpc=vpc, description="planted")
    group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(22), "planted")


def unencrypted_logs(stack):
    logs.LogGroup(stack, "Plain", retention=logs.RetentionDays.ONE_WEEK, removal_policy=RemovalPolicy.DESTROY)


def msk_without_customer_key(stack):
    msk.CfnCluster(stack, "Cluster", cluster_name="planted", kafka_version="4.1.x.kraft", number_of_broker_nodes=3,
                   broker_node_group_info=msk.CfnCluster.BrokerNodeGroupInfoProperty(
                       client_subnets=["subnet-1", "subnet-2", "subnet-3"], instance_type="kafka.m7g.large"))


def test_aws_solutions_catches_ssh_open_to_the_world(tmp_path):
    assert "AwsSolutions-EC23" in synth_with_gates(open_ssh, tmp_path)


@pytest.mark.parametrize("rule", ["PCI.DSS.321-CloudWatchLogGroupEncrypted",
                                  "NIST.800.53.R5-CloudWatchLogGroupEncrypted"])
def test_pci_and_nist_catch_an_unencrypted_log_group(tmp_path, rule):
    assert rule in synth_with_gates(unencrypted_logs, tmp_path)


@pytest.mark.parametrize("rule", ["KafkaPlatform-MSKCustomerManagedKey", "KafkaPlatform-MSKIamAuthenticationOnly",
                                  "KafkaPlatform-MSKPublicAccessDisabled"])
def test_the_platform_pack_catches_an_msk_cluster_without_the_bank_defaults(tmp_path, rule):
    assert rule in synth_with_gates(msk_without_customer_key, tmp_path)


def test_a_failed_plugin_without_violations_is_still_a_failure(tmp_path):
    (tmp_path / "validation-report.json").write_text(json.dumps({"pluginReports": [
        {"pluginName": "KafkaPlatform", "conclusion": "failure", "metadata": {"error": "boom"}, "violations": []},
        {"pluginName": "AwsSolutions", "conclusion": "success", "violations": []}]}))
    assert report_failures(tmp_path) == ["KafkaPlatform: failure: boom"]


def test_each_violation_is_reported_with_its_resources_and_description(tmp_path):
    (tmp_path / "validation-report.json").write_text(json.dumps({"pluginReports": [
        {"pluginName": "AwsSolutions", "conclusion": "failure", "violations": [
            {"ruleName": "AwsSolutions-EC23", "description": "The Security Group allows for 0.0.0.0/0.",
             "violatingConstructs": [{"constructPath": "Prod/Network/Open/Resource"}]}]}]}))
    assert report_failures(tmp_path) == ["AwsSolutions: AwsSolutions-EC23 at Prod/Network/Open/Resource: The "
                                         "Security Group allows for 0.0.0.0/0."]


def test_no_report_at_all_is_a_failure(tmp_path):
    assert report_failures(tmp_path) == [f"{tmp_path / 'validation-report.json'}: missing; the compliance gates did "
                                         "not run"]


PLANTED_APP = textwrap.dedent('''
    from kafka_platform.node_runtime import use_wheel_node
    use_wheel_node()
    import sys
    from aws_cdk import App, RemovalPolicy
    from aws_cdk import aws_logs as logs
    from kafka_platform.config import load_environments
    from kafka_platform.gates.report import report_failures
    from kafka_platform.platform_app import compose

    app = App()
    stages = compose(app, load_environments({environments!r}, only=["dev"]))
    logs.LogGroup(stages["dev"].kafka, "PlantedPlainLogs", removal_policy=RemovalPolicy.DESTROY)
    assembly = app.synth()
    failures = report_failures(assembly.directory)
    if failures:
        sys.exit("compliance gates failed: " + "; ".join(failures))
''')


def test_the_real_cdk_cli_fails_synthesis_on_a_finding_and_leaves_the_report(tmp_path):
    (tmp_path / "app.py").write_text(PLANTED_APP.format(environments=str(ROOT / "environments")))
    cdk = json.loads((ROOT / "cdk.json").read_text())
    (tmp_path / "cdk.json").write_text(json.dumps({**cdk, "app": f"{sys.executable} app.py"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(CDK_DISABLE_CLI_TELEMETRY="true", AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=str(ROOT))
    node = shutil.which("node", path=str(Path(sys.executable).parent)) or "node"
    result = subprocess.run([node, str(ROOT / "node_modules/aws-cdk/bin/cdk"), "synth", "--quiet", "--no-notices",
                             "--no-lookups", "Dev/*"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode != 0
    assert "CloudWatchLogGroupEncrypted" in result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads((tmp_path / "cdk.out" / "validation-report.json").read_text())
    failed = {p["pluginName"] for p in report["pluginReports"] if p["conclusion"] == "failure"}
    assert {"PCI.DSS.321", "NIST.800.53.R5"} <= failed
