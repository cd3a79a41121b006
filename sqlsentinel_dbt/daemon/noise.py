"""What is noisy over a period: the alerts that cost a team attention, and why.

From each instance's changes of state (the history) and the notifications created (the
outbox): how often each alert fired and notified, which instances flap, how long firing
lasted before it resolved, and what has been firing for more than a week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import fmean
from typing import Any

from sqlsentinel_dbt.engine.result import State
from sqlsentinel_dbt.store.history import StateChange
from sqlsentinel_dbt.store.timestamps import as_utc, iso_timestamp

FLAPPING_CHANGES = 4
"""An instance that changed state this often in the period is flapping."""
LONG_FIRING = timedelta(days=7)
_FIRING = (State.FIRING, State.RECOVERING)
_TOLD = ("sent", "digested")  # told directly, or in a digest
_HELD = "suppressed"
_NOT_AN_ALERTS = ("test", "digest")
"""A channel test, and a digest's own message (its rows count for their alerts)."""


@dataclass
class _Tally:
    firings: int = 0
    changes: int = 0
    sent: int = 0
    held: int = 0
    resolved_after: list[float] = field(default_factory=list)


def noise_report(
    changes: Sequence[StateChange],
    counts: Sequence[tuple[str, str, str, int]],
    overview: Sequence[dict[str, Any]],
    since: datetime,
    now: datetime,
) -> dict[str, Any]:
    """The noise view's data, JSON-ready.

    `changes`: state changes from `since` on, in order per instance; `counts`: outbox rows
    per (alert, kind, status) from `since` on; `overview`: the alerts as `alert_overview`
    lists them (for what is firing now, and since when).
    """
    tallies: dict[str, _Tally] = {}
    flapping: dict[tuple[str, str | None], int] = {}
    started: dict[tuple[str, str | None], datetime] = {}
    for change in changes:
        tally = tallies.setdefault(change.alert, _Tally())
        instance = (change.alert, change.key)
        was_firing = change.previous in _FIRING
        if change.state == State.FIRING and not was_firing:
            tally.firings += 1
            started[instance] = change.at
        if change.previous is not None:
            tally.changes += 1
            flapping[instance] = flapping.get(instance, 0) + 1
        if change.state == State.OK and was_firing and instance in started:
            tally.resolved_after.append((change.at - started.pop(instance)).total_seconds())
    for alert, kind, status, count in counts:
        if kind in _NOT_AN_ALERTS:
            continue
        tally = tallies.setdefault(alert, _Tally())
        if status in _TOLD:
            tally.sent += count
        elif status == _HELD:
            tally.held += count
    durations = [d for t in tallies.values() for d in t.resolved_after]
    return {
        "since": iso_timestamp(since),
        "until": iso_timestamp(now),
        "flapping_changes": FLAPPING_CHANGES,
        "firings": sum(t.firings for t in tallies.values()),
        "notifications_sent": sum(t.sent for t in tallies.values()),
        "mean_time_to_resolve_s": fmean(durations) if durations else None,
        "alerts": _loudest(tallies),
        "flapping": [
            {"alert": alert, "key": key, "changes": n}
            for (alert, key), n in sorted(flapping.items(), key=lambda i: (-i[1], i[0][0]))
            if n >= FLAPPING_CHANGES
        ],
        "long_firing": _long_firing(overview, now),
    }


def _loudest(tallies: dict[str, _Tally]) -> list[dict[str, Any]]:
    rows = [
        {
            "name": name,
            "firings": t.firings,
            "notifications_sent": t.sent,
            "held_back": t.held,
            "state_changes": t.changes,
            "resolved": len(t.resolved_after),
            "mean_time_to_resolve_s": fmean(t.resolved_after) if t.resolved_after else None,
        }
        for name, t in tallies.items()
        if t.firings or t.sent or t.held or t.changes
    ]
    return sorted(rows, key=lambda r: (-r["firings"] - r["notifications_sent"], r["name"]))


def _long_firing(overview: Sequence[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    longest = [
        {"name": e["name"], "firing_since": e["firing_since"], "firing_keys": e["firing_keys"]}
        for e in overview
        if e["firing_since"] and now - as_utc(e["firing_since"]) > LONG_FIRING
    ]
    return sorted(longest, key=lambda e: (e["firing_since"], e["name"]))
