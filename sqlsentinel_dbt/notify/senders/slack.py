"""Slack through the official slack_sdk: an incoming webhook, or a bot token (in threads)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from sqlsentinel_dbt.config.channels import SlackChannel
from sqlsentinel_dbt.config.owners import Owners
from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.notify.render.slack import resolved_root, slack_message
from sqlsentinel_dbt.notify.retry import SENT, SendResult, from_status, parse_retry_after
from sqlsentinel_dbt.notify.senders import Sender
from sqlsentinel_dbt.notify.senders.registry import ChannelType, Secrets, SendContext
from sqlsentinel_dbt.redact import Redactor
from sqlsentinel_dbt.store.threads import Thread, ThreadStore
from sqlsentinel_dbt.store.timestamps import as_utc


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
        return self.attempt(lambda: self.post(slack_message(notifications, self._owners)))

    def post(self, message: dict[str, Any], thread: Thread | None = None) -> Any:
        """`chat.postMessage`, in `thread` if given; Slack's answer (`channel`, `ts`)."""
        if thread is None:
            return self._client.chat_postMessage(
                channel=self._channel, text=message["text"], blocks=message["blocks"]
            )
        return self._client.chat_postMessage(
            channel=thread.conversation,
            thread_ts=thread.root_ts,
            text=message["text"],
            blocks=message["blocks"],
        )

    def edit(self, thread: Thread, message: dict[str, Any]) -> None:
        """`chat.update` of the message that opened `thread`."""
        self._client.chat_update(
            channel=thread.conversation,
            ts=thread.root_ts,
            text=message["text"],
            blocks=message["blocks"],
        )

    def attempt(self, call: Callable[[], object]) -> SendResult:
        """Run `call` (API calls, and recording threads); its failure as a SendResult.

        `ok: false` is final, 429 and 5xx are not; anything else (the network, a timeout,
        the warehouse recording a thread) is retryable.
        """
        try:
            call()
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429 or status >= 500:
                retry_after = parse_retry_after(_first(exc.response.headers.get("Retry-After")))
                return SendResult(False, True, f"HTTP {status}", retry_after)
            error = exc.response.get("error") if exc.response.data else None
            return SendResult(False, False, self._redact(f"Slack API error: {error or status}"))
        except Exception as exc:  # network errors and timeouts; the warehouse
            return SendResult(False, True, self._redact(f"{type(exc).__name__}: {exc}"))
        return SENT


class SlackThreadSender:
    """A bot token's messages in threads, one alert group per thread.

    A group's first notification posts a message; later ones (new instances, repeats,
    errors) reply under it; its resolution edits the message to say it resolved and after
    how long, replies so, and closes the thread. The thread's conversation and `ts` are
    kept in `sentinel_threads`, so a run on another machine continues it. A message
    posted but not recorded (the warehouse failed) is sent again as a new one: a
    duplicate at worst, as for any send (docs/notifications.md, "Slack threads").
    """

    def __init__(
        self, name: str, bot: SlackBotSender, threads: ThreadStore, owners: Owners
    ) -> None:
        self._name = name
        self._bot = bot
        self._threads = threads
        self._owners = owners
        self._open: dict[str, Thread] | None = None

    def send(self, notifications: Sequence[Notification]) -> SendResult:
        """Each notification in its group's thread; the first failure is the result."""
        for notification in notifications:
            result = self._bot.attempt(partial(self._send_one, notification))
            if not result.ok:
                return result
        return SENT

    def _send_one(self, n: Notification) -> None:
        if n.kind is Kind.DIGEST:  # a digest is no group's story: it stands alone
            self._bot.post(slack_message([n], self._owners))
            return
        if self._open is None:
            self._open = self._threads.open_threads(self._name)
        thread = self._open.get(n.group_key)
        message = slack_message([n], self._owners)
        if thread is not None:
            try:
                self._in_thread(n, message, thread)
                return
            except SlackApiError as exc:
                if not _gone(exc):
                    raise
                # Its message was deleted, or the bot left the channel: start over.
                self._close(thread, n)
        posted = self._bot.post(message)
        if n.kind is not Kind.RESOLVED:  # a resolution without its thread stands alone
            opened = Thread(
                self._name, n.group_key, str(posted["channel"]), str(posted["ts"]), _at(n)
            )
            self._threads.opened(opened)
            self._open[n.group_key] = opened

    def _in_thread(self, n: Notification, message: dict[str, Any], thread: Thread) -> None:
        if n.kind is not Kind.RESOLVED:
            self._bot.post(message, thread)
            return
        # The edit first: done twice (a retry) it shows the same; a reply twice would not.
        self._bot.edit(thread, resolved_root(n, _at(n) - thread.opened_at, self._owners))
        self._bot.post(message, thread)
        self._close(thread, n)

    def _close(self, thread: Thread, n: Notification) -> None:
        assert self._open is not None
        self._threads.resolved(thread, _at(n))
        del self._open[n.group_key]


def _gone(exc: SlackApiError) -> bool:
    """True for a final answer about the thread itself (`message_not_found`, ...)."""
    status = exc.response.status_code
    error = exc.response.get("error") if exc.response.data else None
    return status < 500 and status != 429 and error in _THREAD_GONE


# Slack's answers when the thread's message or channel cannot be reached any more.
_THREAD_GONE = {
    "message_not_found",
    "thread_not_found",
    "cant_update_message",
    "channel_not_found",
    "not_in_channel",
    "is_archived",
}


def _at(n: Notification) -> datetime:
    return as_utc(n.created_at)


def _first(value: str | list[str] | None) -> str | None:
    return (
        value[0] if isinstance(value, list) and value else value if isinstance(value, str) else None
    )


def _build(
    channel: SlackChannel, secrets: Secrets, redact: Redactor, context: SendContext
) -> Sender:
    owners = context.owners
    if channel.token is None:
        return SlackWebhookSender(secrets.get("webhook_url", ""), channel.timeout, redact, owners)
    token, to = secrets.get("token", ""), channel.channel or ""
    bot = SlackBotSender(token, to, channel.base_url, channel.timeout, redact, owners)
    if channel.threaded and context.threads is not None:
        return SlackThreadSender(channel.name, bot, context.threads, owners)
    return bot


CHANNEL_TYPE = ChannelType(SlackChannel, _build)
