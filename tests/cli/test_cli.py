"""``kafka-platform``: clean messages and a non-zero exit on bad input, never a traceback."""

import pytest

from kafka_platform.cli import main
from tests.config.bad_files import CASES, write
from tests.conftest import ENVIRONMENTS_DIR


def test_validate_accepts_the_shipped_environments(capsys):
    assert main(["validate", "--directory", str(ENVIRONMENTS_DIR)]) == 0
    assert capsys.readouterr().out == "configuration ok: dev, prod, staging\n"


@pytest.mark.parametrize("case", CASES[:12], ids=[case.id for case in CASES[:12]])
def test_each_kind_of_bad_file_gives_one_line_and_exit_status_one(case, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environments").mkdir()
    write(case, tmp_path / "environments")
    assert main(["validate", "--directory", "environments"]) == 1
    captured = capsys.readouterr()
    assert captured.err == case.expected + "\n"
    assert captured.out == ""


def test_summary_of_a_folder_without_an_assembly_says_what_to_do(tmp_path, capsys):
    assert main(["summary", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (f"{tmp_path}: holds no cloud assembly (manifest.json); run make synth (or cdk "
                                       "synth) first\n")


def test_summary_names_each_environment_cluster_and_topics(synthesized, capsys):
    assert main(["summary", str(synthesized.assembly.directory)]) == 0
    out = capsys.readouterr().out
    assert "Prod: account 333333333333, eu-west-2: 7 stacks" in out
    assert ("connect: 3-6 workers, 17 Debezium connectors: accounts-cdc, cards-cdc, customers-cdc, deposits-cdc, ... "
            "(13 more)") in out
    assert ("data product customer-events (from customers-cdc): products.customer-events.public.customers; "
            "date_of_birth exclude, email hash, full_name exclude, phone exclude") in out
    assert ("data team fraud-data-science: reads products.customer-events.public.customers as fraud-ds-*, assumed by "
            "arn:aws:iam::444444444444:role/fraud-data-science-streaming") in out
    assert "ProdDr: account 333333333333, eu-west-1: 5 stacks" in out
    assert ("replicator bank-streaming-prod-to-dr: 10 topics (identical names, from earliest), 5 consumer groups' "
            "offsets, zstd") in out
    assert ("cluster bank-streaming-prod: Kafka 4.1.x.kraft, 6 x kafka.m7g.xlarge over 3 zones, 2000 GiB per broker, "
            "storage TIERED, auth IAM, in transit TLS") in out
    assert "ledger-events 24p x3 tiered" in out and "customer-profiles 12p x3 compacted" in out
    assert ("consumer loan-approvals (loan-approvals on loan-applications): 2-24 tasks, needed tasks: incoming rate "
            "+10% or the backlog within 30 s, at 40/s per task, in counts 2, 3, 4, 5, 6, 8, 12, 24; scheduled: "
            "month-end-prewarm cron(50 8 L * ? *) Europe/London min 24, month-end-over cron(0 11 L * ? *) "
            "Europe/London min 2\n") in out
    assert ("consumer loan-approvals (loan-approvals on loan-applications): 1-24 tasks, steps on backlog per task: "
            "out at 800 (+100%..+400%), in at 120 (-20%)") in out
    assert ("consumer card-fraud-screening (card-fraud-screening on card-transactions): 1-6 tasks, target tracking, "
            "backlog per task 12000") in out
    assert ("consumer credit-assessment (credit-assessment on loan-applications): 0-6 tasks, steps on backlog per "
            "task: out at 600 (+100%..+400%), in at 90 (-20%), wakes on produce") in out


def test_validate_and_summary_never_start_jsii(synthesized):
    import subprocess
    import sys

    script = ("import sys; from kafka_platform.cli import main; "
              f"main(['validate', '--directory', {str(ENVIRONMENTS_DIR)!r}]); "
              f"main(['summary', {str(synthesized.assembly.directory)!r}]); "
              "print(sorted(m for m in ('jsii', 'aws_cdk', 'cdk_nag') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr


def test_summary_of_a_teams_app_without_a_stage_shows_its_stacks_and_connect_workers(tmp_path, capsys):
    """A team's own app: its stacks outside any stage, synthesized without the CDK CLI (so without construct
    paths), and a Connect cluster left at its default worker counts."""
    from aws_cdk import App
    from aws_cdk import aws_ecs as ecs
    from aws_cdk import aws_secretsmanager as secretsmanager

    from kafka_platform.constructs.alarm_topic import AlarmTopic
    from kafka_platform.constructs.connect_cluster import DebeziumConnectCluster
    from kafka_platform.constructs.kafka_cluster import KafkaCluster
    from kafka_platform.domain.debezium import PostgresConnectorSpec
    from tests.conftest import cdk_context
    from tests.support import new_stack, new_vpc

    app = App(outdir=str(tmp_path / "cdk.out"), context=cdk_context())
    stack = new_stack(app, "CollectionsCdc")
    cluster = KafkaCluster.from_cluster_attributes(
        stack, "Shared", cluster_arn="arn:aws:kafka:eu-west-2:111111111111:cluster/bank-streaming-dev/abc-1",
        bootstrap_brokers="b-1:9098", security_group_id="sg-0123456789abcdef0", broker_count=3)
    connect = DebeziumConnectCluster(stack, "Connect", cluster=cluster, vpc=new_vpc(stack), name="collections-cdc",
                                     alarm_action=AlarmTopic(stack, "Alarms", display_name="t").alarm_action,
                                     image=ecs.ContainerImage.from_registry(
                                         "111111111111.dkr.ecr.eu-west-2.amazonaws.com/connect:4.3.1"))
    connect.add_postgres_connector("Cases", spec=PostgresConnectorSpec(
        name="cases-cdc", database_host="cases-db.c9akciq32xyz.eu-west-2.rds.amazonaws.com", database_name="cases",
        tables=["public.cases"], topic_prefix="cdc.cases", slot_name="debezium_cases", publication_name="dbz_cases",
        credentials_env_prefix="DBZ_CASES_CDC"), credentials_secret=secretsmanager.Secret.from_secret_complete_arn(
            stack, "Db", "arn:aws:secretsmanager:eu-west-2:111111111111:secret:cases-db-AbCdEf"))
    app.synth()
    assert main(["summary", str(tmp_path / "cdk.out")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("(stacks outside a stage): account 123456789012, eu-west-2: 1 stacks")
    assert "connect: 2-4 workers, 1 Debezium connectors: cases-cdc" in out


def test_summary_of_an_assembly_without_stacks_says_so(tmp_path, capsys):
    from aws_cdk import App

    App(outdir=str(tmp_path / "cdk.out")).synth()
    assert main(["summary", str(tmp_path / "cdk.out")]) == 1
    assert "holds no stack; synthesize an app that creates at least one" in capsys.readouterr().err
