"""The CLI's own manners: a bare command prints the help, --version the package's version."""

from __future__ import annotations

from importlib.metadata import version

import pytest

import kafka_platform
from kafka_platform.cli import main


def test_a_bare_command_prints_the_help_and_succeeds(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: kafka-platform") and "validate" in out and "guardrail" in out


def test_version_is_the_installed_packages(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"kafka-platform {version('cdk-kafka-platform')}"
    assert kafka_platform.__version__ == version("cdk-kafka-platform")


@pytest.mark.parametrize("given, stage", [("prod", "Prod"), ("Prod", "Prod"), ("Prod/*", "Prod"), ("prod-dr", "ProdDr"),
                                          ("ProdDr/*", "ProdDr"), ("STAGING", "Staging")])
def test_one_stage_however_it_is_spelt(synthesized, given, stage):
    assert synthesized.assembly.stage_named(given) == stage


def test_a_stage_that_does_not_exist_names_the_one_meant(synthesized):
    from kafka_platform.errors import ConfigurationError

    with pytest.raises(ConfigurationError) as raised:
        synthesized.assembly.stage_named("stagin")
    assert "has no stage 'stagin'; did you mean Staging? it has Dev, Prod, ProdDr, Staging, StagingDr" in str(
        raised.value)


def test_simulate_takes_the_environments_name_for_its_stage(synthesized, tmp_path, capsys):
    assert main(["simulate", "--assembly", str(synthesized.assembly.directory), "--stage", "prod", "--service",
                 "loan-approvals", "--out", str(tmp_path), "--no-plot", "--seeds", "1"]) == 0
    assert capsys.readouterr().out.startswith("Prod/loan-approvals on month-end")
