"""Timestamps: stored as UTC without a zone; shown as ISO 8601 with an explicit offset.

Every timestamp that leaves the program (the API, the dashboard and the report, the CLI's
output, notification payloads) goes through `iso_timestamp`, so it always reads like
`2026-12-02T06:00:00+00:00`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

Clock = Callable[[], datetime]
"""The time (aware, UTC) of runs, claims, leases and silences; tests pass a fixed one."""


def utc_now() -> datetime:
    """The wall clock, in UTC: the clock when none is given."""
    return datetime.now(UTC)


def to_sql_text(moment: datetime) -> str:
    """An aware datetime as the UTC text the macros cast to a timestamp."""
    return moment.astimezone(UTC).strftime(_FORMAT)


def as_utc(value: datetime | str) -> datetime:
    """A timestamp read back (some drivers hand back text) as an aware UTC datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso_timestamp(value: datetime | str) -> str:
    """ISO 8601 in UTC with its offset, to the second: `2026-12-02T06:00:00+00:00`.

    A naive datetime, or text without a zone, is taken to be UTC (as stored).
    """
    return as_utc(value).isoformat(timespec="seconds")


def json_default(value: Any) -> Any:
    """For `json.dumps(default=...)`: datetimes as `iso_timestamp`, dates as ISO, else text."""
    if isinstance(value, datetime):
        return iso_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
