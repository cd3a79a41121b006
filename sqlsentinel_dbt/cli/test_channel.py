"""`sentinel test-channel NAME`: send a test message to one channel, now."""

from __future__ import annotations

from typing import Annotated

import typer

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import err, opened, out
from sqlsentinel_dbt.cli.exit_codes import ExitCode
from sqlsentinel_dbt.dbt import DbtArgs


@o.dbt_flags()
def test_channel(
    dbt: DbtArgs,
    name: Annotated[str, typer.Argument(help="The channel to send a test message to.")],
) -> None:
    """Send a test message to one channel, now, and say whether it arrived."""
    with opened(dbt) as sentinel:
        result = sentinel.send_test(name)
    if result.ok:
        out.print(f"test message sent to {name}")
        return
    err.print(f"test message to {name} failed: {result.reason}", markup=False)
    raise typer.Exit(ExitCode.FAILED)
