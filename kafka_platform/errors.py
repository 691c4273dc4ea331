"""The one error type for bad input, from a configuration file or from construct props.

Every problem names where it comes from (a file or a construct), the field, the value and the fix, e.g.
``environments/prod.yaml: kafka.broker_count: 4 is not a multiple of the 3 availability zones; use 3, 6 or 9``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable


def show(value: Any) -> str:
    """Render a value the way it would be written in a YAML file or a props call (strings quoted)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return json.dumps(value)
    try:
        return json.dumps(value, default=str, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field. ``message`` already holds the value and the fix."""

    source: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.field}: {self.message}" if self.field else f"{self.source}: {self.message}"


class ConfigurationError(ValueError):
    """Raised for bad configuration or construct props; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise AssertionError("ConfigurationError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))


def raise_problems(source: str, problems: Iterable[tuple[str, str]]) -> None:
    """Raise one ConfigurationError for ``(field, message)`` pairs, if there are any."""
    found = [Problem(source, field, message) for field, message in problems]
    if found:
        raise ConfigurationError(found)
