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
