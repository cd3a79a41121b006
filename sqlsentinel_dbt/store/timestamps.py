"""Timestamps are stored as UTC without a zone, written and read the same way everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def to_sql_text(moment: datetime) -> str:
    """An aware datetime as the UTC text the macros cast to a timestamp."""
    return moment.astimezone(UTC).strftime(_FORMAT)


def as_utc(value: datetime | str) -> datetime:
    """A timestamp read back (some drivers hand back text) as an aware UTC datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
