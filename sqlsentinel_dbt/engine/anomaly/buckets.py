"""Where a point in time falls: its bucket (hour, day or ISO week) and its season."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlsentinel_dbt.config.anomaly import Seasonality, TimeBucket

EPOCH = datetime(2001, 1, 1)  # a Monday, so ISO weeks start on whole multiples of 7 days
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def to_bucket(moment: datetime | date, bucket: TimeBucket) -> datetime:
    """The start of the bucket holding `moment` (naive UTC; a date is its midnight)."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    if bucket is TimeBucket.HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket is TimeBucket.DAY:
        return day
    return day - timedelta(days=day.weekday())


def bucket_index(start: datetime, bucket: TimeBucket) -> int:
    """The bucket's number counted from EPOCH, so neighbours differ by one."""
    return round((start - EPOCH).total_seconds() / bucket.seconds)


def season_of(start: datetime, seasonality: Seasonality) -> int:
    """The season a bucket belongs to (0 for no seasonality)."""
    if seasonality is Seasonality.DAY_OF_WEEK:
        return start.weekday()
    if seasonality is Seasonality.HOUR_OF_DAY:
        return start.hour
    if seasonality is Seasonality.HOUR_OF_WEEK:
        return start.weekday() * 24 + start.hour
    if seasonality is Seasonality.DAY_OF_MONTH:
        return start.day
    return 0


def season_label(season: int, seasonality: Seasonality) -> str | None:
    """How a notification names a season: `a Tuesday`, `09:00`, `Tuesday 09:00`, `day 1`."""
    if seasonality is Seasonality.DAY_OF_WEEK:
        return f"a {_DAYS[season]}"
    if seasonality is Seasonality.HOUR_OF_DAY:
        return f"{season:02d}:00"
    if seasonality is Seasonality.HOUR_OF_WEEK:
        return f"{_DAYS[season // 24]} {season % 24:02d}:00"
    if seasonality is Seasonality.DAY_OF_MONTH:
        return f"day {season} of the month"
    return None
