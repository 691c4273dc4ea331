"""The wheel is a product: a separate project installs it and runs the library guide's examples against the shared
cluster."""

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


def test_the_shipped_cdk_context_is_the_repositorys():
    """kafka-platform cdk-json prints the flags the library is tested under: this repository's cdk.json context."""
    assert json.loads((ROOT / "kafka_platform" / "cdk_context.json").read_text()) == json.loads(
        (ROOT / "cdk.json").read_text())["context"]


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


def guide_example(name: str = "shared-cluster") -> str:
    text = (ROOT / "docs" / "using-the-library.md").read_text()
    block = re.search(rf"<!-- example:{name} -->\n```python\n(.*?)```\n<!-- /example:{name} -->", text, re.S)
    assert block, f"the library guide lost its {name} example"
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


class Job:
    """A process started at once and read when a test needs it: the team's apps and checkers run side by side."""

    def __init__(self, arguments: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.cwd = cwd
        self.process = subprocess.Popen(arguments, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self._result: subprocess.CompletedProcess[str] | None = None

    def result(self) -> subprocess.CompletedProcess[str]:
        if self._result is None:
            stdout, stderr = self.process.communicate(timeout=600)
            self._result = subprocess.CompletedProcess(self.process.args, self.process.returncode, stdout, stderr)
        return self._result


def synthesis(python: Path, source: str, project: Path) -> Job:
    """The app synthesized as the CDK CLI would run it from the cdk.json ``kafka-platform cdk-json`` prints: with its
    context (the CLI passes it in CDK_CONTEXT_JSON)."""
    project.mkdir()
    (project / "app.py").write_text("from kafka_platform.node_runtime import use_wheel_node\nuse_wheel_node()\n"
                                    + source)
    printed = subprocess.run([str(python.parent / "kafka-platform"), "cdk-json"], capture_output=True, text=True,
                             check=True, timeout=120).stdout
    (project / "cdk.json").write_text(printed)
    return Job([str(python), "app.py"], project, env={"CDK_OUTDIR": str(project / "cdk.out"), "PATH": "/usr/bin:/bin",
                                                      "HOME": str(project),
                                                      "CDK_CONTEXT_JSON": json.dumps(json.loads(printed)["context"])})


@pytest.fixture(scope="module")
def team(installed, tmp_path_factory) -> dict[str, Job]:
    """Every process a team would run on the wheel, started together: the library guide's examples (gates on; that the
    gates fail a team's app on a finding is tests/gates/test_platform_pack.py's), mypy --strict on a typed app (clean,
    and with mistakes) and pyright --verifytypes."""
    folder = tmp_path_factory.mktemp("team-apps")
    jobs = {}
    for name in EXAMPLES:
        source = guide_example(name)
        assert "register_gates(app, " in source, "every library guide example runs with the bank's gates on"
        jobs[name] = synthesis(installed, source, folder / name)
    examples = "\n".join(guide_example(name) for name in EXAMPLES)
    jobs["mypy"] = mypy(installed, folder / "mypy", {"clean.py": TYPED_APP + "\n" + examples,
                                                     "mistakes.py": TYPED_APP + MISTAKES})
    (folder / "pyright").mkdir()
    jobs["pyright"] = Job([str(Path(sys.executable).parent / "pyright"), "--verifytypes", "kafka_platform",
                           "--ignoreexternal", "--outputjson"], folder / "pyright",
                          env={"PATH": f"{installed.parent}:/usr/bin:/bin", "HOME": str(Path.home()),
                               "VIRTUAL_ENV": str(installed.parent.parent)})
    return jobs


EXAMPLES = ("shared-cluster", "consumer-service", "data-team")


def synthesized_example(team: dict[str, Job], name: str) -> Path:
    result = team[name].result()
    assert result.returncode == 0, result.stderr[-3000:]
    return team[name].cwd / "cdk.out"


def test_a_separate_project_references_the_shared_cluster_adds_a_topic_and_a_grant(team):
    out = synthesized_example(team, "shared-cluster")
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


def test_a_separate_project_grants_a_data_team_and_audits_it_with_the_access_report(installed, team, tmp_path):
    out = synthesized_example(team, "data-team")
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


def test_a_separate_project_adds_a_lag_scaled_consumer_in_one_statement(installed, team, tmp_path):
    out = synthesized_example(team, "consumer-service")
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
    assert alarms["bank-streaming-prod-collections-workers-delay"]["AlarmDescription"].endswith(
        "/operations/runbooks/consumer-delay.md Dashboard: collections")
    # The shared platform is read at deployment from the parameters it publishes: no lookup, no literal ids, and no
    # rule added to the platform's security groups (the tasks join its client and endpoint groups).
    parameters = {p["Default"] for p in template["Parameters"].values()
                  if p["Type"] == "AWS::SSM::Parameter::Value<String>" and p["Default"].startswith("/kafka-platform/")}
    assert parameters == {f"/kafka-platform/prod/shared/{a}" for a in (
        "vpc-id", "vpc-cidr", "private-subnet-ids", "private-route-table-ids", "aws-api-security-group-id",
        "cluster-arn", "bootstrap-brokers", "client-security-group-id")}
    assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::EC2::SecurityGroupIngress"
                and "SsmParameterValue" in json.dumps(r["Properties"]["GroupId"])]
    service = next(r for r in template["Resources"].values() if r["Type"] == "AWS::ECS::Service")["Properties"]
    groups = json.dumps(service["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"])
    assert "clientsecuritygroupid" in groups.lower() and "awsapisecuritygroupid" in groups.lower()
    # The private ECR image named by its URI is pullable by the execution role, from that repository only.
    pulls = [s for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"
             for s in r["Properties"]["PolicyDocument"]["Statement"] if "ecr:BatchGetImage" in s["Action"]]
    # A literal partition: the example ran under the shipped context (@aws-cdk/core:enablePartitionLiterals).
    assert [s["Resource"] for s in pulls] == ["arn:aws:ecr:eu-west-2:333333333333:repository/collections/workers"]
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


MISTAKES = 'cluster.metric_max_offset_lag("g", "t", colour="red")\nfrom kafka_platform import KafkaTopicSpec\n'


def mypy(python: Path, folder: Path, files: dict[str, str]) -> Job:
    folder.mkdir()
    (folder / "mypy.ini").write_text(MYPY_CONFIG.format(cache=folder / "mypy-cache"))
    for name, source in files.items():
        (folder / name).write_text(source)
    return Job([sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--python-executable", str(python),
                *files], folder)


def mypy_errors(team: dict[str, Job], file: str) -> list[str]:
    return [line for line in team["mypy"].result().stdout.splitlines() if line.startswith(f"{file}:")]


def test_a_team_app_on_the_wheel_is_clean_under_mypy_strict(team):
    assert mypy_errors(team, "clean.py") == []
    assert team["mypy"].result().stdout.strip().endswith("(checked 2 source files)")


def test_mypy_catches_a_misspelt_metric_option_and_an_unexported_name(team):
    # The same checker must be able to fail: a typo in a metric option, and a name the package does not export.
    errors = "\n".join(mypy_errors(team, "mistakes.py"))
    assert team["mypy"].result().returncode == 1
    assert 'Unexpected keyword argument "colour" for "metric_max_offset_lag"' in errors
    assert 'Module "kafka_platform" has no attribute "KafkaTopicSpec"' in errors


def test_pyright_verifytypes_finds_every_public_symbol_typed(installed, team):
    report = json.loads(team["pyright"].result().stdout)["typeCompleteness"]
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
