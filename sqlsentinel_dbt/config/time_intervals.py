"""Named time intervals, as Alertmanager defines them, for routes' mute and active windows.

A named interval (`time_intervals:` in sentinel.yml) holds a list of intervals; it contains
a moment when any of them does. An interval contains a moment when every field it sets
matches, each in the interval's `location` (an IANA time zone, default UTC): the moment is
turned into that zone's wall-clock time first, so a window is right across DST changes
(docs/notifications.md, "Mute windows").

- `times`: `start_time` to `end_time` ("HH:MM", 24-hour; the start included, the end
  excluded; "24:00" ends at midnight);
- `weekdays`: names, or inclusive ranges such as `monday:friday`;
- `days_of_month`: 1 to 31, or -1 (the month's last day) to -31, or inclusive ranges such
  as `1:5` or `-3:-1`; a day past the month's end is clamped to its last day;
- `months`: names or numbers 1 to 12, or inclusive ranges (`january:march`, `1:3`);
- `years`: numbers or inclusive ranges (`2026:2027`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from datetime import datetime, time
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sqlsentinel_dbt.config.models import NAME_PATTERN, check_timezone

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
"""In Alertmanager's order: a week starts on Sunday, so `friday:monday` is no range."""
MONTHS = tuple(name.lower() for name in calendar.month_name[1:])
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
_DAY_MINUTES = 24 * 60


