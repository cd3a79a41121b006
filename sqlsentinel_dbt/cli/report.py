"""`sentinel report`: a self-contained HTML overview of the alerts, from the history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import err, opened
from sqlsentinel_dbt.dbt import DbtArgs


@o.dbt_flags()
def report(
    dbt: DbtArgs,
    out: Annotated[Path, typer.Option("--out", help="Where to write the HTML file.")],
    days: Annotated[
        int, typer.Option("--days", min=1, max=90, help="How many days of history it shows.")
    ] = 30,
) -> None:
    """Write the dashboard (overview, a page per alert, noise) as one self-contained HTML file."""
    from sqlsentinel_dbt.daemon.static_report import render_report

    with opened(dbt) as sentinel:
        page = render_report(sentinel, days)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    err.print(f"report written to {out}")
