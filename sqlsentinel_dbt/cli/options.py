"""The dbt flags, shared by every command that reads the project or the warehouse."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, ParamSpec, TypeVar

import typer

from sqlsentinel_dbt.cli.console import quiet_for_json_output
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.shards import Shard

_DBT = "dbt flags"
P = ParamSpec("P")
R = TypeVar("R")

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


def _shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


ShardOption = Annotated[
    Shard | None,
    typer.Option(
        "--shard",
        metavar="I/N",
        parser=_shard,
        help=(
            "Run only shard I of N (e.g. 2/4) of the selected alerts: a stable split by alert "
            "name, so that N tasks (Airflow's mapped tasks, CI jobs) run each alert once."
        ),
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


_DBT_FLAGS: dict[str, Any] = {
    "project_dir": ProjectDir,
    "profiles_dir": ProfilesDir,
    "profile": Profile,
    "target": Target,
    "vars": Vars,
}


def dbt_flags(*, threads: bool = False) -> Callable[[Callable[P, R]], Callable[..., R]]:
    """Give a command dbt's flags, declared here once.

    The command takes a `dbt: DbtArgs` parameter; the command line shows --project-dir,
    --profiles-dir, --profile, --target and --vars in its place (and --threads when
    `threads`), and the command receives them as one DbtArgs.
    """
    flags = {**_DBT_FLAGS, **({"threads": Threads} if threads else {})}

    def with_flags(command: Callable[P, R]) -> Callable[..., R]:
        signature = inspect.signature(command, eval_str=True)
        kept = [p for p in signature.parameters.values() if p.name != "dbt"]
        if len(kept) == len(signature.parameters):
            raise TypeError(f"{command.__name__} takes no `dbt: DbtArgs` parameter")
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=kind)
            for name, kind in flags.items()
        ]

        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> R:
            given = {name: kwargs.pop(name, None) for name in flags}
            return command(*args, dbt=DbtArgs(**given), **kwargs)  # type: ignore[arg-type]

        # Typer reads the parameters from the signature: dbt's flags in place of `dbt`.
        del run.__wrapped__
        parameters = [*kept, *added]
        run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        return run

    return with_flags
