"""Consoles, logging, and the mapping from our errors to messages and exit codes."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.logging import RichHandler

from sqlsentinel_dbt.cli.exit_codes import ExitCode
from sqlsentinel_dbt.dbt import DEPRECATIONS_LOGGER, DbtArgs, forget_shown_deprecations
from sqlsentinel_dbt.errors import (
    ConfigError,
    ProjectError,
    SelectionError,
    SentinelError,
    WarehouseError,
)
from sqlsentinel_dbt.redact import RedactingFilter, redact

if TYPE_CHECKING:
    from sqlsentinel_dbt.runtime import Sentinel

# Piped output (CI logs, files) gets a wide fixed width instead of Rich's default of 80.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


_level_given = False


def configure_logging(level: str | None, log_format: str = "text") -> None:
    """Send all logs, dbt's included, to stderr at `level`: Rich text, or JSON lines.

    `level` None is warning, and lets `--output json` silence dbt's deprecation warnings.
    """
    global _level_given
    _level_given = level is not None
    logging.getLogger(DEPRECATIONS_LOGGER).setLevel(logging.NOTSET)
    forget_shown_deprecations()  # a new command (in-process callers run several)
    level = level or "warning"
    handler: logging.Handler
    if log_format == "json":
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
    else:
        handler = RichHandler(console=err, show_path=False, show_time=False)
    handler.addFilter(RedactingFilter())
    logging.basicConfig(level=level.upper(), format="%(message)s", handlers=[handler], force=True)


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message (secrets already masked)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        return json.dumps(
            {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            },
            ensure_ascii=False,
        )


def quiet_for_json_output() -> None:
    """With `--output json` and no `--log-level`, show no dbt deprecation warnings."""
    if not _level_given:
        logging.getLogger(DEPRECATIONS_LOGGER).setLevel(logging.CRITICAL + 1)


@contextmanager
def cannot_start_on_error() -> Iterator[None]:
    """Turn config, project and warehouse errors into a clear message and exit code 2."""
    try:
        yield
    except ConfigError as exc:
        err.print(f"[bold red]Invalid alert configuration[/] ({len(exc.problems)} problem(s)):")
        for problem in exc.problems:
            err.print(f"  - {redact(problem)}", markup=False)
        raise typer.Exit(ExitCode.CANNOT_START) from exc
    except SelectionError as exc:
        err.print("[bold red]Selection error[/] (nothing was run):")
        for problem in exc.problems:
            err.print(f"  - {redact(problem)}", markup=False)
        if exc.allowable:
            err.print("Add --allow-empty-selection to allow a selection that matches nothing.")
        raise typer.Exit(ExitCode.CANNOT_START) from exc
    except (ProjectError, WarehouseError, SentinelError) as exc:
        label = {ProjectError: "dbt project error", WarehouseError: "Warehouse error"}.get(
            type(exc), "Error"
        )
        err.print(f"[bold red]{label}:[/] ", end="")
        err.print(redact(str(exc)), markup=False)
        raise typer.Exit(ExitCode.CANNOT_START) from exc


@contextmanager
def opened(args: DbtArgs, *, to_deliver: bool = False) -> Iterator[Sentinel]:
    """The project opened for a command; any failure to open or to talk to it exits 2.

    `to_deliver`: for `sentinel notify` (`Sentinel.open_to_deliver`).
    """
    from sqlsentinel_dbt.runtime import Sentinel

    with cannot_start_on_error():
        sentinel = Sentinel.open_to_deliver(args) if to_deliver else Sentinel.open(args)
    with sentinel, cannot_start_on_error():
        yield sentinel
