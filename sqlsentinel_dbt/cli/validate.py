"""`sentinel validate`: parse the project, check every alert, compile them; run nothing."""

from __future__ import annotations

import typer

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import err, opened, out
from sqlsentinel_dbt.cli.exit_codes import ExitCode
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.redact import redact


@o.dbt_flags()
def validate(
    dbt: DbtArgs,
) -> None:
    """Check alert files and meta, render every `message` template, compile every alert.

    Exit 2 on bad configuration (one alert's included: runs would report it as that
    alert's ERROR; a `message` template that fails too; a `dbt_results` selector term that
    selects no node), 1 if any alert fails to compile.
    """
    from sqlsentinel_dbt.notify.render.template import alert_problems

    with opened(dbt) as sentinel:
        plans = sentinel.plan()
        settings = sentinel.dbt_results_problems()
    misdeclared = sentinel.config.alert_problems + settings
    misdeclared += [
        f"{declared.origin}: alert {declared.name!r}: field 'message': {problem}"
        for declared in sentinel.alerts
        for problem in alert_problems(declared.alert)
    ]
    for problem in misdeclared:  # each names its file, alert and field
        err.print(redact(problem), markup=False, style="red")
    broken = [p for p in plans if p.compile_error and not p.declared.problems]
    for plan in broken:
        err.print(f"[bold red]{plan.name}[/] ({plan.declared.origin}): ", end="")
        err.print(plan.compile_error, markup=False)
    out.print(
        f"{len(sentinel.alerts)} alerts, {len(plans)} enabled, "
        f"{sum(not p.compile_error for p in plans)} compiled, {len(broken)} failed to compile"
        + (f", {len(misdeclared)} configuration problems" if misdeclared else "")
    )
    if misdeclared:
        raise typer.Exit(ExitCode.CANNOT_START)
    raise typer.Exit(ExitCode.FAILED if broken else ExitCode.OK)
