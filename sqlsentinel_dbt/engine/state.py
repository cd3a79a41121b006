"""The per-instance state machine of docs/alerts.md#states: OK, PENDING, FIRING, RECOVERING.

An instance is an alert and a key. Its state is carried from run to run in the history
table: each row records the state, since when, and a count (ALERT evaluations while
pending, absent evaluations while firing). This module is pure: it takes the last known
states and this run's results, and returns the new ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlsentinel_dbt.config.models import Alert, OnNoData
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState, State, Status

OK = InstanceState(State.OK, None)
Key = str | None


@dataclass(frozen=True)
class Tracked:
    """One alert's results with their new states, and the instances it no longer returned."""

    results: list[AlertResult]
    missing: list[AlertResult]


def track(
    alert: Alert, prior: Mapping[Key, InstanceState], results: Sequence[AlertResult], now: datetime
) -> Tracked:
    """Advance every instance of `alert` by this run's `results`.

    An ERROR or SKIPPED result, or no data with `keep_last`, leaves every state as it was
    (no mass resolve, no mass re-fire). A non-OK instance whose key the query no longer
    returned (zero rows read as OK included) gets a MISSING result carrying its new state.
    """
    if _keeps_last(alert, results):
        return Tracked(list(results), [])
    tracked = [_advance_result(alert, prior.get(r.key, OK), r, now) for r in results]
    seen = {r.key for r in results}
    missing = [
        _missing(alert, key, state, now)
        for key, state in prior.items()
        if key not in seen and state.state is not State.OK
    ]
    return Tracked(tracked, missing)


def _keeps_last(alert: Alert, results: Sequence[AlertResult]) -> bool:
    if any(r.status in (Status.ERROR, Status.SKIPPED) for r in results):
        return True
    return alert.on_no_data is OnNoData.KEEP_LAST and any(r.no_data for r in results)


def _advance_result(
    alert: Alert, prior: InstanceState, result: AlertResult, now: datetime
) -> AlertResult:
    new = advance(alert, prior, result.status, now)
    severity = result.severity if result.status is Status.ALERT else prior.severity
    return replace(result, state=replace(new, severity=severity))


def _missing(alert: Alert, key: Key, prior: InstanceState, now: datetime) -> AlertResult:
    new = advance(alert, prior, Status.MISSING, now)
    return AlertResult(
        alert=alert.name,
        status=Status.MISSING,
        severity=prior.severity,
        key=key,
        started_at=now,
        state=replace(new, severity=prior.severity),
    )


def advance(alert: Alert, prior: InstanceState, seen: Status, now: datetime) -> InstanceState:
    """The next state of one instance that was `prior` and now evaluated to `seen`."""
    state = prior.state
    # A `since` after now (a runner whose clock ran ahead, a bad row) counts from now, so
    # a pending or recovering instance is never held back for ever.
    if prior.since is not None and prior.since > now:
        prior = replace(prior, since=now)
    since = prior.since or now
    if seen is Status.ALERT:
        if state is State.OK:
            return _pending_or_firing(alert, now, 1, now)
        if state is State.PENDING:
            return _pending_or_firing(alert, since, prior.count + 1, now)
        if state is State.RECOVERING:
            return InstanceState(State.FIRING, now)
        return InstanceState(State.FIRING, since)  # still firing; absences reset
    if seen is Status.MISSING and state is State.FIRING:
        count = prior.count + 1
        if count >= alert.missing_evaluations_to_resolve:
            return InstanceState(State.OK, now)
        return InstanceState(State.FIRING, since, count)
    # OK, or absent while pending or recovering.
    if state is State.FIRING and alert.keep_firing_for > 0:
        return InstanceState(State.RECOVERING, now)
    if state is State.RECOVERING and now - since < timedelta(seconds=alert.keep_firing_for):
        return prior
    return prior if state is State.OK else InstanceState(State.OK, now)


def _pending_or_firing(alert: Alert, since: datetime, count: int, now: datetime) -> InstanceState:
    waited = now - since >= timedelta(seconds=alert.for_)
    if waited and count >= alert.for_evaluations:
        return InstanceState(State.FIRING, now)
    return InstanceState(State.PENDING, since, count)


def track_run(
    alerts: Sequence[Alert],
    prior: Mapping[str, Mapping[Key, InstanceState]],
    results: Sequence[AlertResult],
    now: datetime,
) -> Tracked:
    """`track` every alert of a run; results keep their order."""
    by_alert: dict[str, list[AlertResult]] = {}
    for result in results:
        by_alert.setdefault(result.alert, []).append(result)
    tracked: dict[str, Tracked] = {
        alert.name: track(alert, prior.get(alert.name, {}), by_alert.get(alert.name, []), now)
        for alert in alerts
    }
    ordered = [r for name in by_alert for r in tracked[name].results] if tracked else []
    return Tracked(ordered, [m for t in tracked.values() for m in t.missing])
