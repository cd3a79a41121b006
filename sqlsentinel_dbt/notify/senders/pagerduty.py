"""PagerDuty Events API v2: one event POSTed per notification."""

from __future__ import annotations

from collections.abc import Sequence

from sqlsentinel_dbt.config.channels import PagerDutyChannel
from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.render.pagerduty import pagerduty_event
from sqlsentinel_dbt.notify.retry import SendResult
from sqlsentinel_dbt.notify.senders.http_json import post_json
from sqlsentinel_dbt.notify.senders.registry import ChannelType, Secrets, SendContext
from sqlsentinel_dbt.redact import Redactor


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


def _build(
    channel: PagerDutyChannel, secrets: Secrets, redact: Redactor, context: SendContext
) -> PagerDutySender:
    return PagerDutySender(channel.url, secrets.get("routing_key", ""), channel.timeout, redact)


CHANNEL_TYPE = ChannelType(PagerDutyChannel, _build)
