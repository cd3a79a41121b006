"""The `sentinel` command line: argument parsing, console output, exit codes. No logic."""

from __future__ import annotations

from typing import Annotated

import typer

from sqlsentinel_dbt import __version__
from sqlsentinel_dbt.cli.compile import compile_alert
from sqlsentinel_dbt.cli.console import configure_logging
from sqlsentinel_dbt.cli.daemon import daemon, serve
from sqlsentinel_dbt.cli.demo import demo
from sqlsentinel_dbt.cli.history import history
from sqlsentinel_dbt.cli.init import init
from sqlsentinel_dbt.cli.list_alerts import list_alerts
from sqlsentinel_dbt.cli.notifications import notifications
from sqlsentinel_dbt.cli.notify import notify
from sqlsentinel_dbt.cli.report import report
from sqlsentinel_dbt.cli.run import dbt_run
from sqlsentinel_dbt.cli.schema import schema
from sqlsentinel_dbt.cli.select_args import DbtSelectCommand
from sqlsentinel_dbt.cli.silences import silence, silences, unsilence
from sqlsentinel_dbt.cli.test_channel import test_channel
from sqlsentinel_dbt.cli.validate import validate

app = typer.Typer(
    name="sentinel",
    help="SQL alerts as code for dbt projects.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sqlsentinel-dbt {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    log_level: Annotated[
        str | None,
        typer.Option(
            help=(
                "debug, info, warning (default) or error; logs go to stderr. dbt's "
                "deprecation warnings show once each, and none with --output json unless "
                "this is given."
            )
        ),
    ] = None,
    log_format: Annotated[
        str, typer.Option(help="text, or json (one object per line, for log collectors).")
    ] = "text",
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    configure_logging(log_level, log_format)


app.command("dbt-run", cls=DbtSelectCommand)(dbt_run)
app.command("validate")(validate)
app.command("list", cls=DbtSelectCommand)(list_alerts)
app.command("compile")(compile_alert)
app.command("history")(history)
app.command("schema")(schema)
app.command("notify")(notify)
app.command("notifications")(notifications)
app.command("silence")(silence)
app.command("unsilence")(unsilence)
app.command("silences")(silences)
app.command("test-channel")(test_channel)
app.command("init")(init)
app.command("demo")(demo)
app.command("daemon")(daemon)
app.command("serve")(serve)
app.command("report")(report)


def main() -> None:
    """Console-script entry point."""
    app()
