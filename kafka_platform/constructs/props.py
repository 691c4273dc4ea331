"""Checks of construct props that Python's type hints do not enforce at run time.

jsii accepts whatever it is given and fails later, far from the caller, or not at all: a string where a list is
expected is iterated character by character (``output_topics="collections-outcomes"`` would grant WriteData on
topics ``c``, ``o``, ``l`` ...), an int where a ``Duration`` is expected fails inside jsii with a traceback. Each check
returns the message of a ``ConfigurationError`` (value and fix), or None.
"""

from __future__ import annotations

import math
from typing import Any

from aws_cdk import Duration, Token

from kafka_platform.errors import show


def sequence_problem(value: Any, item_type: type | tuple[type, ...], what: str, example: str) -> str | None:
    """``value`` must be a list or tuple of ``item_type`` (never a string, which would be read one character at a
    time, and never a single item)."""
    if isinstance(value, (str, bytes)):
        return f"{show(value)} is a string, not a list: each character would count as one; pass [{show(value)}]"
    if not isinstance(value, (list, tuple)):
        return f"{describe(value)} is not a list; pass a list of {what}, e.g. [{example}]"
    wrong = [item for item in value if not isinstance(item, item_type)]
    if wrong:
        return f"holds {describe(wrong[0])}, which is not one of {what}; pass a list of {what}, e.g. [{example}]"
    return None


def duration_problem(value: Any) -> str | None:
    """``value`` must be an aws-cdk-lib ``Duration`` of whole seconds (CloudWatch, Application Auto Scaling and
    Kafka Connect settings here count in seconds)."""
    if not isinstance(value, Duration):
        return (f"{describe(value)} is not a Duration; pass aws_cdk.Duration.seconds({show(value)}) or "
                "Duration.minutes(...)" if isinstance(value, (int, float)) and not isinstance(value, bool) else
                f"{describe(value)} is not a Duration; pass aws_cdk.Duration.seconds(...) or Duration.minutes(...)")
    milliseconds = value.to_milliseconds()
    if milliseconds % 1000:
        return (f"{value.to_human_string()} is not a whole number of seconds; use "
                f"Duration.seconds({max(1, math.ceil(milliseconds / 1000))})")
    return None


def whole_hours(prop: str, value: Any, *, forever: bool = False) -> tuple[int | None, list[tuple[str, str]]]:
    """A retention prop (``Duration`` of whole hours, None, or ``"forever"`` where ``forever`` is allowed) as the hours
    the topic settings count in, with the problem if it is none of those."""
    if value is None:
        return None, []
    if forever and value == "forever":
        return -1, []
    if not isinstance(value, Duration):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None, [(prop, f"{describe(value)} is not a Duration; pass aws_cdk.Duration.hours("
                             f"{show(value) if number else '...'}) or Duration.days(...)"
                             + (' or "forever"' if forever else ""))]
    hours = value.to_seconds() / 3600
    if not hours.is_integer() or hours < 1:
        return None, [(prop, f"{value.to_human_string()} is not a whole number of hours; use "
                             f"Duration.hours({max(1, math.ceil(hours))})")]
    return int(hours), []


def unpinned_image_problem(image_name: str) -> str | None:
    """A bank deploys what it reviewed: an image reference must name a version or a digest, never ``latest``."""
    if Token.is_unresolved(image_name):
        return None  # an image asset or a repository reference: pinned by its digest or the tag given with it
    reference = image_name.rsplit("/", 1)[-1]
    if "@sha256:" in reference:
        return None
    if ":" not in reference or reference.endswith(":latest"):
        return (f"{show(image_name)} is not pinned: latest changes under a running service; use a version tag or a "
                "digest (registry/repository:1.4.2 or @sha256:...)")
    return None


def describe(value: Any) -> str:
    """A value as a message shows it: literals as written, anything else by its type."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return show(value)
    return f"a {type(value).__name__}"
