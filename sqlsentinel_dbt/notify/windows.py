"""Mute windows: which routes' `time_intervals` hold notifications back at one moment.

A route sends nothing while one of its `mute_time_intervals` contains the moment, or while
it has `active_time_intervals` and none of them does (a mute window wins over an active
one, as in Alertmanager). What it would have sent is recorded as suppressed, naming the
window (docs/notifications.md, "Mute windows").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlsentinel_dbt.config.channels import Route
from sqlsentinel_dbt.config.time_intervals import NamedTimeIntervals
from sqlsentinel_dbt.notify.routing import Destination

WINDOW_REASONS = ("muted by time interval", "outside the active time interval")
"""How the reasons a window gives start (`HeldBack.reason`)."""


class MuteWindows:
    """The named time intervals that contain one moment, asked per destination."""

    def __init__(self, intervals: Sequence[NamedTimeIntervals], at: datetime) -> None:
        self._containing = {interval.name for interval in intervals if interval.contains(at)}

    def holding(self, destination: Destination) -> str | None:
        """Why what goes to `destination` is held back now, or None when it is not.

        It is held only when every route that names the channel is held: a channel the
        alert's own `notify` names, or a route outside its windows, still sends.
        """
        if destination.direct or not destination.routes:
            return None
        reasons = [self._route_holds(route) for route in destination.routes]
        return reasons[0] if all(reasons) else None

    def _route_holds(self, route: Route) -> str | None:
        muting = [name for name in route.mute_time_intervals if name in self._containing]
        if muting:
            return f"muted by time interval {muting[0]!r}"
        active = route.active_time_intervals
        if active and not any(name in self._containing for name in active):
            names = ", ".join(repr(name) for name in active)
            return f"outside the active time interval{'s' if len(active) > 1 else ''} {names}"
        return None


NO_WINDOWS = MuteWindows((), datetime.min)
"""No route has a window."""
