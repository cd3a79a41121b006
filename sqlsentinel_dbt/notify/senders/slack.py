"""Slack through the official slack_sdk: an incoming webhook, or a bot token."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from sqlsentinel_dbt.config.channels import SlackChannel
from sqlsentinel_dbt.config.owners import Owners
from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.render.slack import slack_message
from sqlsentinel_dbt.notify.retry import SENT, SendResult, from_status, parse_retry_after
from sqlsentinel_dbt.notify.senders import Sender
from sqlsentinel_dbt.notify.senders.registry import ChannelType, Secrets
from sqlsentinel_dbt.redact import Redactor


class SlackWebhookSender:
    """Posts to an incoming-webhook URL."""

    def __init__(
        self, url: str, timeout: float, redact: Redactor, owners: Owners | None = None
    ) -> None:
        self._client = WebhookClient(url, timeout=int(max(1, timeout)))
        self._redact = redact
        self._owners = owners or {}

    def send(self, notifications: Sequence[Notification]) -> SendResult:
        """One webhook call."""
        message = slack_message(notifications, self._owners)
        try:
            response = self._client.send(text=message["text"], blocks=message["blocks"])
        except Exception as exc:  # slack_sdk raises the stdlib's URLError, timeouts, ...
            return SendResult(False, True, self._redact(f"{type(exc).__name__}: {exc}"))
        if response.status_code == 200:
            return SENT
        retry_after = (response.headers or {}).get("Retry-After")
        result = from_status(response.status_code, response.body or "", _first(retry_after))
        return SendResult(
            result.ok, result.retryable, self._redact(result.reason), result.retry_after
        )


class SlackBotSender:
    """`chat.postMessage` with a bot token; `ok: false` is final, 429 and 5xx are not."""

    def __init__(
        self,
        token: str,
        channel: str,
        base_url: str,
        timeout: float,
        redact: Redactor,
        owners: Owners | None = None,
    ) -> None:
        self._client = WebClient(token=token, base_url=base_url, timeout=int(max(1, timeout)))
        self._channel = channel
        self._redact = redact
        self._owners = owners or {}

    def send(self, notifications: Sequence[Notification]) -> SendResult:
        """One API call."""
        message = slack_message(notifications, self._owners)
        try:
            self._client.chat_postMessage(
                channel=self._channel, text=message["text"], blocks=message["blocks"]
            )
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429 or status >= 500:
                retry_after = parse_retry_after(_first(exc.response.headers.get("Retry-After")))
                return SendResult(False, True, f"HTTP {status}", retry_after)
            error = exc.response.get("error") if exc.response.data else None
            return SendResult(False, False, self._redact(f"Slack API error: {error or status}"))
        except Exception as exc:  # network errors and timeouts
            return SendResult(False, True, self._redact(f"{type(exc).__name__}: {exc}"))
        return SENT


def _first(value: str | list[str] | None) -> str | None:
    return (
        value[0] if isinstance(value, list) and value else value if isinstance(value, str) else None
    )


def _build(channel: SlackChannel, secrets: Secrets, redact: Redactor, owners: Owners) -> Sender:
    if channel.token is not None:
        token, to = secrets.get("token", ""), channel.channel or ""
        return SlackBotSender(token, to, channel.base_url, channel.timeout, redact, owners)
    return SlackWebhookSender(secrets.get("webhook_url", ""), channel.timeout, redact, owners)


CHANNEL_TYPE = ChannelType(SlackChannel, _build)
