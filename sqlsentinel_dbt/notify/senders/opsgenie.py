"""Opsgenie Alert API: one create or close request per notification."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, urljoin

from sqlsentinel_dbt.config.channels import OpsgenieChannel
from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.notify.render.opsgenie import alias, opsgenie_close, opsgenie_create
from sqlsentinel_dbt.notify.retry import SendResult
from sqlsentinel_dbt.notify.senders.http_json import post_json
from sqlsentinel_dbt.notify.senders.registry import ChannelType, Secrets, SendContext
from sqlsentinel_dbt.redact import Redactor


class OpsgenieSender:
    """Creates an alert per firing group, and closes it by its alias once it resolves."""

    def __init__(self, channel: OpsgenieChannel, api_key: str, redact: Redactor) -> None:
        self._channel, self._redact = channel, redact
        self._headers = {"Authorization": f"GenieKey {api_key}"}
        self._alerts = urljoin(
            channel.url if channel.url.endswith("/") else channel.url + "/", "v2/alerts"
        )

    def send(self, notifications: Sequence[Notification]) -> SendResult:
        """Create or close for each; stop at the first request that does not go through.

        Opsgenie answers 202 to both and processes them in order per alias; closing an
        alias that has no open alert is accepted too, so a repeated close is harmless.
        """
        for notification in notifications:
            if notification.kind is Kind.RESOLVED:
                url = f"{self._alerts}/{quote(alias(notification), safe='')}/close"
                body = opsgenie_close(notification)
                url += "?identifierType=alias"
            else:
                url, body = (
                    self._alerts,
                    opsgenie_create(notification, self._priority(notification)),
                )
            result = post_json(url, body, self._channel.timeout, self._redact, self._headers)
            if not result.ok:
                return result
        return SendResult(True)

    def _priority(self, notification: Notification) -> str:
        channel = self._channel
        return channel.priority_warn if notification.severity == "warn" else channel.priority_error


def _build(
    channel: OpsgenieChannel, secrets: Secrets, redact: Redactor, context: SendContext
) -> OpsgenieSender:
    return OpsgenieSender(channel, secrets.get("api_key", ""), redact)


CHANNEL_TYPE = ChannelType(OpsgenieChannel, _build)
