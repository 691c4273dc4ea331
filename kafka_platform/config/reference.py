"""The configuration reference and its JSON Schema, generated from the models (``model.py``): one source for what
an environment file may hold, what the loader checks and what the documentation says.

``kafka-platform reference`` (``make docs``) writes ``docs/reference/configuration.md`` and
``docs/reference/environment.schema.json``; a test fails when either is stale.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kafka_platform.config.model import Environment

SCHEMA_ID = "https://kafka-platform.internal/environment.schema.json"
#: Each environment file's first line, so that editors complete and check it (YAML language server).
SCHEMA_COMMENT = "# yaml-language-server: $schema=../docs/reference/environment.schema.json"


def json_schema() -> dict[str, Any]:
    """The environment file's JSON Schema (draft 2020-12), unknown keys refused as the loader refuses them."""
    schema = Environment.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "kafka-platform environment file (environments/<name>.yaml)", **schema}


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def markdown() -> str:
    """The reference: one section per model, one row per field (its type, default and description)."""
    lines = ["# Configuration reference: `environments/<name>.yaml`", "",
             "Generated from `kafka_platform/config/model.py` by `make docs`; do not edit. A test fails when it is "
             "stale.", "",
             "One file per environment; the file name is the environment's name. Every file is typed and validated "
             "when it is loaded: unknown keys are refused (with the key you probably meant), keys written twice are "
             "refused, numbers are numbers and text is text (quote account ids). Each problem is one line naming the "
             "file, the field, the value and the fix, and `make synth` stops before synthesis. Rules across fields "
             "(a scaling mode's needs, partitions against tasks, names unique on a cluster, quotas known before "
             "synthesis) are in `kafka_platform/config/rules.py`.", "",
             f"Editors: the JSON Schema is [environment.schema.json](environment.schema.json); each shipped file "
             f"starts with `{SCHEMA_COMMENT}`.", ""]
    for model, path in _models():
        lines += _section(model, path)
    return "\n".join(lines).rstrip() + "\n"


def _models() -> list[tuple[type[BaseModel], str]]:
    """Every model reachable from ``Environment``, depth first, with the path a reader writes it at."""
    seen: list[tuple[type[BaseModel], str]] = []

    def visit(model: type[BaseModel], path: str) -> None:
        if any(model is m for m, _ in seen):
            return
        seen.append((model, path))
        for name, field in model.model_fields.items():
            for inner in _inner_models(field.annotation):
                suffix = "[]" if _is_list(field.annotation) else ""
                visit(inner, f"{path}.{name}{suffix}" if path else f"{name}{suffix}")

    visit(Environment, "")
    return seen


def _inner_models(annotation: Any) -> list[type[BaseModel]]:
    found = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for argument in getattr(annotation, "__args__", ()) or ():
        found += _inner_models(argument)
    return found


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is list or any(
        getattr(a, "__origin__", None) is list for a in getattr(annotation, "__args__", ()) or ())


def _section(model: type[BaseModel], path: str) -> list[str]:
    title = f"`{path}`" if path else "The file"
    anchor = path.split(".")[-1].replace("[]", "") if path else "the-file"
    lines = [f'<a id="{anchor}"></a>', "", f"## {title}", ""]
    if model.__doc__ and model is not Environment:
        lines += [" ".join(model.__doc__.split()), ""]
    lines += ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for name, field in model.model_fields.items():
        lines.append(f"| `{name}` | {_type(field.annotation)} | {_default(field)} | "
                     f"{(field.description or '').replace('|', '&#124;')} |")
    return lines + [""]


def _type(annotation: Any) -> str:
    text = repr(annotation) if not isinstance(annotation, type) else annotation.__name__
    for noise in ("typing.", "kafka_platform.config.model.", "<class '", "'>"):
        text = text.replace(noise, "")
    return f"`{text}`".replace("|", "&#124;")


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
        return "`" + (json.dumps(value) if not isinstance(value, BaseModel) else "{}") + "`"
    return "`" + json.dumps(field.default) + "`"
