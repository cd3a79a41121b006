"""`sentinel report`: the dashboard, with its data, as one self-contained HTML file.

The overview, every alert's page (chart, states, results, notifications, silences) and the
noise view, as the daemon serves them, for CI artifacts and email. The data is read in a
few queries whatever the number of alerts: the history of the period in one, the newest
notifications in one, each instance's newest row in one (shared by the overview, the
pages and the noise view), the silences in one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlsentinel_dbt.daemon.alert_page import PageReads, alert_detail
from sqlsentinel_dbt.daemon.overview import (
    anomaly_alerts,
    dated,
    history_points,
    noise_over,
    overview,
)
from sqlsentinel_dbt.daemon.page import json_for_script, self_contained_page
from sqlsentinel_dbt.redact import redact_values
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.store.timestamps import iso_timestamp

HISTORY_PER_ALERT = 200
NOTIFICATIONS = 500


def render_report(sentinel: Sentinel, days: int = 30) -> str:
    """The report of the project `sentinel` has open: its last `days` of history."""
    now = sentinel.clock()
    latest = sentinel.latest_results()  # once, for the overview, the pages and the noise
    alerts = overview(sentinel, latest)
    rows_by_alert: dict[str, list[dict[str, Any]]] = defaultdict(list)
    since = now - timedelta(days=days)
    for row in sentinel.history(None, None, since, per_alert=HISTORY_PER_ALERT):
        rows_by_alert[row["alert_name"]].append(row)
    sent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sentinel.notifications_log(NOTIFICATIONS):
        sent[str(row["alert_name"])].append(dated(row))
    reads = PageReads.read(sentinel, latest_rows=latest)  # once for every page
    details = {e["name"]: alert_detail(sentinel, e["name"], reads) for e in alerts}
    ranged = anomaly_alerts(sentinel)
    data = {
        "generated_at": iso_timestamp(now),
        "alerts": alerts,
        "details": {name: d | {"can_run": False} for name, d in details.items() if d},
        "history": {
            name: as_table(history_points(rows, ranged=name in ranged))
            for name, rows in rows_by_alert.items()
        },
        "notifications": dict(sent),
        "noise": noise_over(sentinel, days, alerts),
    }
    subtitle = f"target {sentinel.project.target_name}, {now:%d %b %Y %H:%M} UTC, last {days} days"
    data_json = json_for_script(redact_values(data))  # masked as values: see redact_values
    return self_contained_page(sentinel.project.name, subtitle, data_json)


def as_table(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Points as `{columns, rows}`: each name once, not once per point (a third the size)."""
    columns = list(points[0]) if points else []
    return {"columns": columns, "rows": [[p[c] for c in columns] for p in points]}
