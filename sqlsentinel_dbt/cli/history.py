"""`sentinel history`: the newest rows of the history table."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import err, opened, out
from sqlsentinel_dbt.cli.render import print_json
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.store.timestamps import iso_timestamp

_SHOWN = (
    "started_at",
    "alert_name",
    "alert_key",
    "status",
    "state",
    "severity",
    "actual_value",
    "threshold",
    "error",
)


@o.dbt_flags()
def history(
    dbt: DbtArgs,
    alert: Annotated[str | None, typer.Argument(help="Only this alert.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many rows.")] = 50,
    output: o.Output = o.OutputFormat.TEXT,
) -> None:
    """Show recorded results, newest first."""
    with opened(dbt) as sentinel:
        rows = sentinel.history(alert, limit)
    if output is o.OutputFormat.JSON:
        for row in rows:
            row["context"] = _context(row.get("context"))
        print_json({"history": rows})
        return
    if not rows:
        err.print("No history yet: run `sentinel dbt-run` first.")
        return
    table = Table(title=f"history ({len(rows)} rows, newest first)", title_justify="left")
    for column in _SHOWN:
        table.add_column(column)
    for row in rows:
        table.add_row(*(cell(row.get(c)) for c in _SHOWN))
    out.print(table)


def cell(value: object) -> str:
    """A value as a table cell: timestamps in ISO 8601, None empty."""
    if value is None:
        return ""
    return iso_timestamp(value) if isinstance(value, datetime) else str(value)


def _context(value: Any) -> Any:
    """A row's context as JSON, or its text as stored when that is not valid JSON."""
    try:
        return json.loads(value) if value else {}
    except (TypeError, ValueError):
        return value
