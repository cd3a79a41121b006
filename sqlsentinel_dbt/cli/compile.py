"""`sentinel compile ALERT`: print an alert's SQL as dbt compiles it."""

from __future__ import annotations

import difflib
import sys
from typing import Annotated

import typer

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import cannot_start_on_error, err
from sqlsentinel_dbt.cli.exit_codes import ExitCode
from sqlsentinel_dbt.redact import redact


def compile_alert(
    alert: Annotated[str, typer.Argument(help="The alert's name.")],
    project_dir: o.ProjectDir = None,
    profiles_dir: o.ProfilesDir = None,
    profile: o.Profile = None,
    target: o.Target = None,
    vars: o.Vars = None,
) -> None:
    """Print the compiled SQL of ALERT on stdout."""
    from sqlsentinel_dbt.runtime import Sentinel

    with cannot_start_on_error():
        sentinel = Sentinel.open(o.dbt_args(project_dir, profiles_dir, profile, target, vars))
    with sentinel:
        by_name = {a.name: a for a in sentinel.alerts}
        if alert not in by_name:
            close = difflib.get_close_matches(alert, list(by_name), n=3)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            err.print(f"No alert named {alert!r}.{hint}", markup=False)
            raise typer.Exit(ExitCode.CANNOT_START)
        plan = sentinel.compile(by_name[alert])
    if plan.compiled is None:
        err.print(f"{alert}: {plan.compile_error}", markup=False)
        raise typer.Exit(ExitCode.FAILED)
    sys.stdout.write(redact(plan.compiled.sql) + "\n")  # a channel secret may be in it
    if plan.compile_error:  # compiled, but refused: show the SQL and why it will not run
        err.print(f"{alert}: {plan.compile_error}", markup=False)
        raise typer.Exit(ExitCode.FAILED)
