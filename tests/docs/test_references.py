"""The generated references are current, and the schema checks what the loader checks."""

from __future__ import annotations

import shlex

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from kafka_platform.cli import EXAMPLES, cli_reference, parser
from kafka_platform.config.reference import SCHEMA_COMMENT, json_schema, markdown, schema_text
from tests.conftest import ENVIRONMENTS_DIR

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"


@pytest.mark.parametrize("name, generate", [("configuration.md", markdown), ("environment.schema.json", schema_text),
                                            ("cli.md", cli_reference)])
def test_the_committed_reference_is_what_the_code_generates(name, generate):
    assert (REFERENCE / name).read_text() == generate(), f"docs/reference/{name} is stale: run make docs"


def test_every_field_of_every_model_is_described():
    schema = json_schema()
    missing = [f"{model}.{field}" for model, definition in {**schema["$defs"], "Environment": schema}.items()
               for field, spec in definition.get("properties", {}).items() if not spec.get("description")]
    assert missing == []


@pytest.mark.parametrize("path", sorted(ENVIRONMENTS_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_each_shipped_file_names_the_schema_and_passes_it(path):
    text = path.read_text()
    assert text.splitlines()[0] == SCHEMA_COMMENT
    jsonschema.validate(yaml.safe_load(text), json_schema())


def test_the_schema_refuses_an_unknown_key_as_the_loader_does():
    data = yaml.safe_load((ENVIRONMENTS_DIR / "dev.yaml").read_text())
    data["kafka"]["broker_cuont"] = 3
    with pytest.raises(jsonschema.ValidationError, match="broker_cuont"):
        jsonschema.validate(data, json_schema())


def test_every_subcommand_has_an_example_that_parses():
    commands = {name for name in parser()._subparsers._group_actions[0].choices}  # type: ignore[union-attr]
    assert set(EXAMPLES) == commands
    for example in EXAMPLES.values():
        words = shlex.split(example)[1:]  # as the shell would: quoted arguments stay whole
        words = [w for w in words if w != ">" and not w.endswith(".json")]
        parser().parse_args(words)


def test_the_configuration_reference_links_resolve_to_its_sections():
    text = (REFERENCE / "configuration.md").read_text()
    for anchor in ("consumers", "connect", "kafka"):
        assert f'<a id="{anchor}"></a>' in text
    assert json.loads((REFERENCE / "environment.schema.json").read_text())["additionalProperties"] is False
