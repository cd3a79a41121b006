"""The dbt flags, shared by every command that reads the project or the warehouse."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from sqlsentinel_dbt.cli.console import quiet_for_json_output
from sqlsentinel_dbt.dbt import DbtArgs

_DBT = "dbt flags"

ProjectDir = Annotated[
    str | None,
    typer.Option(
        "--project-dir",
        help="dbt project directory (as dbt: default is the cwd).",
        rich_help_panel=_DBT,
    ),
]
ProfilesDir = Annotated[
    str | None,
    typer.Option(
        "--profiles-dir", help="Directory with profiles.yml (as dbt).", rich_help_panel=_DBT
    ),
]
Profile = Annotated[
    str | None, typer.Option("--profile", help="Profile to use (as dbt).", rich_help_panel=_DBT)
]
Target = Annotated[
    str | None, typer.Option("--target", "-t", help="Target to use (as dbt).", rich_help_panel=_DBT)
]
Vars = Annotated[
    str | None,
    typer.Option("--vars", help="YAML dict of variables, as `dbt --vars`.", rich_help_panel=_DBT),
]
Threads = Annotated[
    int | None,
    typer.Option(
        "--threads",
        help="Concurrent queries (default: the profile's threads).",
        rich_help_panel=_DBT,
    ),
]
_SELECTION = "selection"
Select = Annotated[
    list[str] | None,
    typer.Option(
        "--select",
        "-s",
        help=(
            "Alert names or globs, tag:X, or dbt node selectors (orders, +orders, "
            'tag:finance), as dbt takes them: --select a b, -s a -s b and "a b" are a '
            "union, a,b an intersection. A term that matches no alert is an error (exit 2); "
            "add --allow-empty-selection to allow one on purpose."
        ),
        rich_help_panel=_SELECTION,
    ),
]
Exclude = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        help="Same syntax as --select; a term that matches no alert is an error too.",
        rich_help_panel=_SELECTION,
    ),
]
AllowEmpty = Annotated[
    bool,
    typer.Option(
        "--allow-empty-selection",
        help=(
            "Allow --select/--exclude terms that match no alert, and a selection of none "
            "(then nothing runs and the exit code is 0)."
        ),
        rich_help_panel=_SELECTION,
    ),
]


class OutputFormat(StrEnum):
    """How results are printed."""

    TEXT = "text"
    JSON = "json"


def _quiet_for_json(value: OutputFormat) -> OutputFormat:
    if value is OutputFormat.JSON:
        quiet_for_json_output()
    return value


Output = Annotated[
    OutputFormat,
    typer.Option(
        "--output",
        "-o",
        help="text (a table) or json (on stdout; then no dbt deprecation warnings on stderr).",
        callback=_quiet_for_json,
    ),
]


def dbt_args(
    project_dir: str | None,
    profiles_dir: str | None,
    profile: str | None,
    target: str | None,
    vars: str | None,
    threads: int | None = None,
) -> DbtArgs:
    """Collect the dbt flags into the library's DbtArgs."""
    return DbtArgs(project_dir, profiles_dir, profile, target, vars, threads)
