"""`sentinel compile ALERT`: print an alert's SQL as dbt compiles it."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import err, opened
from sqlsentinel_dbt.cli.exit_codes import ExitCode
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.redact import redact


@o.dbt_flags()
def compile_alert(
    dbt: DbtArgs,
    alert: Annotated[str, typer.Argument(help="The alert's name.")],
) -> None:
    """Print the compiled SQL of ALERT on stdout."""
    with opened(dbt) as sentinel:
        plan = sentinel.compile(alert)
    if plan.compiled is None:
        err.print(f"{alert}: {plan.compile_error}", markup=False)
        raise typer.Exit(ExitCode.FAILED)
    sys.stdout.write(redact(plan.compiled.sql) + "\n")  # a channel secret may be in it
    if plan.compile_error:  # compiled, but refused: show the SQL and why it will not run
        err.print(f"{alert}: {plan.compile_error}", markup=False)
        raise typer.Exit(ExitCode.FAILED)
