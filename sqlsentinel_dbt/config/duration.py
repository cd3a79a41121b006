"""Durations written the way alerting tools write them: `30s`, `5m`, `4h`, `1d`, or seconds."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


def parse_duration(value: object) -> float:
    """Return seconds for `90`, `1.5`, `"90s"`, `"5m"`, `"1h30m"`; raise ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like 30s, 5m, 4h or a number of seconds")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_text(value.strip().lower())
    else:
        raise ValueError("expected a duration like 30s, 5m, 4h or a number of seconds")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def _parse_text(text: str) -> float:
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{text!r} is not a duration; write e.g. 30s, 5m, 4h, 1d or 1h30m")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def format_duration(seconds: float) -> str:
    """Render seconds back in the shortest exact unit (`300.0` -> `5m`)."""
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^(\d+(\.\d+)?(ms|s|m|h|d|w))+$"},
            ]
        }
    ),
]


def parse_repeat_interval(value: object) -> float | None:
    """A duration, or None for `never`."""
    if isinstance(value, str) and value.strip().lower() == "never":
        return None
    return parse_duration(value)


RepeatInterval = Annotated[
    float | None,
    BeforeValidator(parse_repeat_interval),
    PlainSerializer(
        lambda s: "never" if s is None else format_duration(s), return_type=str, when_used="json"
    ),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^((\d+(\.\d+)?(ms|s|m|h|d|w))+|never)$"},
            ]
        }
    ),
]
