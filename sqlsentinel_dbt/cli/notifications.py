"""`sentinel notifications`: the notification log, newest first, with why each was held."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import err, opened, out
from sqlsentinel_dbt.cli.history import cell
from sqlsentinel_dbt.cli.render import print_json
from sqlsentinel_dbt.dbt import DbtArgs

_SHOWN = ("created_at", "channel", "alert_name", "kind", "status", "sent_at", "why")


@o.dbt_flags()
def notifications(
    dbt: DbtArgs,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many rows.")] = 50,
    output: o.Output = o.OutputFormat.TEXT,
) -> None:
    """Show the notification log, newest first: what was sent, held back and why."""
    with opened(dbt) as sentinel:
        rows = sentinel.notifications_log(limit)
    if output is o.OutputFormat.JSON:
        print_json({"notifications": rows})
        return
    if not rows:
        err.print("No notifications yet.")
        return
    table = Table(title=f"notifications ({len(rows)}, newest first)", title_justify="left")
    for column in _SHOWN:
        table.add_column(column)
    for row in rows:
        table.add_row(*(cell(row.get(c)) for c in _SHOWN[:-1]), _why(row))
    out.print(table)


def _why(row: dict[str, Any]) -> str:
    """Why a row was not sent, or is not yet: its reasons, its digest, its last error."""
    reasons = sorted({f"{h['key'] or '-'}: {h['reason']}" for h in row.get("held_back") or []})
    if row.get("status") == "digest":
        reasons.append(f"waits for the digest {row.get('digest')}")
    if row.get("last_error"):
        reasons.append(str(row["last_error"]))
    return "; ".join(reasons)
