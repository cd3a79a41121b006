"""What the dashboard, its API and `sentinel report` show: each alert with its state.

Built from the declared alerts, and the dbt checks the history recorded (docs/dbt_results.md),
with the newest history row of each of their instances. An alert no file declares any more
is left out.
An alert shows the worst of its instances: its `state` is the worst instance state, its
`last_status` the worst status its newest run recorded (ALERT if any instance fired).
An ERROR (or SKIPPED) row counts only while it is the newest run: an alert that failed
once and has run cleanly since is no longer in error.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlsentinel_dbt.config.models import DBT_NODE, Alert, Mode, Severity
from sqlsentinel_dbt.daemon.noise import noise_report
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.store import rows as rows_module
from sqlsentinel_dbt.store.timestamps import as_utc, iso_timestamp

# Worst first: what an alert shows when its instances differ.
_RANK = ["firing", "recovering", "pending", "error", "ok", "never run"]
_STATUS_RANK = ["ALERT", "ERROR", "MISSING", "SKIPPED", "OK"]
_WHOLE_RUN = ("ERROR", "SKIPPED")  # statuses recorded once for the alert, not per instance


def overview(
    sentinel: Sentinel, latest: Sequence[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Every declared alert, and every dbt check the history recorded, worst first.

    `latest`: each instance's newest row, when the caller has read them already.
    """
    alerts = [d.alert for d in sentinel.alerts]
    rows = sentinel.latest_results() if latest is None else latest
    return alert_overview(alerts, rows, sentinel.config.settings.default_schedule)


