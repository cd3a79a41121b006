"""`sentinel notify`: deliver what the outbox holds that is due."""

from __future__ import annotations

import typer

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import opened
from sqlsentinel_dbt.cli.exit_codes import ExitCode
from sqlsentinel_dbt.cli.render import print_delivery, print_json
from sqlsentinel_dbt.dbt import DbtArgs


@o.dbt_flags()
def notify(
    dbt: DbtArgs,
    output: o.Output = o.OutputFormat.TEXT,
) -> None:
    """Send every queued notification that is due (failed ones are retried)."""
    from dataclasses import asdict

    with opened(dbt, to_deliver=True) as sentinel:
        report = sentinel.notify()
    if output is o.OutputFormat.JSON:
        print_json(asdict(report))
    else:
        print_delivery(report)
    raise typer.Exit(ExitCode.FAILED if report.failed else ExitCode.OK)
