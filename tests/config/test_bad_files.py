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
