"""Cron schedules for `sentinel daemon`: valid syntax, and a next run that exists.

A cron expression can be valid and still never fire (`0 0 30 2 *`: there is no 30
February), or fire only in some far year. The daemon would find no next due time for it,
so such a schedule is a config error: every schedule must fire at least once within
`HORIZON_YEARS` in its time zone (long enough for `0 0 29 2 *`, which fires every leap
year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

HORIZON_YEARS = 5
_HORIZON = timedelta(days=366 * HORIZON_YEARS)
_FORMS = (
    "write 5 fields (minute hour day month weekday), e.g. '*/15 * * * *', "
    "or 6 with seconds last, e.g. '* * * * * */30'"
)


def check_cron(expression: str) -> str:
    """`expression` if croniter reads it and it is not random; ValueError otherwise."""
    from croniter import croniter  # only projects with schedules need it

    if not croniter.is_valid(expression):
        raise ValueError(f"{expression!r} is not a valid cron expression; {_FORMS}")
    fields = expression.split()
    if any(item.lower().startswith("r") for field in fields for item in field.split(",")):
        # croniter draws a new random time for `R` on every computation, so the next due
        # time would move each time it is asked for.
        raise ValueError("random (`R`) fields are not supported; write the time you want")
    return expression


def check_fires(expression: str, timezone: str = "UTC", now: datetime | None = None) -> str:
    """`expression` if it fires within HORIZON_YEARS after `now` in `timezone`.

    Raises ValueError saying it never fires otherwise. `expression` must be valid cron
    and `timezone` an IANA name (checked before).
    """
    start = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(timezone))
    if not _fires_after(expression, timezone, start.replace(second=0, microsecond=0)):
        zone = "" if timezone == "UTC" else f" in {timezone}"
        raise ValueError(
            f"never fires: no time in the next {HORIZON_YEARS} years matches it{zone} "
            "(there is no 30 February or 31 April, say); write a schedule that fires"
        )
    return expression


@lru_cache(maxsize=4096)  # many alerts share a schedule, checked within the same minute
def _fires_after(expression: str, timezone: str, start: datetime) -> bool:
    # `timezone` is in the key because aware datetimes of one instant compare equal.
    from croniter import croniter

    try:
        following = croniter(expression, start, max_years_between_matches=HORIZON_YEARS)
        fires: datetime = following.get_next(datetime)
    except Exception:  # CroniterBadDateError: nothing matches in the years searched
        return False
    return fires - start <= _HORIZON


@dataclass(frozen=True)
class Schedule:
    """One alert's cron expression and time zone."""

    cron: str
    timezone: str = "UTC"

    def next_after(self, moment: datetime) -> datetime:
        """The first due time strictly after `moment` (aware, in UTC)."""
        from croniter import croniter

        local = moment.astimezone(ZoneInfo(self.timezone))
        due: datetime = croniter(self.cron, local).get_next(datetime)
        return due.astimezone(ZoneInfo("UTC"))

    def last_at_or_before(self, moment: datetime) -> datetime:
        """The latest due time not after `moment` (aware, in UTC)."""
        from croniter import croniter

        local = (moment + timedelta(microseconds=1)).astimezone(ZoneInfo(self.timezone))
        due: datetime = croniter(self.cron, local).get_prev(datetime)
        return due.astimezone(ZoneInfo("UTC"))
