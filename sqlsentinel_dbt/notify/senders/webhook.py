"""Webhook: POST the versioned JSON body, signed with HMAC-SHA256 over timestamp and body.

Receivers check `X-Sentinel-Signature: sha256=<hex of HMAC(secret, "<timestamp>.<body>")>`
and reject a `X-Sentinel-Timestamp` too far from now, which stops replays.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import requests

from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.render.webhook import webhook_body
from sqlsentinel_dbt.notify.retry import SendResult, from_status
from sqlsentinel_dbt.notify.senders import USER_AGENT
from sqlsentinel_dbt.redact import Redactor


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of `X-Sentinel-Signature`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookSender:
    """POSTs to one URL."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        signing_secret: str | None,
        timeout: float,
        redact: Redactor,
    ) -> None:
        self._url = url
        self._headers = headers
        self._secret = signing_secret
        self._timeout = timeout
        self._redact = redact

    def send(self, notifications: Sequence[Notification]) -> SendResult:
        """One POST of all `notifications`."""
        body = webhook_body(notifications, datetime.now(UTC))
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": _idempotency_key(notifications),
            "X-Sentinel-Timestamp": timestamp,
            **self._headers,
        }
        if self._secret:
            headers["X-Sentinel-Signature"] = signature(self._secret, timestamp, body)
        try:
            # A redirect is a configuration problem to fix, not something to follow.
            response = requests.post(
                self._url, data=body, headers=headers, timeout=self._timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            return SendResult(False, True, self._redact(f"{type(exc).__name__}: {exc}"))
        result = from_status(
            response.status_code, response.text, response.headers.get("Retry-After")
        )
        return SendResult(
            result.ok, result.retryable, self._redact(result.reason), result.retry_after
        )


def _idempotency_key(notifications: Sequence[Notification]) -> str:
    joined = ",".join(n.notification_id for n in notifications)
    return hashlib.sha256(joined.encode()).hexdigest()[:32]
