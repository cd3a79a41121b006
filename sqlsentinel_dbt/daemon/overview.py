"""What the dashboard, its API and `sentinel report` show: each alert with its state.

Built from the declared alerts and the newest history row of each of their instances.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.store.timestamps import as_utc

# Worst first: what an alert shows when its instances differ.
_RANK = ["firing", "recovering", "pending", "error", "ok", "never run"]


def alert_overview(
    alerts: Sequence[Alert], latest: Sequence[dict[str, Any]], default_schedule: str
) -> list[dict[str, Any]]:
    """One JSON-ready entry per declared alert, worst state first, then by name."""
    rows_by_alert: dict[str, list[dict[str, Any]]] = {}
    for row in latest:
        rows_by_alert.setdefault(row["alert_name"], []).append(row)
    entries = [
        _entry(alert, rows_by_alert.get(alert.name, []), default_schedule) for alert in alerts
    ]
    return sorted(entries, key=lambda e: (_RANK.index(e["state"]), e["name"]))


def _entry(alert: Alert, rows: list[dict[str, Any]], default_schedule: str) -> dict[str, Any]:
    newest = max(rows, key=lambda r: as_utc(r["started_at"]), default=None)
    states = [_instance_state(row) for row in rows] or ["never run"]
    firing = sorted(
        str(r["alert_key"] or "") for r in rows if r["state"] in ("firing", "recovering")
    )
    return {
        "name": alert.name,
        "description": alert.description,
        "severity": alert.severity.value,
        "owner": alert.owner,
        "tags": list(alert.tags),
        "enabled": alert.enabled,
        "schedule": alert.schedule or default_schedule,
        "state": min(states, key=_RANK.index),
        "firing_keys": firing,
        "instances": len(rows),
        "last_evaluated": _text(newest["started_at"]) if newest else None,
        "last_status": newest["status"] if newest else None,
        "last_error": newest["error"] if newest else None,
    }


def _instance_state(row: dict[str, Any]) -> str:
    if row["status"] == "ERROR":
        return "error"
    return str(row["state"] or "ok")


def history_points(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """History rows as JSON-ready points, oldest first (for charts and the API)."""
    points = [
        {
            "started_at": _text(row["started_at"]),
            "key": row["alert_key"],
            "status": row["status"],
            "state": row["state"],
            "actual_value": _number(row["actual_value"]),
            "threshold": _number(row["threshold"]),
            "error": row["error"],
        }
        for row in rows
    ]
    return sorted(points, key=lambda p: p["started_at"] or "")


def _text(value: Any) -> str | None:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return None if value is None else str(value)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, int | float | Decimal) else float(str(value))
