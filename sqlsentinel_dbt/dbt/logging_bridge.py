"""Route dbt's structured events into Python logging, so stdout stays ours (JSON output)."""

from __future__ import annotations

import logging
from typing import Any

_LEVELS = {
    "debug": logging.DEBUG,
    "test": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}
logger = logging.getLogger("sqlsentinel.dbt")


def route_dbt_events_to_logging() -> None:
    """Drop dbt's stdout/file loggers; forward every dbt event to the `sqlsentinel.dbt` logger."""
    from dbt_common.events.event_manager_client import (
        add_callback_to_manager,
        cleanup_event_logger,
    )

    cleanup_event_logger()
    add_callback_to_manager(_forward)


def _forward(event: Any) -> None:
    level = _LEVELS.get(str(event.info.level), logging.DEBUG)
    if logger.isEnabledFor(level):
        logger.log(level, "%s", event.info.msg)
