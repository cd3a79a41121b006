"""When each alert is due: cron schedules in their time zones, no overlap, missed runs.

Pure logic over a given clock, so the rules can be tested without waiting:

- An alert is due when its next cron time has come. Alerts due together run together,
  in one run (one batch of queries, one history write).
- An alert whose previous run is still going is not started again: that due time is
  skipped, never queued behind it (no two runs of one alert overlap).
- Due times missed while the daemon was busy or down are made up by one run, if the
  latest of them is at most `grace` seconds late; otherwise they are skipped.
- An alert whose schedule yields no next time (validation refuses such schedules, but
  one limited to a year runs out) leaves the timetable, with the reason in
  `unscheduled`; every other alert keeps its times.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlsentinel_dbt.config.duration import LONGEST
from sqlsentinel_dbt.config.schedule import Schedule


@dataclass(frozen=True)
class Due:
    """Alerts to start now, each with the due time it is run for."""

    names: list[str]
    due_at: dict[str, datetime]
    skipped: dict[str, str]
    """Alerts whose due time passed without a run, and why (`overlap`, `missed`)."""


class Timetable:
    """Next due time per alert; says which are due and keeps track of runs in flight."""

    def __init__(self, schedules: dict[str, Schedule], now: datetime, grace: float) -> None:
        self._grace = timedelta(seconds=min(grace, LONGEST))
        self._schedules: dict[str, Schedule] = {}
        self._next: dict[str, datetime] = {}
        self.running: set[str] = set()
        self.unscheduled: dict[str, str] = {}
        """Alerts that have no next due time, and why; they do not run until a reload."""
        self.replace(schedules, now)

    def replace(self, schedules: dict[str, Schedule], now: datetime) -> None:
        """New schedules (a reload): unchanged alerts keep their next due time."""
        kept = {n: t for n, t in self._next.items() if self._schedules.get(n) == schedules.get(n)}
        self._schedules = dict(schedules)
        self._next = {}
        self.unscheduled = {}
        for name, schedule in schedules.items():
            following = kept.get(name) or _next_time(schedule, now)
            if isinstance(following, datetime):
                self._next[name] = following
            else:
                self.unscheduled[name] = following

    def __len__(self) -> int:
        return len(self._next)

    def next_due(self) -> datetime | None:
        """The earliest due time of any alert, or None without alerts."""
        return min(self._next.values(), default=None)

    def due(self, now: datetime) -> Due:
        """Alerts due at `now`; their next due times move past `now`."""
        names, due_at, skipped = [], {}, {}
        # Many alerts share a schedule (the project default): compute each one once.
        following: dict[Schedule, datetime | str] = {}
        latest: dict[Schedule, datetime | None] = {}
        for name, at in sorted(self._next.items()):
            if at > now:
                continue
            schedule = self._schedules[name]
            if schedule not in following:
                following[schedule] = _next_time(schedule, now)
                latest[schedule] = _last_time(schedule, now)
            upcoming = following[schedule]
            if isinstance(upcoming, datetime):
                self._next[name] = upcoming
            else:  # this due time is its last one
                del self._next[name]
                self.unscheduled[name] = upcoming
            last_due = max(at, latest[schedule] or at)
            if name in self.running:
                skipped[name] = "overlap"
            elif now - last_due > self._grace:
                skipped[name] = "missed"
            else:
                names.append(name)
                due_at[name] = last_due
        return Due(names, due_at, skipped)

    def started(self, names: Iterable[str]) -> None:
        """Mark alerts as running."""
        self.running.update(names)

    def finished(self, names: Iterable[str]) -> None:
        """Mark alerts as no longer running."""
        self.running.difference_update(names)


def _next_time(schedule: Schedule, now: datetime) -> datetime | str:
    """The next due time, or why there is none."""
    try:
        return schedule.next_after(now)
    except Exception as exc:  # croniter's CroniterBadDateError, a zone it cannot read, ...
        return f"schedule {schedule.cron!r} ({schedule.timezone}) has no next time: {exc}"


def _last_time(schedule: Schedule, now: datetime) -> datetime | None:
    """The latest due time not after `now`, or None if it cannot be computed."""
    try:
        return schedule.last_at_or_before(now)
    except Exception:  # the due time being run is then the latest one known
        return None
