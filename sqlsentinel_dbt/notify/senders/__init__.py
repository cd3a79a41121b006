"""Thin senders, one per medium: render, do the I/O, return a SendResult; never raise."""

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
