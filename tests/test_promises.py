"""docs/promises.md ties each promise of the README to the tests that prove it: every test it names exists, and
every promise names at least one."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROMISES = ROOT / "docs" / "promises.md"
TEST_ID = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _promises() -> list[str]:
    return [line for line in PROMISES.read_text().splitlines() if line.startswith("- ")]


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_promise_names_at_least_one_test():
    promises = _promises()
    assert len(promises) >= 25
    assert [p for p in promises if not TEST_ID.search(p)] == []


def test_every_named_test_exists():
    missing = []
    for promise in _promises():
        for path, name in TEST_ID.findall(promise):
            file = ROOT / path
            if not file.exists() or name not in _tests_in(file):
                missing.append(f"{path}::{name}")
    assert missing == []


def test_a_missing_test_would_be_found(tmp_path):
    """The check can fail: a name that no file defines is reported."""
    assert "test_that_does_not_exist" not in _tests_in(ROOT / "tests" / "test_promises.py")
