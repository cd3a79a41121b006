"""The JSON POST of the webhook, Teams and PagerDuty channels, classified by HTTP status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests

from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.render.pagerduty import pagerduty_event
from sqlsentinel_dbt.notify.render.teams import teams_message
from sqlsentinel_dbt.notify.retry import SendResult, from_status
from sqlsentinel_dbt.notify.senders import USER_AGENT
from sqlsentinel_dbt.redact import Redactor


def post_json(
    url: str,
    body: Any,
    timeout: float,
    redact: Redactor,
    headers: Mapping[str, str] | None = None,
) -> SendResult:
    """POST `body` as JSON (bytes are sent as they are), with `headers` too; never raises.

    The answer is classified by its status (retry.from_status); every reason is redacted.
    """
    sent = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
    content: dict[str, Any] = {"data": body} if isinstance(body, bytes) else {"json": body}
    try:
        # A redirect is a configuration problem to fix, not something to follow.
        response = requests.post(
            url, **content, headers=sent, timeout=timeout, allow_redirects=False
        )
    except requests.RequestException as exc:
        return SendResult(False, True, redact(f"{type(exc).__name__}: {exc}"))
    result = from_status(response.status_code, response.text, response.headers.get("Retry-After"))
    return SendResult(result.ok, result.retryable, redact(result.reason), result.retry_after)


class TeamsSender:
    """An Adaptive Card to a Teams incoming webhook or workflow URL."""

    def __init__(self, url: str, timeout: float, redact: Redactor) -> None:
        self._url, self._timeout, self._redact = url, timeout, redact

    def send(self, notifications: Sequence[Notification]) -> SendResult:
        """One POST."""
        return post_json(self._url, teams_message(notifications), self._timeout, self._redact)


class PagerDutySender:
    """One Events API v2 event per notification (the channel sends one per message)."""

    def __init__(self, url: str, routing_key: str, timeout: float, redact: Redactor) -> None:
        self._url, self._key, self._timeout, self._redact = url, routing_key, timeout, redact

    def send(self, notifications: Sequence[Notification]) -> SendResult:
        """POST each event; stop at the first that does not go through."""
        for notification in notifications:
            event = pagerduty_event(notification, self._key)
            result = post_json(self._url, event, self._timeout, self._redact)
            if not result.ok:
                return result
        return SendResult(True)
