"""Read environment files: YAML -> typed ``Environment``, or every problem as ``file: field: value ...; fix``."""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ValidationError

from kafka_platform.config.model import Environment
from kafka_platform.config.rules import environment_problems
from kafka_platform.errors import ConfigurationError, Problem, show

DEFAULT_DIRECTORY = Path("environments")


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (PyYAML would keep the last one silently), and any
    alias, before it is expanded: a few nested aliases expand to gigabytes (the "billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"uses the YAML alias *{event.anchor}; write the value out (aliases are refused: a few "
                            "nested ones expand to gigabytes)", event.start_mark)
        return super().compose_node(parent, index)


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {show(key)} appears twice in one mapping (first on line {seen[key] + 1}); keep one",
                key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def display_path(path: Path) -> str:
    """The file as a user would type it: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_environment(path: Path | str) -> Environment:
    """Parse and validate one environment file; raises ConfigurationError listing every problem."""
    path = Path(path)
    source = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError([Problem(source, "", f"cannot be read ({error.strerror}); check the path")]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ConfigurationError([Problem(source, "", _yaml_message(error))]) from None
    if not isinstance(data, dict):
        shown = show(data)
        shown = shown if len(shown) <= 80 else f"a {type(data).__name__} ({len(shown):,} characters)"
        raise ConfigurationError([Problem(source, "", f"holds {shown}, not a mapping; start with name: "
                                                      f"{path.stem} and the keys of docs/reference/configuration.md")])
    try:
        environment = Environment.model_validate(data)
    except ValidationError as error:
        raise ConfigurationError(Problem(source, field, message)
                                 for field, message in _pydantic_problems(error, data)) from None
    problems = environment_problems(environment, path.stem)
    if problems:
        raise ConfigurationError(Problem(source, field, message) for field, message in problems)
    return environment


def load_environments(directory: Path | str = DEFAULT_DIRECTORY,
                      only: Iterable[str] | None = None) -> list[Environment]:
    """Every ``*.yaml`` in ``directory`` (or the named ones), sorted by name; problems of all files together."""
    directory = Path(directory)
    wanted = list(only) if only else None
    if not directory.is_dir():
        raise ConfigurationError([Problem(display_path(directory), "", "is not a folder (it does not exist); point "
                                                                       "ENVIRONMENTS_DIR (or --directory) at the "
                                                                       "folder of environment files")])
    # A .yml file would be skipped without a word: name it instead, so nobody deploys without the file they edited.
    misnamed = sorted(directory.glob("*.yml"))
    if misnamed:
        raise ConfigurationError([Problem(display_path(path), "", f"is not read: environment files end in .yaml; "
                                                                  f"rename it to {path.stem}.yaml")
                                  for path in misnamed])
    files = sorted(directory.glob("*.yaml"))
    available = [f.stem for f in files]
    if wanted is not None:
        unknown = [name for name in wanted if name not in available]
        if unknown:
            raise ConfigurationError([Problem("environments", "", f"{show(name)} has no file "
                                              f"{display_path(directory / (name + '.yaml'))}; choose from "
                                              f"{', '.join(available) or 'nothing (the folder is empty)'}")
                                      for name in unknown])
        files = [f for f in files if f.stem in wanted]
    if not files:
        raise ConfigurationError([Problem(display_path(directory), "", "holds no environment files (*.yaml); "
                                                                       "add one, such as dev.yaml")])
    environments, problems = [], []
    for file in files:
        try:
            environments.append(load_environment(file))
        except ConfigurationError as error:
            problems.extend(error.problems)
    problems += _shared_account_problems(environments, {e.name: f for e, f in zip(environments, files)})
    if problems:
        raise ConfigurationError(problems)
    return environments


def _shared_account_problems(environments: list[Environment], files: dict[str, Path]) -> list[Problem]:
    """Two environments in one account only when both say so; never two clusters of one name in one account."""
    problems = []
    for i, env in enumerate(environments):
        for other in environments[:i]:
            if env.account != other.account:
                continue
            source = display_path(files[env.name])
            if env.kafka.cluster_name == other.kafka.cluster_name:
                problems.append(Problem(source, "kafka.cluster_name", (
                    f"{show(env.kafka.cluster_name)} is also {other.name}'s cluster, in the same account "
                    f"{env.account}: MSK cannot hold two clusters of one name there; give this one its own name")))
            elif other.name not in env.shares_account_with or env.name not in other.shares_account_with:
                problems.append(Problem(source, "account", (
                    f"{show(env.account)} is also {other.name}'s account; if both environments belong there, say so "
                    f"in both files (shares_account_with: [{other.name}] here, [{env.name}] there), otherwise "
                    "correct the account")))
    return problems


def _yaml_message(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    problem = getattr(error, "problem", None) or str(error)
    if "appears twice" in problem or "YAML alias" in problem:  # our own messages, which already say what to do
        return f"{where}{problem}"
    context = getattr(error, "context", None)
    detail = f"{context}, {problem}" if context else problem
    return f"{where}is not valid YAML ({detail}); check the indentation and quoting there"


def _pydantic_problems(error: ValidationError, data: dict[str, Any]) -> list[tuple[str, str]]:
    items = error.errors(include_url=False)
    # A misspelt required key is one mistake: report the unknown key (with its suggestion), not also the missing one.
    misspelt = set()
    for item in items:
        if item["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(item["loc"][-1]), _allowed_keys(item["loc"][:-1]), n=1)
            if close:
                misspelt.add((*item["loc"][:-1], close[0]))
    return [(_dotted(item["loc"], data), _message(item, item["loc"])) for item in items
            if not (item["type"] == "missing" and tuple(item["loc"]) in misspelt)]


def _dotted(loc: tuple[Any, ...], data: Any) -> str:
    """``('kafka', 'topics', 2, 'partitions')`` -> ``kafka.topics[loan-applications].partitions``."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            item = node[key] if isinstance(node, list) and key < len(node) else None
            label = item.get("name") if isinstance(item, dict) and isinstance(item.get("name"), str) else key
            parts.append(f"[{label}]")
            node = item
        else:
            parts.append(f".{key}" if parts else str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts)


def _message(item: dict[str, Any], loc: tuple[Any, ...]) -> str:
    kind, value, ctx = item["type"], item.get("input"), item.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        return f"is not a known key; {hint}allowed here: {', '.join(allowed)}"
    if kind == "missing":
        return "is missing; add it (it has no default)"
    if value is None:
        return "is empty; give it a value or remove the key"
    if kind == "string_type":
        return f"{show(value)} is not text; quote it: \"{value}\""
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return f"{show(value)} is not a whole number; write a number without quotes, such as 3"
    if kind == "bool_type":
        return f"{show(value)} is not true or false; write true or false without quotes"
    if kind == "literal_error":
        return f"{show(value)} is not allowed; use one of {ctx.get('expected', '')}"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"{show(value)} is below the minimum {bound}; use {bound} or more"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"{show(value)} is above the maximum {bound}; use {bound} or less"
    if kind == "list_type":
        return f"{show(value)} is not a list; write one '- item' per line under the key"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{show(value)} is not a mapping; write key: value pairs indented under the key"
    if kind == "value_error":
        return str(ctx.get("error", item["msg"]))
    return f"{show(value)}: {item['msg']}"


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at ``loc`` accepts, to suggest the right one for a typo."""
    model: Any = Environment
    for key in loc:
        if isinstance(key, int) or not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        field = model.model_fields.get(key)
        model = _inner_model(field.annotation) if field else None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(model.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    """Unwrap ``X | None``, ``list[X]`` and ``dict[str, X]`` down to a model class, if there is one."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, dict):
        for arg in typing.get_args(annotation):
            inner = _inner_model(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
        return None
    return annotation
