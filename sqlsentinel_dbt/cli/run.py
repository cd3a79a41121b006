"""`sentinel dbt-run`: evaluate the alerts, record history, exit with a CI-friendly code."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import err, opened
from sqlsentinel_dbt.cli.exit_codes import ExitCode
from sqlsentinel_dbt.cli.render import print_json, print_notifications, print_results, progress
from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.shards import Shard
from sqlsentinel_dbt.gate import junit_xml, step_summary, workflow_annotations
from sqlsentinel_dbt.runtime.report import RunReport


class FailOn(StrEnum):
    """The lowest severity of a firing alert that makes the run exit 1."""

    WARN = "warn"
    ERROR = "error"
    NEVER = "never"


@o.dbt_flags(threads=True)
def dbt_run(
    dbt: DbtArgs,
    select: o.Select = None,
    exclude: o.Exclude = None,
    allow_empty: o.AllowEmpty = False,
    shard: o.ShardOption = None,
    output: o.Output = o.OutputFormat.TEXT,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            help="Exit 1 when an alert of this severity or worse fires. Errors always do."
        ),
    ] = FailOn.ERROR,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Evaluate and print, with the notifications it would send; write nothing.",
        ),
    ] = False,
    ignore_last_build: Annotated[
        bool,
        typer.Option(
            "--ignore-last-build",
            help="Run every alert even if target/run_results.json says a node it reads failed.",
        ),
    ] = False,
    no_notify: Annotated[
        bool,
        typer.Option(
            "--no-notify",
            help="Queue notifications in the outbox, but leave sending to `sentinel notify`.",
        ),
    ] = False,
    from_artifacts: Annotated[
        Path | None,
        typer.Option(
            "--from-artifacts",
            help=(
                "Run nothing: record the sqlsentinel.alert tests the last dbt build ran, "
                "from run_results.json and manifest.json in this directory (e.g. target/)."
            ),
        ),
    ] = None,
    junit_path: Annotated[
        Path | None,
        typer.Option(
            "--junit-xml",
            help="Also write a JUnit XML report here: one testcase per alert result.",
        ),
    ] = None,
) -> None:
    """Run the project's alerts (after `dbt build`), append results to the history table.

    Under GitHub Actions (GITHUB_STEP_SUMMARY set) it also writes a summary table for the
    job page and `::error`/`::warning` annotations for what fires.
    """
    if shard is not None and from_artifacts is not None:
        raise typer.BadParameter(
            "--shard splits the alerts a run evaluates; --from-artifacts only records a "
            "build's tests, once: use one or the other"
        )
    with opened(dbt) as sentinel:
        if from_artifacts is not None:
            report = sentinel.record_build(
                from_artifacts,
                select or [],
                exclude or [],
                dry_run=dry_run,
                send=not no_notify,
                allow_empty=allow_empty,
            )
        else:
            plans = sentinel.plan(
                select or [], exclude or [], allow_empty=allow_empty, with_build=True, shard=shard
            )
            with progress(len(plans), enabled=output is o.OutputFormat.TEXT) as advance:
                report = sentinel.execute(
                    plans,
                    dry_run=dry_run,
                    send=not no_notify,
                    check_last_build=not ignore_last_build,
                    on_results=advance,
                )
    for problem in report.problems:
        err.print("[bold red]Not recorded:[/] ", end="")
        err.print(problem, markup=False)
    if output is o.OutputFormat.JSON:
        print_json(report.to_json())
    elif report.results:
        print_results(report.results + report.missing, report.summary(), dry_run)
        print_notifications(report)
    elif report.already_recorded is None:
        err.print(_nothing_ran(bool(select or exclude), from_artifacts is not None, shard))
    if report.already_recorded is not None and output is not o.OutputFormat.JSON:
        err.print(report.already_recorded.line())
    gate = None if fail_on is FailOn.NEVER else Severity(fail_on.value)
    write_gate_outputs(
        report, gate, junit_path, sentinel.project.name, json=output is o.OutputFormat.JSON
    )
    raise typer.Exit(ExitCode.FAILED if report.failed(gate) else ExitCode.OK)


def _nothing_ran(selected: bool, from_artifacts: bool, shard: Shard | None) -> str:
    if shard is not None:  # with few alerts and many shards, some get none
        return f"Shard {shard} holds none of the selected alerts: nothing ran."
    if selected:  # an empty selection is an error unless --allow-empty-selection
        return "No alerts selected (--allow-empty-selection): nothing ran."
    if from_artifacts:
        return "The artifacts hold no dbt checks to record: nothing recorded."
    return (
        "No enabled alerts in this project yet: nothing ran. Declare them in alerts/*.yml "
        "or in a node's meta (`sentinel init` writes commented examples)."
    )


def write_gate_outputs(
    report: RunReport, gate: Severity | None, junit_path: Path | None, suite: str, *, json: bool
) -> None:
    """The JUnit file if asked for; GitHub's summary and annotations when under Actions."""
    if junit_path is not None:
        junit_path.parent.mkdir(parents=True, exist_ok=True)
        junit_path.write_bytes(junit_xml(report.results, gate, suite))
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary_file:
        return
    with open(summary_file, "a", encoding="utf-8") as summary:
        summary.write(step_summary(report.results, gate, report.run_id))
    # With --output json, stdout is the JSON document; the runner reads stderr too.
    stream = sys.stderr if json else sys.stdout
    for command in workflow_annotations(report.results, gate):
        print(command, file=stream)
