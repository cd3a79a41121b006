"""Time intervals as Alertmanager defines them, read in their IANA time zone across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from sqlsentinel_dbt.config.time_intervals import NamedTimeIntervals, TimeInterval

BERLIN = ZoneInfo("Europe/Berlin")


def interval(**fields: Any) -> TimeInterval:
    return TimeInterval.model_validate(fields)


def local(text: str, zone: ZoneInfo = BERLIN) -> datetime:
    """A wall-clock time in `zone`, as the aware moment it names."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def test_nights_in_berlin_follow_the_wall_clock_across_both_dst_changes() -> None:
    nights = interval(
        times=[{"start_time": "22:00", "end_time": "24:00"}], location="Europe/Berlin"
    )
    for day in ("2026-03-28", "2026-03-29", "2026-10-24", "2026-10-25"):  # around the changes
        assert nights.contains(local(f"{day} 22:00")), day
        assert nights.contains(local(f"{day} 23:59")), day
        assert not nights.contains(local(f"{day} 21:59")), day
    # In UTC the window moves by an hour with DST: 21:00 UTC is 22:00 in winter, 23:00 in
    # summer; 20:30 UTC is in it only in summer.
    assert nights.contains(datetime(2026, 3, 28, 21, 0, tzinfo=UTC))
    assert not nights.contains(datetime(2026, 3, 28, 20, 30, tzinfo=UTC))
    assert nights.contains(datetime(2026, 3, 29, 20, 30, tzinfo=UTC))


def test_the_hour_that_dst_skips_or_repeats_is_counted_as_the_clock_shows_it() -> None:
    early = interval(times=[{"start_time": "02:00", "end_time": "03:00"}], location="Europe/Berlin")
    # 29 March 2026: clocks jump from 02:00 to 03:00; no moment of that day is in it.
    spring = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 00:00 local
    minutes = [spring + timedelta(minutes=m) for m in range(0, 24 * 60, 5)]
    assert not any(early.contains(moment) for moment in minutes)
    # 25 October 2026: 02:00 to 03:00 comes twice; both hours are in it.
    autumn = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # 00:00 local
    minutes = [autumn + timedelta(minutes=m) for m in range(0, 25 * 60, 5)]
    assert sum(early.contains(moment) for moment in minutes) == 2 * 12


def test_weekdays_months_years_and_days_of_month_with_ranges_and_negatives() -> None:
    weekend = interval(weekdays=["saturday", "Sunday"])
    assert weekend.contains(datetime(2026, 12, 5, 12, tzinfo=UTC))  # a Saturday
    assert weekend.contains(datetime(2026, 12, 6, 12, tzinfo=UTC))
    assert not weekend.contains(datetime(2026, 12, 7, 12, tzinfo=UTC))
    workweek = interval(weekdays=["monday:friday"])
    assert [workweek.contains(datetime(2026, 12, d, tzinfo=UTC)) for d in range(5, 12)] == [
        False,
        False,
        True,
        True,
        True,
        True,
        True,
    ]
    sunday_first = interval(weekdays=["sunday:tuesday"])  # Alertmanager's weeks start Sunday
    assert sunday_first.contains(datetime(2026, 12, 6, tzinfo=UTC))
    assert not sunday_first.contains(datetime(2026, 12, 5, tzinfo=UTC))

    month_end = interval(days_of_month=["-3:-1"])
    assert [month_end.contains(datetime(2026, 2, d, tzinfo=UTC)) for d in (25, 26, 28)] == [
        False,
        True,
        True,
    ]
    assert month_end.contains(datetime(2026, 1, 29, tzinfo=UTC))
    clamped = interval(days_of_month=["28:31"])  # February has no 31st: up to its last day
    assert clamped.contains(datetime(2026, 2, 28, tzinfo=UTC))
    whole = interval(days_of_month=["1:-1"])
    assert whole.contains(datetime(2028, 2, 29, tzinfo=UTC))

    quarter = interval(months=["january:march", 12], years=["2026:2027"])
    assert quarter.contains(datetime(2026, 2, 1, tzinfo=UTC))
    assert quarter.contains(datetime(2027, 12, 1, tzinfo=UTC))
    assert not quarter.contains(datetime(2026, 4, 1, tzinfo=UTC))
    assert not quarter.contains(datetime(2028, 1, 1, tzinfo=UTC))


def test_every_field_must_match_and_any_interval_of_a_name() -> None:
    named = NamedTimeIntervals.model_validate(
        {
            "name": "off_hours",
            "time_intervals": [
                {"weekdays": ["saturday", "sunday"]},
                {
                    "weekdays": ["monday:friday"],
                    "times": [
                        {"start_time": "00:00", "end_time": "08:00"},
                        {"start_time": "18:00", "end_time": "24:00"},
                    ],
                    "location": "America/New_York",
                },
            ],
        }
    )
    new_york = ZoneInfo("America/New_York")
    assert named.contains(local("2026-12-07 07:59", new_york))  # Monday before work
    assert not named.contains(local("2026-12-07 08:00", new_york))
    assert named.contains(local("2026-12-07 18:00", new_york))
    assert named.contains(local("2026-12-05 12:00", new_york))  # Saturday (in UTC too)
    # Friday 20:00 in New York is Saturday in UTC, and off hours by the second interval.
    assert named.contains(local("2026-12-04 20:00", new_york))


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"times": [{"start_time": "9:00", "end_time": "17:00"}]}, "not a time of day"),
        ({"times": [{"start_time": "18:00", "end_time": "08:00"}]}, "is not before end_time"),
        ({"times": [{"start_time": "08:00", "end_time": "24:30"}]}, "not a time of day"),
        ({"weekdays": ["funday"]}, "'funday' is not a weekday"),
        ({"weekdays": ["friday:monday"]}, "ends before it starts"),
        ({"days_of_month": [0]}, "a day of the month is 1 to 31"),
        ({"days_of_month": ["5:1"]}, "ends before it starts"),
        ({"days_of_month": ["-1:5"]}, "ends before it starts"),
        ({"months": ["smarch"]}, "is not a month"),
        ({"months": [13]}, "is not a month"),
        ({"years": ["twenty"]}, "is not a year"),
        ({"location": "Mars/Olympus"}, "is not a time zone"),
        ({"hours": ["1"]}, "Extra inputs are not permitted"),
    ],
)
def test_a_bad_interval_is_refused_saying_what_is_wrong(fields: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        interval(**fields)
