"""`sentinel demo`: the bundled demo project on DuckDB, no server, no network."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from sqlsentinel_dbt.cli.console import cannot_start_on_error, err, out
from sqlsentinel_dbt.cli.invocation import sentinel_command
from sqlsentinel_dbt.cli.render import print_results


def demo(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Where to put the demo project (default: a new temp dir)."),
    ] = None,
) -> None:
    """Build the demo dbt project (shop, data quality, SaaS) on DuckDB and run its alerts."""
    from sqlsentinel_dbt.demo import prepare_demo, run_demo

    with cannot_start_on_error():
        args = prepare_demo(directory)
        with err.status("Building the demo project with dbt, then running its alerts..."):
            report = run_demo(args)
    print_results(report.results, report.summary(), report.dry_run)
    places = (str(args.project_dir), str(args.profiles_dir))
    flags = "--project-dir {} --profiles-dir {}".format(*map(shlex.quote, places))
    sentinel = sentinel_command()  # the README runs .venv/bin/sentinel: not on PATH
    out.print(f"\nThe demo project is in [bold]{args.project_dir}[/]. Try:")
    for command in (
        "list",
        "history",
        "compile daily_revenue_drop",
        "dbt-run --select tag:finance",
        "report --out " + shlex.quote(str(Path(places[0]) / "sentinel-report.html")),
        "serve",  # the dashboard, at http://127.0.0.1:8765/
    ):
        out.print(f"  {sentinel} {command} {flags}", markup=False, soft_wrap=True)  # one line