def noise_over(
    sentinel: Sentinel, days: int, entries: Sequence[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The noise view (docs/daemon.md) of the last `days` of history and notifications.

    `entries`: the overview, when the caller has it already.
    """
    now = sentinel.clock()
    since = now - timedelta(days=days)
    # The state before the period is looked for in as long a time again, not in all history.
    changes = sentinel.state_changes(since, since - timedelta(days=days))
    counts = sentinel.notification_counts(since)
    alerts = overview(sentinel) if entries is None else entries
    return noise_report(changes, counts, alerts, since, now) | {"days": days}


def alert_overview(
    alerts: Sequence[Alert], latest: Sequence[dict[str, Any]], default_schedule: str
) -> list[dict[str, Any]]:
    """One JSON-ready entry per declared alert, worst state first, then by name."""
    rows_by_alert: dict[str, list[dict[str, Any]]] = {}
    for row in _readable(latest):
        rows_by_alert.setdefault(row["alert_name"], []).append(row)
    entries = [
        _entry(alert, rows_by_alert.get(alert.name, []), alert.schedule or default_schedule)
        for alert in alerts
    ]
    declared = {alert.name for alert in alerts}
    for name, rows in rows_by_alert.items():
        if name in declared or not any(r.get("dbt_node") for r in rows):
            continue
        try:
            check = recorded_check(name, rows)
        except ValueError as exc:  # a name no alert may have: this one is left out
            where = f"the rows of {name!r}"
            rows_module.skipped("sentinel_alert_history", where, exc, "the dashboard skips it")
            continue
        entries.append(_entry(check, rows, None))
    return sorted(entries, key=lambda e: (_RANK.index(e["state"]), e["name"]))


def recorded_check(name: str, rows: Sequence[dict[str, Any]]) -> Alert:
    """An alert standing for a dbt check the history recorded but no file declares.

    dbt's own checks (docs/dbt_results.md) are recorded by the hook or `--from-artifacts`;
    their name, severity and dbt node are in their history rows.
    """
    severity = "warn" if all(r.get("severity") == "warn" for r in rows) else "error"
    node = next((str(r["dbt_node"]) for r in rows if r.get("dbt_node")), None)
    return Alert(
        name=name,
        query="-- recorded from dbt's results",
        severity=Severity(severity),
        meta={DBT_NODE: node} if node else {},
        enabled=False,
    )


def _entry(alert: Alert, rows: list[dict[str, Any]], schedule: str | None) -> dict[str, Any]:
    """The alert's entry; `schedule` None for a recorded dbt check, which none runs."""
    newest = max(rows, key=lambda r: as_utc(r["started_at"]), default=None)
    last_run = [r for r in rows if newest and _same_run(r, newest)]
    in_last_run = {id(r) for r in last_run}
    current = [r for r in rows if r["status"] not in _WHOLE_RUN or id(r) in in_last_run]
    instances = [r for r in current if r["status"] not in _WHOLE_RUN]
    states = [_instance_state(row) for row in current] or ["never run"]
    firing = sorted(str(r["alert_key"] or "") for r in current if _firing(r))
    errors = [str(r["error"]) for r in last_run if r["error"]]
    firing_since = [as_utc(r["state_since"]) for r in current if _firing(r) and r["state_since"]]
    return {
        "name": alert.name,
        "kind": "dbt check" if schedule is None else "alert",
        "description": alert.description,
        "severity": alert.severity.value,
        "owner": alert.owner,
        "tags": list(alert.tags),
        "dbt_node": alert.dbt_node,
        "enabled": alert.enabled,
        "schedule": schedule,
        "state": min(states, key=_RANK.index),
        "firing_keys": firing,
        "firing_since": _text(min(firing_since)) if firing_since else None,
        "instances": len(instances) or len(current),
        "last_evaluated": _text(newest["started_at"]) if newest else None,
        "last_status": min((r["status"] for r in last_run), key=_status_rank, default=None),
        "last_error": errors[0] if errors else None,
    }


def _firing(row: dict[str, Any]) -> bool:
    return row["state"] in ("firing", "recovering")


def _same_run(row: dict[str, Any], newest: dict[str, Any]) -> bool:
    if row.get("run_id") is not None and newest.get("run_id") is not None:
        return bool(row["run_id"] == newest["run_id"])
    return row is newest


def _status_rank(status: str) -> int:
    return _STATUS_RANK.index(status) if status in _STATUS_RANK else len(_STATUS_RANK)


def _instance_state(row: dict[str, Any]) -> str:
    if row["status"] == "ERROR":
        return "error"
    return str(row["state"] or "ok")


def history_points(rows: Sequence[dict[str, Any]], *, ranged: bool) -> list[dict[str, Any]]:
    """History rows as JSON-ready points, oldest first (for charts and the API).

    `ranged`: the alert is an anomaly alert, whose context carries the expected range
    each run judged by; another alert's context columns of those names are only context.
    """
    ordered = sorted(_readable(rows), key=lambda r: as_utc(r["started_at"]))
    no_range = dict.fromkeys(_RANGE)
    return [
        {
            "started_at": _text(row["started_at"]),
            "key": row["alert_key"],
            "status": row["status"],
            "state": row["state"],
            "actual_value": _number(row["actual_value"]),
            "threshold": _number(row["threshold"]),
            "error": row["error"],
            **(_expected_range(row) if ranged else no_range),
        }
        for row in ordered
    ]


def anomaly_alerts(sentinel: Sentinel) -> set[str]:
    """The alerts declared in anomaly mode: their points carry an expected range."""
    return {d.name for d in sentinel.alerts if d.alert.mode is Mode.ANOMALY}


_RANGE = ("expected", "lower", "upper")


def _expected_range(row: dict[str, Any]) -> dict[str, Any]:
    """An anomaly result's expected value and range (docs/anomalies.md), else nulls."""
    try:
        context = rows_module.json_object(row.get("context"), "context")
    except rows_module.Unreadable:
        context = {}
    judged = all(isinstance(context.get(f), int | float) for f in _RANGE)
    return {f: float(context[f]) if judged else None for f in _RANGE}


def _readable(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows whose time and numbers read; each other one is skipped with a warning."""
    kept = []
    for row in rows:
        try:
            moment = rows_module.timestamp(row.get("started_at"), "started_at")
            since = rows_module.optional_timestamp(row.get("state_since"), "state_since")
            actual = rows_module.number_value(row.get("actual_value"), "actual_value")
            threshold = rows_module.number_value(row.get("threshold"), "threshold")
        except rows_module.Unreadable as exc:
            where = f"a row of alert {row.get('alert_name')!r} key {row.get('alert_key')!r}"
            rows_module.skipped("sentinel_alert_history", where, exc, "the dashboard skips it")
            continue
        kept.append(
            row
            | {"started_at": moment, "state_since": since}
            | {"actual_value": actual, "threshold": threshold}
        )
    return kept


def dated(row: dict[str, Any]) -> dict[str, Any]:
    """`row` with its datetimes as ISO 8601 text (FastAPI's own encoder would write `Z`)."""
    return {k: iso_timestamp(v) if isinstance(v, datetime) else v for k, v in row.items()}


def _text(value: Any) -> str | None:
    """A timestamp column's value as shown (drivers give datetimes, some give text)."""
    if isinstance(value, datetime | str):
        return iso_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return None if value is None else str(value)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, int | float | Decimal) else float(str(value))
