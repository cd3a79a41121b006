"""When alerts are due: cron in time zones, no overlap, a missed run made up once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlsentinel_dbt.config.schedule import Schedule
from sqlsentinel_dbt.daemon.timetable import Timetable

T0 = datetime(2026, 11, 22, 10, 0, 30, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """T0's minute plus `minutes` (10:00 + minutes)."""
    return T0.replace(second=0) + timedelta(minutes=minutes)


def test_each_alert_is_due_on_its_own_schedule_and_time_zone() -> None:
    table = Timetable(
        {
            "every_minute": Schedule("* * * * *"),
            "every_five": Schedule("*/5 * * * *"),
            "paris_nine": Schedule("0 9 * * *", "Europe/Paris"),
        },
        T0,
        grace=300,
    )
    assert table.next_due() == at(1)
    assert table.due(at(1)).names == ["every_minute"]
    assert table.due(at(5)).names == ["every_five", "every_minute"]
    # 09:00 in Paris is 08:00 UTC in November.
    paris = Timetable({"p": Schedule("0 9 * * *", "Europe/Paris")}, T0, grace=300)
    assert paris.next_due() == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_a_running_alert_is_not_started_again() -> None:
    table = Timetable({"slow": Schedule("* * * * *")}, T0, grace=300)
    first = table.due(at(1))
    table.started(first.names)
    second = table.due(at(2))
    assert (second.names, second.skipped) == ([], {"slow": "overlap"})
    table.finished(first.names)
    assert table.due(at(3)).names == ["slow"]


def test_missed_runs_are_made_up_once_within_the_grace_time() -> None:
    table = Timetable({"a": Schedule("* * * * *")}, T0, grace=300)
    late = table.due(at(4) + timedelta(seconds=10))  # 10:01..10:04 all missed
    assert late.names == ["a"]  # one run, not four
    assert late.due_at["a"] == at(4)  # for the latest due time it makes up
    assert table.next_due() == at(5)


def test_missed_by_more_than_the_grace_time_is_skipped() -> None:
    table = Timetable({"hourly": Schedule("0 * * * *")}, T0, grace=60)
    # The daemon was stopped across 11:00 and looks again at 11:05: 5 minutes late.
    outcome = table.due(at(65))
    assert (outcome.names, outcome.skipped) == ([], {"hourly": "missed"})
    assert table.next_due() == at(120)


def test_a_reload_keeps_unchanged_due_times_and_schedules_new_alerts() -> None:
    table = Timetable({"kept": Schedule("*/10 * * * *"), "changed": Schedule("* * * * *")}, T0, 300)
    table.replace(
        {
            "kept": Schedule("*/10 * * * *"),
            "changed": Schedule("*/30 * * * *"),
            "new": Schedule("*/2 * * * *"),
        },
        at(1) + timedelta(seconds=5),
    )
    assert table.due(at(2)).names == ["new"]
    assert table.due(at(10)).names == ["kept", "new"]
    assert table.due(at(30)).names == ["changed", "kept", "new"]


def test_seconds_schedules_for_fast_cadences() -> None:
    table = Timetable({"fast": Schedule("* * * * * */5")}, T0, grace=300)
    assert table.next_due() == T0 + timedelta(seconds=5)


def test_an_alert_whose_schedule_never_fires_is_set_aside_and_the_others_run() -> None:
    """Validation refuses such schedules; the timetable survives one all the same."""
    table = Timetable(
        {
            "never": Schedule("0 0 30 2 *"),
            "bad_zone": Schedule("* * * * *", "Mars/Olympus_Mons"),
            "every_minute": Schedule("* * * * *"),
        },
        T0,
        grace=300,
    )
    assert sorted(table.unscheduled) == ["bad_zone", "never"]
    assert "'0 0 30 2 *' (UTC) has no next time" in table.unscheduled["never"]
    assert (len(table), table.next_due()) == (1, at(1))
    assert table.due(at(1)).names == ["every_minute"]
    # A reload that fixes it schedules it again; one that breaks another sets that aside.
    table.replace({"never": Schedule("0 0 28 2 *"), "every_minute": Schedule("0 0 31 4 *")}, at(1))
    assert list(table.unscheduled) == ["every_minute"]
    assert table.next_due() == datetime(2027, 2, 28, tzinfo=UTC)


def test_a_schedule_that_runs_out_runs_its_last_time_then_is_set_aside() -> None:
    """croniter's seventh field is a year: after its last due time there is no next."""
    table = Timetable(
        {"last_time": Schedule("5 10 22 11 * 0 2026"), "every_minute": Schedule("* * * * *")},
        T0,
        grace=300,
    )
    assert table.unscheduled == {}
    outcome = table.due(at(5))
    assert outcome.names == ["every_minute", "last_time"]
    assert outcome.due_at["last_time"] == at(5)
    assert "has no next time" in table.unscheduled["last_time"]
    assert table.due(at(6)).names == ["every_minute"]
    assert table.next_due() == at(7)
