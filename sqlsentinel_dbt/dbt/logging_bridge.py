"""Route dbt's structured events into Python logging, so stdout stays ours (JSON output).

dbt's deprecation warnings (a custom key, a property that moved into `config`, ...) are
about the user's project, not about the alerts, and come back on every parse. They go to
their own logger, `sqlsentinel.dbt.deprecations`, each kind at most once per command (the
first occurrence, as dbt itself shows them; per process for the daemon), as one paragraph
without dbt's colour codes; the CLI silences that logger under `--output json` unless
`--log-level` is given.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

_LEVELS = {
    "debug": logging.DEBUG,
    "test": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}
logger = logging.getLogger("sqlsentinel.dbt")
DEPRECATIONS_LOGGER = "sqlsentinel.dbt.deprecations"
deprecations = logging.getLogger(DEPRECATIONS_LOGGER)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_shown: set[str] = set()
_shown_lock = threading.Lock()


def route_dbt_events_to_logging() -> None:
    """Drop dbt's stdout/file loggers; forward every dbt event to the `sqlsentinel.dbt` logger."""
    from dbt.deprecations import reset_deprecations
    from dbt_common.events.event_manager_client import (
        add_callback_to_manager,
        cleanup_event_logger,
    )

    cleanup_event_logger()
    add_callback_to_manager(_forward)
    # dbt fires each kind once per process; forget that, so that a later command in this
    # process is told too (whether it is shown is decided here, once per command).
    reset_deprecations()


def forget_shown_deprecations() -> None:
    """Start a new command: each deprecation may be shown once again."""
    with _shown_lock:
        _shown.clear()


def is_deprecation(name: str, message: str) -> bool:
    """Whether a dbt event is a deprecation warning (its class name, or dbt's own label)."""
    return "Deprecat" in name or "Deprecated functionality" in message


def _forward(event: Any) -> None:
    level = _LEVELS.get(str(event.info.level), logging.DEBUG)
    message = _ANSI.sub("", str(event.info.msg))
    name = str(getattr(event.info, "name", ""))
    if not is_deprecation(name, message):
        if logger.isEnabledFor(level):
            logger.log(level, "%s", message)
        return
    if not deprecations.isEnabledFor(level):
        return  # not shown now, so it may be shown later
    text = " ".join(message.split())  # dbt wraps its deprecation text at 80 columns
    kind = name if "Deprecat" in name else text  # a generic event (Note): its text
    with _shown_lock:
        if kind in _shown:
            return
        _shown.add(kind)
    deprecations.log(level, "%s", text)