class TimeRange(BaseModel):
    """Wall-clock times of a day: the start included, the end excluded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_time: str = Field(description='"HH:MM", 24-hour.')
    end_time: str = Field(description='"HH:MM", 24-hour; "24:00" is midnight at the end.')

    @field_validator("start_time", "end_time")
    @classmethod
    def _is_clock_time(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f'{value!r} is not a time of day; write "HH:MM", e.g. "09:30"')
        return value

    @model_validator(mode="after")
    def _starts_before_it_ends(self) -> TimeRange:
        if _minutes(self.start_time) >= _minutes(self.end_time):
            raise ValueError(f"start_time {self.start_time} is not before end_time {self.end_time}")
        return self

    def contains(self, clock: time) -> bool:
        """Whether a wall-clock time is in the range."""
        minute = clock.hour * 60 + clock.minute
        return _minutes(self.start_time) <= minute < _minutes(self.end_time)


class TimeInterval(BaseModel):
    """One interval: it contains a moment when every field it sets matches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    times: list[TimeRange] = Field(default_factory=list, description="Times of day.")
    weekdays: list[str] = Field(
        default_factory=list, description="Day names or ranges, e.g. `monday:friday`."
    )
    days_of_month: list[str | int] = Field(
        default_factory=list, description="1 to 31, -1 (last day) to -31, or ranges (`1:5`)."
    )
    months: list[str | int] = Field(
        default_factory=list, description="Names or 1 to 12, or ranges (`january:march`)."
    )
    years: list[str | int] = Field(default_factory=list, description="Years or ranges.")
    location: str = Field(default="UTC", description="IANA time zone the fields are read in.")

    @field_validator("location")
    @classmethod
    def _location_is_known(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("weekdays")
    @classmethod
    def _weekdays_are_days(cls, values: list[str]) -> list[str]:
        for value in values:
            _named_range(value, WEEKDAYS, "weekday")
        return values

    @field_validator("days_of_month")
    @classmethod
    def _days_are_days(cls, values: list[str | int]) -> list[str | int]:
        for value in values:
            _day_range(value)
        return values

    @field_validator("months")
    @classmethod
    def _months_are_months(cls, values: list[str | int]) -> list[str | int]:
        for value in values:
            _named_range(value, MONTHS, "month", numbered=True)
        return values

    @field_validator("years")
    @classmethod
    def _years_are_years(cls, values: list[str | int]) -> list[str | int]:
        for value in values:
            _number_range(value, 1, 9999, "year")
        return values

    @cached_property
    def zone(self) -> ZoneInfo:
        """The interval's time zone."""
        return ZoneInfo(self.location)

    def contains(self, at: datetime) -> bool:
        """Whether the moment `at` (timezone-aware) is in this interval."""
        local = at.astimezone(self.zone)
        return (
            _any_or_unset(self.times, lambda r: r.contains(local.time()))
            and _any_or_unset(self.weekdays, lambda w: _in_weekdays(w, local))
            and _any_or_unset(self.days_of_month, lambda d: _in_days(d, local))
            and _any_or_unset(self.months, lambda m: _in_months(m, local))
            and _any_or_unset(self.years, lambda y: _in_years(y, local))
        )


class NamedTimeIntervals(BaseModel):
    """`time_intervals:` entry: a name that routes use, and its intervals."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN, description="Used in a route's mute or active list.")
    time_intervals: list[TimeInterval] = Field(
        min_length=1, description="Contains a moment when any of these does."
    )

    def contains(self, at: datetime) -> bool:
        """Whether the moment `at` is in any of the intervals."""
        return any(interval.contains(at) for interval in self.time_intervals)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _any_or_unset(values: Sequence[Any], test: Callable[[Any], bool]) -> bool:
    return not values or any(test(value) for value in values)


def _split(value: str | int) -> tuple[str, str]:
    text = str(value).strip().lower()
    start, _, end = text.partition(":")
    return start, end or start


def _named_range(
    value: str | int, names: tuple[str, ...], what: str, *, numbered: bool = False
) -> tuple[int, int]:
    """(first, last) indexes into `names`, inclusive; ValueError for anything else."""

    def index(part: str) -> int:
        if part in names:
            return names.index(part)
        if numbered and part.isdigit() and 1 <= int(part) <= len(names):
            return int(part) - 1
        allowed = f"{names[0]} to {names[-1]}" + (f" or 1 to {len(names)}" if numbered else "")
        raise ValueError(f"{value!r} is not a {what} or a range of them ({allowed})")

    first, last = (index(part) for part in _split(value))
    if first > last:
        raise ValueError(f"{value!r}: the range ends before it starts")
    return first, last


def _in_weekdays(value: str | int, local: datetime) -> bool:
    first, last = _named_range(value, WEEKDAYS, "weekday")
    return first <= (local.weekday() + 1) % 7 <= last  # Python's weeks start on Monday


def _in_months(value: str | int, local: datetime) -> bool:
    first, last = _named_range(value, MONTHS, "month", numbered=True)
    return first <= local.month - 1 <= last


def _number_range(value: str | int, low: int, high: int, what: str) -> tuple[int, int]:
    try:
        first, last = (int(part) for part in _split(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a {what} or a range of them") from None
    if not (low <= first <= high and low <= last <= high):
        raise ValueError(f"{value!r}: a {what} is from {low} to {high}")
    if first > last:
        raise ValueError(f"{value!r}: the range ends before it starts")
    return first, last


def _day_range(value: str | int) -> tuple[int, int]:
    """(first, last) days of month, each 1..31 or -31..-1; both of one sign."""
    try:
        first, last = (int(part) for part in _split(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a day of the month or a range of them") from None
    if 0 in (first, last) or not (-31 <= first <= 31 and -31 <= last <= 31):
        raise ValueError(f"{value!r}: a day of the month is 1 to 31, or -1 (the last) to -31")
    if (first > last and (first < 0) == (last < 0)) or first < 0 < last:
        raise ValueError(f"{value!r}: the range ends before it starts")
    return first, last


def _in_days(value: str | int, local: datetime) -> bool:
    length = calendar.monthrange(local.year, local.month)[1]

    def day(number: int) -> int:  # clamped into this month
        return max(1, length + 1 + number) if number < 0 else min(number, length)

    first, last = _day_range(value)
    return day(first) <= local.day <= day(last)


def _in_years(value: str | int, local: datetime) -> bool:
    first, last = _number_range(value, 1, 9999, "year")
    return first <= local.year <= last
