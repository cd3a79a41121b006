"""`sentinel report`: the dashboard's overview as one self-contained HTML file.

No script and no external resource: the table, the silences, the recent notifications
and one inline SVG chart per alert, for CI artifacts and email.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from sqlsentinel_dbt.daemon.charts import history_chart
from sqlsentinel_dbt.daemon.overview import alert_overview, history_points
from sqlsentinel_dbt.redact import redact
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.store.timestamps import iso_timestamp

_HERE = Path(__file__).parent
_TEMPLATES = Environment(
    loader=FileSystemLoader([_HERE / "templates", _HERE / "static"]),
    autoescape=select_autoescape(["html"]),
)
_TEMPLATES.filters["timestamp"] = lambda value: "" if value is None else iso_timestamp(value)


def render_report(sentinel: Sentinel, history_limit: int = 200) -> str:
    """The report for the project `sentinel` has open, from its history in the warehouse."""
    latest = sentinel.latest_results()
    alerts = [d.alert for d in sentinel.alerts]
    overview = alert_overview(alerts, latest, sentinel.config.settings.default_schedule)
    # Markup: history_chart builds the SVG itself and escapes every text it puts in.
    charts = {
        entry["name"]: Markup(
            history_chart(
                history_points(sentinel.history(entry["name"], history_limit)), entry["name"]
            )
        )
        for entry in overview
    }
    now = sentinel.clock()
    page = _TEMPLATES.get_template("report.html").render(
        project=sentinel.project.name,
        target=sentinel.project.target_name,
        generated_at=iso_timestamp(now),
        alerts=overview,
        charts=charts,
        silences=[s for s in sentinel.silences() if s.active(now)],
        notifications=sentinel.notifications_log(20),
    )
    return redact(page)
