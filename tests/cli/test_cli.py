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
    assert "Prod: account 333333333333, eu-west-2: 6 stacks" in out
    assert ("connect: 3-6 workers, 16 Debezium connectors: accounts-cdc, cards-cdc, customers-cdc, deposits-cdc, ... "
            "(12 more)") in out
    assert ("cluster bank-streaming-prod: Kafka 3.9.x, 6 x kafka.m7g.xlarge over 3 zones, 2000 GiB per broker, "
            "storage TIERED, auth IAM, in transit TLS") in out
    assert "ledger-events 24p x3 tiered" in out and "customer-profiles 12p x3 compacted" in out
    assert ("consumer loan-approvals (loan-approvals on loan-applications): 2-24 tasks, steps on backlog per task: "
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
