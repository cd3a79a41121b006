"""`sentinel test-channel NAME`: send a test message to one channel, now."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import cannot_start_on_error, err, out
from sqlsentinel_dbt.cli.exit_codes import ExitCode


def test_channel(
    name: Annotated[str, typer.Argument(help="The channel to send a test message to.")],
    project_dir: o.ProjectDir = None,
) -> None:
    """Send a test message to one channel, now, and say whether it arrived."""
    from sqlsentinel_dbt.config.project import load_config
    from sqlsentinel_dbt.notify.dispatch import send_test
    from sqlsentinel_dbt.suggest import suggest

    with cannot_start_on_error():
        config = load_config(Path(project_dir or "."))
    channel = config.channels.get(name)
    if channel is None:
        err.print(f"No channel {name!r}{suggest(name, sorted(config.channels))}", markup=False)
        raise typer.Exit(ExitCode.CANNOT_START)
    result = send_test(channel, config.settings.retry_budget)
    if result.ok:
        out.print(f"test message sent to {name}")
        return
    err.print(f"test message to {name} failed: {result.reason}", markup=False)
    raise typer.Exit(ExitCode.FAILED)
