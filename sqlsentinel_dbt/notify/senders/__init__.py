"""Thin senders, one module per channel type: render, do the I/O, return a SendResult.

Each module declares its `CHANNEL_TYPE` (registry.py), which build.py looks channels up
in. A sender never raises: every failure is a SendResult, retryable or final.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlsentinel_dbt import __version__
from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.retry import SendResult

USER_AGENT = f"sqlsentinel-dbt/{__version__}"


class Sender(Protocol):
    """Delivers one message (one or more notifications) to one channel."""

    def send(self, notifications: Sequence[Notification]) -> SendResult:
        """One attempt; retries are the dispatcher's job."""
        ...
