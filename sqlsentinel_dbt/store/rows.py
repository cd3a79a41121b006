"""Reading rows back from the warehouse, where anything may have been written.

History is append-only and shared by every runner, so a row this version cannot read (an
unknown state, a NULL where a value belongs, malformed JSON, an odd timestamp, a bad
number) stays there. Each value is checked as it is read; a bad one raises `Unreadable`
naming the column and what is wrong, and the caller skips that row with `skipped` (a
warning naming the table and the row) instead of failing the run.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlsentinel_dbt.engine.values import ValueProblem, to_number

logger = logging.getLogger("sqlsentinel_dbt.store")
E = TypeVar("E", bound=StrEnum)
_SHOWN = 80  # characters of a bad value quoted in a warning


class Unreadable(ValueError):
    """A value this version cannot read; `str()` names the column and the problem."""


def text(value: Any, column: str) -> str:
    """A value that must be there, as text."""
    if value is None:
        raise Unreadable(f"`{column}` is NULL")
    return value if isinstance(value, str) else str(value)


def optional_text(value: Any) -> str | None:
    """A value that may be NULL, as text."""
    return None if value is None else text(value, "")


def member(kind: type[E], value: Any, column: str) -> E:
    """One of an enumeration's values (`state`, `status`, `severity`, `kind`)."""
    if value is None:
        raise Unreadable(f"`{column}` is NULL")
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(m.value for m in kind)
        raise Unreadable(f"`{column}` is {shown(value)}, not one of {known}") from None


def timestamp(value: Any, column: str) -> datetime:
    """A timestamp (a driver may hand back text) as an aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Unreadable(f"`{column}` is {shown(value)}, not a timestamp") from None
    elif value is None:
        raise Unreadable(f"`{column}` is NULL")
    else:
        raise Unreadable(f"`{column}` is {shown(value)}, not a timestamp")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def optional_timestamp(value: Any, column: str) -> datetime | None:
    """A timestamp that may be NULL."""
    return None if value is None else timestamp(value, column)


def count(value: Any, column: str) -> int:
    """A count: a whole number, 0 or more (NULL reads as 0)."""
    if value is None:
        return 0
    number = number_value(value, column)
    if number is None or not float(number).is_integer() or number < 0:
        raise Unreadable(f"`{column}` is {shown(value)}, not a count")
    return int(number)


def number_value(value: Any, column: str) -> float | None:
    """A finite number, or None for NULL (and NaN or infinity)."""
    try:
        return to_number(value, column)
    except ValueProblem as exc:
        raise Unreadable(str(exc)) from None


def json_object(value: Any, column: str) -> dict[str, Any]:
    """A JSON object column (NULL or empty reads as `{}`)."""
    parsed = _json(value, column)
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise Unreadable(f"`{column}` is JSON but not an object: {shown(value)}")
    return parsed


def json_keys(value: Any, column: str) -> frozenset[str | None]:
    """A JSON list of instance keys (text or null); NULL or empty reads as none."""
    parsed = _json(value, column)
    if parsed is None:
        return frozenset()
    if not isinstance(parsed, list) or not all(k is None or isinstance(k, str) for k in parsed):
        raise Unreadable(f"`{column}` is not a JSON list of keys: {shown(value)}")
    return frozenset(parsed)


def _json(value: Any, column: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dict | list):  # a driver that parses JSON columns itself
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        raise Unreadable(f"`{column}` is not valid JSON: {shown(value)}") from None


def shown(value: Any) -> str:
    """A value quoted in a message, shortened."""
    quoted = repr(value)
    return quoted if len(quoted) <= _SHOWN else quoted[: _SHOWN - 3] + "..."


def skipped(table: str, row: str, problem: Exception, consequence: str) -> None:
    """Warn that a row of `table` could not be read, and what happens instead."""
    logger.warning("%s: %s cannot be read (%s); %s", table, row, describe(problem), consequence)


def describe(problem: Exception) -> str:
    """The reason a row could not be read, for a warning or an outbox row's `last_error`."""
    if isinstance(problem, Unreadable):
        return str(problem)
    return f"{type(problem).__name__}: {problem}"[:300]
