"""Each bad file gives exactly one clear line naming the file, the field, the value and the fix."""

import pytest

from kafka_platform.config import load_environment
from kafka_platform.errors import ConfigurationError
from tests.config.bad_files import CASES, write


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environments").mkdir()
    return tmp_path / "environments"


def test_the_battery_holds_at_least_thirty_distinct_cases():
    assert len({case.id for case in CASES}) == len(CASES) >= 30
    assert len({case.expected for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_file_gives_one_exact_message(case, folder):
    path = write(case, folder)
    with pytest.raises(ConfigurationError) as raised:
        load_environment(path)
    assert [str(problem) for problem in raised.value.problems] == [case.expected]


def test_a_weaker_tls_mode_with_a_reason_is_accepted(folder):
    """The control for connector-tls-without-verification: the same edit, with the reason the check asks for."""
    reason = "legacy database on EC2 whose certificate no CA we hold has signed; moving to RDS in Q1"
    case = CASES[0].__class__("control", lambda data: data["connect"]["connectors"][0]["database"].update(
        ssl_mode="require", ssl_mode_reason=reason), "")
    config = load_environment(write(case, folder)).connect.connectors[0].spec().config()
    assert config["database.sslmode"] == "require" and "database.sslrootcert" not in config
