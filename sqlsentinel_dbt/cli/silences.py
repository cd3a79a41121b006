"""`sentinel silence`, `sentinel unsilence`, `sentinel silences`: mute notifications for a while."""

from __future__ import annotations

import getpass
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import err, opened, out
from sqlsentinel_dbt.cli.exit_codes import ExitCode
from sqlsentinel_dbt.cli.render import print_json
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.store.timestamps import iso_timestamp

CreatedBy = Annotated[str | None, typer.Option("--by", help="Who does it (default: the OS user).")]


@o.dbt_flags()
def silence(
    dbt: DbtArgs,
    matcher: Annotated[str, typer.Argument(help="Alert name, glob (`orders_*`) or `tag:X`.")],
    reason: Annotated[str, typer.Option("--reason", help="Why; shown with the silence.")],
    key: Annotated[str | None, typer.Option("--key", help="Only this instance.")] = None,
    for_: Annotated[str | None, typer.Option("--for", help="How long: `30m`, `2h`, `1d`.")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="End time, ISO 8601 (UTC unless a zone is given).")
    ] = None,
    by: CreatedBy = None,
) -> None:
    """Silence notifications of matching alerts; they are still evaluated and recorded."""
    ends = _end(for_, until)
    with opened(dbt) as sentinel:
        made = sentinel.silence(matcher, key, ends, reason, by or _user())
    instance = f" (key {made.alert_key})" if made.alert_key is not None else ""
    out.print(
        f"silence {made.silence_id}: {made.matcher}{instance} until {iso_timestamp(made.ends_at)}",
        markup=False,
    )


@o.dbt_flags()
def unsilence(
    dbt: DbtArgs,
    silence_id: Annotated[str, typer.Argument(help="The id `sentinel silences` shows.")],
    by: CreatedBy = None,
) -> None:
    """End a silence now."""
    with opened(dbt) as sentinel:
        ended = sentinel.unsilence(silence_id, by or _user())
    if not ended:
        err.print(f"No silence {silence_id!r} is in force; see `sentinel silences`.", markup=False)
        raise typer.Exit(ExitCode.FAILED)
    out.print(f"silence {silence_id} ended", markup=False)


@o.dbt_flags()
def silences(
    dbt: DbtArgs,
    days: Annotated[int, typer.Option("--days", min=0, help="Also those ended this recently.")] = 7,
    output: o.Output = o.OutputFormat.TEXT,
) -> None:
    """List active silences, and recently ended ones."""
    with opened(dbt) as sentinel:
        found = sentinel.silences(days)
        now = sentinel.clock()
    if output is o.OutputFormat.JSON:
        print_json({"silences": [asdict(s) | {"active": s.active(now)} for s in found]})
        return
    table = Table(title="silences", title_justify="left")
    for column in ("Id", "Matcher", "Key", "Until", "Active", "By", "Reason"):
        table.add_column(column)
    for s in found:
        table.add_row(
            s.silence_id,
            s.matcher,
            s.alert_key or "",
            iso_timestamp(s.ends_at),
            "yes" if s.active(now) else "no",
            s.created_by,
            s.reason,
        )
    out.print(table)


def _end(for_: str | None, until: str | None) -> datetime | timedelta:
    from sqlsentinel_dbt.config.duration import parse_duration

    if (for_ is None) == (until is None):
        err.print("Give exactly one of --for (e.g. 2h) or --until (e.g. 2026-12-01T09:00).")
        raise typer.Exit(ExitCode.CANNOT_START)
    try:
        if for_ is not None:
            return timedelta(seconds=parse_duration(for_))
        moment = datetime.fromisoformat(str(until))
    except ValueError as exc:
        err.print(f"Invalid --for/--until: {exc}", markup=False)
        raise typer.Exit(ExitCode.CANNOT_START) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
