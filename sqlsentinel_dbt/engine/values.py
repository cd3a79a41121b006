"""Turn warehouse values into plain JSON-safe Python: numbers, text, ISO dates."""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any


class ValueProblem(ValueError):
    """A reserved column held a value of the wrong kind."""


def to_number(value: Any, column: str) -> float | None:
    """A finite float, or None for NULL/NaN/infinity; ValueProblem for non-numbers."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueProblem(f"`{column}` must be a number, got the boolean {value}")
    if isinstance(value, Decimal) and not value.is_finite():
        return None  # float() refuses a signalling NaN
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueProblem(f"`{column}` must be a number, got {_short(value)}") from None
    return number if math.isfinite(number) else None


def to_json_value(value: Any) -> Any:
    """A JSON-serialisable form of any driver value (nested lists and dicts included)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal) and not value.is_finite():
        return None  # NaN, a signalling one too (float() refuses it), or infinity
    if isinstance(value, float | Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_json_value(v) for v in value]
    return str(value)


def to_key_text(value: Any) -> str:
    """The text form of a key value, stable across runs and warehouses."""
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    json_value = to_json_value(value)
    return json_value if isinstance(json_value, str) else str(json_value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
