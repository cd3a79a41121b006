"""Durations written the way alerting tools write them: `30s`, `5m`, `4h`, `1d`, or seconds.

Every duration is finite and at most `LONGEST` (100 years), so any of them can be added
to a date; each setting narrows that to a bound of its own with `Within`, and the
reference docs show it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_PATTERN = r"(\d+(\.\d+)?(ms|s|m|h|d|w))+"
_EXPECTED = "expected a duration like 30s, 5m, 4h or a number of seconds"

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
YEAR = 365 * DAY
LONGEST = 100 * YEAR
"""No duration anywhere may be longer: past it, dates overflow (Python's end at year 9999)."""


def parse_duration(value: object, longest: float = LONGEST) -> float:
    """Return seconds for `90`, `1.5`, `"90s"`, `"5m"`, `"1h30m"`; raise ValueError otherwise.

    Negative, NaN, infinite and longer than `longest` are errors too.
    """
    seconds = _seconds(value)
    if seconds > longest:  # infinity included
        raise ValueError(f"must be at most {format_duration(longest)}")
    return seconds


def _seconds(value: object) -> float:
    """Seconds, possibly infinite (a huge number); never negative or NaN."""
    if isinstance(value, bool):
        raise ValueError(_EXPECTED)
    if isinstance(value, int):
        # float() of a huge int raises OverflowError; any such number is too long anyway
        seconds = float(value) if abs(value) < 2**1000 else (math.inf if value > 0 else -1.0)
    elif isinstance(value, float):
        seconds = value
    elif isinstance(value, str):
        seconds = _parse_text(value.strip().lower())
    else:
        raise ValueError(_EXPECTED)
    if math.isnan(seconds):
        raise ValueError("a duration must be a number, not NaN")
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


@dataclass(frozen=True)
class Within:
    """Annotation for a duration setting: `Annotated[float, Within(DAY)]`.

    Parses `30s`/`5m`/seconds, refuses anything longer than `longest` naming the bound,
    writes the value back as `5m` in JSON, and gives the JSON Schema a `maximum`. With
    `never`, the word `never` is accepted too and becomes None.
    """

    longest: float = LONGEST
    never: bool = False
    positive: bool = False
    """Zero is refused too (a timeout of 0 would cancel everything)."""

    def __post_init__(self) -> None:
        if not 0 < self.longest <= LONGEST:
            raise ValueError(f"a duration bound is between 0 and {format_duration(LONGEST)}")

    @property
    def text(self) -> str:
        """The bound as one writes it in config (`1d`)."""
        return format_duration(self.longest)

    def parse(self, value: object) -> float | None:
        """Seconds (or None for `never`); ValueError with the bound when out of it."""
        if self.never and isinstance(value, str) and value.strip().lower() == "never":
            return None
        seconds = parse_duration(value, self.longest)
        if self.positive and seconds == 0:
            raise ValueError("must be more than 0")
        return seconds

    def dump(self, seconds: float | None) -> str:
        """Back to config text: `5m`, or `never`."""
        return "never" if seconds is None else format_duration(seconds)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """Validate with `parse`; serialize to JSON with `dump`."""
        return core_schema.no_info_plain_validator_function(
            self.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(
                self.dump, when_used="json"
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """A number of seconds up to the bound, or text like `5m` (or `never`)."""
        pattern = f"^({_PATTERN}|never)$" if self.never else f"^{_PATTERN}$"
        minimum = "exclusiveMinimum" if self.positive else "minimum"
        return {
            "anyOf": [
                {"type": "number", minimum: 0, "maximum": self.longest},
                {"type": "string", "pattern": pattern},
            ]
        }


Duration = Annotated[float, Within()]
"""A duration of at most `LONGEST`; settings use `Annotated[float, Within(bound)]`."""


def parse_repeat_interval(value: object) -> float | None:
    """A duration, or None for `never`."""
    return Within(never=True).parse(value)


RepeatInterval = Annotated[float | None, Within(never=True)]
