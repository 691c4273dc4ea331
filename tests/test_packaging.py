"""The wheel is a product: a separate project installs it and runs the README's example against the shared cluster."""

import json
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # Built in isolation, as any build is: setuptools' license expressions need a newer `packaging` than checkov
    # allows in this environment.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    [built] = out.glob("cdk_kafka_platform-*.whl")
    return built


def test_the_wheel_ships_the_lambda_code_and_type_information(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "kafka_platform/py.typed" in names
    assert "kafka_platform/lambda/bootstrap_brokers.py" in names
    assert "kafka_platform/lambda/custom_resource.py" in names
    for part in ("Dockerfile", "pom.xml", "versions.json", "entrypoint.sh", "log4j2.properties"):
        assert f"kafka_platform/constructs/connect_image/{part}" in names
    assert not any(name.startswith(("tests/", "environments/")) for name in names)


def metadata(wheel: Path) -> str:
    names = zipfile.ZipFile(wheel).namelist()
    return zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()


def test_the_wheel_declares_tested_floors_not_pins(wheel):
    # The floors are what `make floors` installs and synthesizes with (tests/floors.txt), not the newest releases.
    floors = dict(line.split("==") for line in (ROOT / "tests" / "floors.txt").read_text().splitlines()
                  if line and not line.startswith("#"))
    requires = [line for line in metadata(wheel).splitlines() if line.startswith("Requires-Dist: ")]
    for distribution, floor in floors.items():
        declared = [r for r in requires if re.match(rf"Requires-Dist: {re.escape(distribution)}[<>=]", r, re.I)]
        assert declared and all(f">={floor}" in r for r in declared), (distribution, declared)
    assert "Requires-Dist: aws-cdk-lib<3,>=2.269.0" in requires  # not 2.275.0, the newest: that would be a pin
    # The constructs need nothing else; the gates and YAML environments are extras.
    assert sorted(r.split(";")[0].split("<")[0].split(">")[0][15:] for r in requires if ";" not in r) == [
        "aws-cdk-lib", "constructs"]


def test_the_wheel_carries_its_license_and_the_guide_as_its_description(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    text = metadata(wheel)
    assert "License-Expression: Apache-2.0" in text and "License-File: LICENSE" in text
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    description = text.split("\n\n", 1)[1]
    assert description.startswith("# cdk-kafka-platform: using the library")
    # Nothing that only works inside this repository: no make targets, no relative links or images.
    assert not re.search(r"^\s*make \w", description, re.M)
    assert not [link for link in re.findall(r"\]\(([^)]+)\)", description) if not link.startswith(("http", "#"))]


def test_every_package_data_pattern_matches_a_file():
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert [p for p in patterns["kafka_platform"] if not list((ROOT / "kafka_platform").glob(p))] == []


def test_the_guide_states_the_container_contract_the_service_sets():
    import ast

    from kafka_platform.constructs.consumer_service import RESERVED_VARIABLES

    guide = (ROOT / "docs" / "using-the-library.md").read_text()
    assert [v for v in RESERVED_VARIABLES if f"| `{v}` |" not in guide] == []
    block = re.search(r"<!-- example:container-contract -->\n```python\n(.*?)```", guide, re.S)
    assert block, "the guide lost its minimal consumer"
    tree = ast.parse(block.group(1))
    read = {node.slice.value for node in ast.walk(tree) if isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant) and ast.unparse(node.value) == "os.environ"}
    assert {"KAFKA_BOOTSTRAP_SERVERS", "KAFKA_TOPICS", "KAFKA_CONSUMER_GROUP", "KAFKA_SECURITY_PROTOCOL"} <= read


def readme_example(name: str = "shared-cluster") -> str:
    text = (ROOT / "README.md").read_text()
    block = re.search(rf"<!-- example:{name} -->\n```python\n(.*?)```\n<!-- /example:{name} -->", text, re.S)
    assert block, f"README lost its {name} example"
    return block.group(1)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; returns its python."""
    tmp_path = tmp_path_factory.mktemp("team")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    # The dependencies come from this venv's site-packages (already pinned and downloaded); the package itself only
    # from the wheel: a path in a .pth file does not run that folder's own .pth files, so the editable install of
    # the source tree stays invisible.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "platform_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], check=True,
                   timeout=300)
    origin = subprocess.run([str(python), "-c", "import kafka_platform; print(kafka_platform.__file__)"],
                            cwd=tmp_path, capture_output=True, text=True).stdout
    assert str(venv) in origin, "the package must come from the wheel, not the source tree"
    return python


def synthesize(python: Path, source: str, project: Path) -> subprocess.CompletedProcess[str]:
    project.mkdir()
    (project / "app.py").write_text("from kafka_platform.node_runtime import use_wheel_node\nuse_wheel_node()\n"
                                    + source)
    return subprocess.run([str(python), "app.py"], cwd=project, capture_output=True, text=True, timeout=600,
                          env={"CDK_OUTDIR": str(project / "cdk.out"), "PATH": "/usr/bin:/bin",
                               "HOME": str(project)})


def run_example(python: Path, name: str, tmp_path: Path) -> Path:
    source = readme_example(name)
    assert "register_gates(app, " in source, "every README example runs with the bank's gates on"
    result = synthesize(python, source, tmp_path / name)
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp_path / name / "cdk.out"


def test_the_gates_in_a_team_app_fail_its_synthesis_on_a_finding(installed, tmp_path):
    # The same example with a lag alarm on a group the app does not declare, and an inline policy: both refused.
    source = readme_example("consumer-service").replace('consumer_groups={"collections-workers": ("repayments",)}',
                                                        'consumer_groups={"collections-other": ("repayments",)}')
    source = source.replace("register_gates(", 'from aws_cdk import aws_iam as iam\n'
                            'iam.Role(stack, "Inline", assumed_by=iam.AccountRootPrincipal()).add_to_policy('
                            'iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["*"]))\nregister_gates(')
    result = synthesize(installed, source, tmp_path / "failing")
    assert result.returncode != 0
    assert "KafkaPlatform-LagAlarmDeclared[ConsumerGroup::collections-workers]" in result.stderr
    assert "KafkaPlatform-IAMPoliciesManaged[InlinePolicy]" in result.stderr


def test_a_separate_project_references_the_shared_cluster_adds_a_topic_and_a_grant(installed, tmp_path):
    out = run_example(installed, "shared-cluster", tmp_path)
    template = json.loads((out / "CollectionsStreaming.template.json").read_text())
    types = sorted(r["Type"] for r in template["Resources"].values())
    # A managed policy, not an inline one: the example runs with the bank's gates on, which refuse inline policies.
    assert types == ["AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::MSK::Topic"]
    statements = next(r for r in template["Resources"].values()
                      if r["Type"] == "AWS::IAM::ManagedPolicy")["Properties"]["PolicyDocument"]["Statement"]
    prefix = "arn:aws:kafka:eu-west-2:333333333333:"
    uuid = "bank-streaming-prod/5a1b2c3d-aaaa-bbbb-cccc-1234567890ab-3"
    assert [s["Resource"] for s in statements] == [
        f"{prefix}cluster/{uuid}", f"{prefix}topic/{uuid}/collections-cases", f"{prefix}group/{uuid}/collections-workers"]


def test_a_separate_project_grants_a_data_team_and_audits_it_with_the_access_report(installed, tmp_path):
    out = run_example(installed, "data-team", tmp_path)
    template = json.loads((out / "RiskAnalytics.template.json").read_text())
    [policy] = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    resources = sorted(str(s["Resource"]) for s in policy["Properties"]["PolicyDocument"]["Statement"])
    uuid = "bank-streaming-prod/5a1b2c3d-aaaa-bbbb-cccc-1234567890ab-3"
    assert resources == [f"arn:aws:kafka:eu-west-2:333333333333:{kind}/{uuid}{tail}" for kind, tail in (
        ("cluster", ""), ("group", "/risk-models-*"), ("topic", "/products.customer-events.public.customers"))]
    report = subprocess.run([str(installed.parent / "kafka-platform"), "access", str(out), "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert report.returncode == 0, report.stderr[-2000:]
    assert "      read:           data-team risk-models\n" in report.stdout
    assert (tmp_path / "access.csv").read_text().count("risk-models") >= 2


def test_a_separate_project_adds_a_lag_scaled_consumer_in_one_statement(installed, tmp_path):
    out = run_example(installed, "consumer-service", tmp_path)
    template = json.loads((out / "CollectionsConsumers.template.json").read_text())
    types = [r["Type"] for r in template["Resources"].values()]
    assert types.count("AWS::ECS::Service") == 1
    assert types.count("AWS::ApplicationAutoScaling::ScalingPolicy") == 2
    target = next(r for r in template["Resources"].values()
                  if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 48)
    alarms = {r["Properties"]["AlarmName"]: r["Properties"] for r in template["Resources"].values()
              if r["Type"] == "AWS::CloudWatch::Alarm"}
    # 60 messages/s per task x a sixth of the 300 s budget: the backlog per task that scales out.
    assert alarms["bank-streaming-prod-collections-workers-scale-out"]["Threshold"] == 3000
    assert alarms["bank-streaming-prod-collections-workers-delay"]["AlarmActions"] == [
        "arn:aws:sns:eu-west-2:333333333333:collections-oncall"]
    # The team replays its own service's scaling before its first month-end (an app without stages).
    result = subprocess.run([str(installed), "-m", "kafka_platform.cli", "simulate", "--assembly", str(out),
                             "--service", "CollectionsWorkers", "--out", str(tmp_path / "simulation")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("CollectionsWorkers on month-end: 48 partitions, 60 messages/s per task, delay "
                                    "target 300 s, steps")
    assert (tmp_path / "simulation" / "CollectionsWorkers-month-end.png").exists()


# ---- typing, as a team's own checkers see the installed wheel ---------------------------------------------------
# mypy does not analyse aws-cdk-lib here (jsii's generated modules take a minute and more to analyse cold): its types
# are Any, and what is checked is this library's own surface: explicit exports, annotations, metric options.
MYPY_CONFIG = """[mypy]
strict = True
cache_dir = {cache}

[mypy-aws_cdk.*,constructs.*,jsii.*,cdk_nag.*]
follow_imports = skip
"""

TYPED_APP = '''
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch

from kafka_platform import IKafkaCluster, IKafkaTopic, KafkaCluster, KafkaTopic, MetricOptions

app = App()
stack = Stack(app, "Typed")
cluster: IKafkaCluster = KafkaCluster.from_cluster_attributes(
    stack, "Shared", cluster_arn="arn:aws:kafka:eu-west-2:333333333333:cluster/c/5a1b2c3d-aaaa-bbbb-cccc-1234567890ab-3",
    bootstrap_brokers="b-1:9098", security_group_id="sg-0123456789abcdef0")
topic: IKafkaTopic = KafkaTopic.from_topic_attributes(stack, "Cases", cluster=cluster, topic_name="cases",
                                                      partitions=12)
options: MetricOptions = {"color": "#d62728", "period": Duration.minutes(5)}
lag: cloudwatch.Metric = cluster.metric_sum_offset_lag("workers", topic.topic_name, **options)
'''


def mypy(python: Path, tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "mypy.ini").write_text(MYPY_CONFIG.format(cache=tmp_path / "mypy-cache"))
    (tmp_path / "app.py").write_text(source)
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--python-executable",
                           str(python), "app.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_a_team_app_on_the_wheel_is_clean_under_mypy_strict(installed, tmp_path):
    examples = "\n".join(readme_example(name) for name in ("shared-cluster", "consumer-service", "data-team"))
    result = mypy(installed, tmp_path, TYPED_APP + "\n" + examples)
    assert result.returncode == 0, result.stdout


def test_mypy_catches_a_misspelt_metric_option_and_an_unexported_name(installed, tmp_path):
    # The same checker must be able to fail: a typo in a metric option, and a name the package does not export.
    result = mypy(installed, tmp_path, TYPED_APP + 'cluster.metric_max_offset_lag("g", "t", colour="red")\n'
                                                   "from kafka_platform import KafkaTopicSpec\n")
    assert result.returncode == 1
    assert 'Unexpected keyword argument "colour" for "metric_max_offset_lag"' in result.stdout
    assert 'Module "kafka_platform" has no attribute "KafkaTopicSpec"' in result.stdout


def test_pyright_verifytypes_finds_every_public_symbol_typed(installed, tmp_path):
    env = {"PATH": f"{installed.parent}:/usr/bin:/bin", "VIRTUAL_ENV": str(installed.parent.parent),
           "HOME": str(Path.home())}
    result = subprocess.run([str(Path(sys.executable).parent / "pyright"), "--verifytypes", "kafka_platform",
                             "--ignoreexternal", "--outputjson"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, env=env)
    report = json.loads(result.stdout)["typeCompleteness"]
    untyped = [f"{symbol['name']}: {diagnostic['message']}" for symbol in report["symbols"]
               for diagnostic in symbol.get("diagnostics", []) if diagnostic["severity"] == "error"]
    assert report["exportedSymbolCounts"]["withKnownType"] > 1500  # the whole package was read, from the wheel
    assert report["packageRootDirectory"].startswith(str(installed.parent.parent))
    assert untyped == [] and report["completenessScore"] == 1


def test_a_feature_whose_extra_is_missing_names_the_extra(monkeypatch):
    # `make floors` shows it on a real install without extras; here the import of cdk-nag fails as it would there.
    import builtins

    import kafka_platform

    real_import = builtins.__import__

    def without_cdk_nag(name, *args, **kwargs):
        if name.split(".")[0] == "cdk_nag":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    for module in ("kafka_platform.gates.packs", "kafka_platform.gates.platform_pack"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setattr(builtins, "__import__", without_cdk_nag)
    with pytest.raises(ImportError, match=r"^kafka_platform.register_gates needs cdk_nag, which the 'gates' extra "
                                          r"installs: pip install 'cdk-kafka-platform\[gates\]'$"):
        kafka_platform.register_gates  # noqa: B018
