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

from sqlsentinel_dbt.config.channels import WebhookChannel
from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.render.webhook import webhook_body
from sqlsentinel_dbt.notify.retry import SendResult
from sqlsentinel_dbt.notify.senders.http_json import post_json
from sqlsentinel_dbt.notify.senders.registry import ChannelType, Secrets, SendContext
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
            "Idempotency-Key": _idempotency_key(notifications),
            "X-Sentinel-Timestamp": timestamp,
            **self._headers,
        }
        if self._secret:
            headers["X-Sentinel-Signature"] = signature(self._secret, timestamp, body)
        return post_json(self._url, body, self._timeout, self._redact, headers)


def _idempotency_key(notifications: Sequence[Notification]) -> str:
    joined = ",".join(n.notification_id for n in notifications)
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def _build(
    channel: WebhookChannel, secrets: Secrets, redact: Redactor, context: SendContext
) -> WebhookSender:
    headers = {
        name.removeprefix("headers."): value
        for name, value in secrets.items()
        if name.startswith("headers.")
    }
    url, signing_secret = secrets.get("url", ""), secrets.get("signing_secret")
    return WebhookSender(url, headers, signing_secret, channel.timeout, redact)


CHANNEL_TYPE = ChannelType(WebhookChannel, _build)
