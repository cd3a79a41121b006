"""Microsoft Teams: an Adaptive Card POSTed to an incoming webhook or workflow URL."""

from __future__ import annotations

from collections.abc import Sequence

from sqlsentinel_dbt.config.channels import TeamsChannel
from sqlsentinel_dbt.config.owners import Owners
from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.render.teams import teams_message
from sqlsentinel_dbt.notify.retry import SendResult
from sqlsentinel_dbt.notify.senders.http_json import post_json
from sqlsentinel_dbt.notify.senders.registry import ChannelType, Secrets, SendContext
from sqlsentinel_dbt.redact import Redactor


class TeamsSender:
    """An Adaptive Card to a Teams incoming webhook or workflow URL."""

    def __init__(
        self, url: str, timeout: float, redact: Redactor, owners: Owners | None = None
    ) -> None:
        self._url, self._timeout, self._redact = url, timeout, redact
        self._owners = owners or {}

    def send(self, notifications: Sequence[Notification]) -> SendResult:
        """One POST."""
        message = teams_message(notifications, self._owners)
        return post_json(self._url, message, self._timeout, self._redact)


def _build(
    channel: TeamsChannel, secrets: Secrets, redact: Redactor, context: SendContext
) -> TeamsSender:
    return TeamsSender(secrets.get("webhook_url", ""), channel.timeout, redact, context.owners)


CHANNEL_TYPE = ChannelType(TeamsChannel, _build)
