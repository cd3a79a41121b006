"""Every medium against real local receivers: Slack, Teams, PagerDuty, Opsgenie and webhooks
on one HTTP server on 127.0.0.1, email on aiosmtpd, and what each of them got, as text."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller

from sqlsentinel_dbt.config.channels import (
    Channel,
    EmailChannel,
    OpsgenieChannel,
    PagerDutyChannel,
    SlackChannel,
    TeamsChannel,
    WebhookChannel,
)
from tests.receivers import Receiver, http_receiver
from tests.test_senders import Mailbox, free_port

TEMPLATED = ("slack", "teams", "email")
"""The media that show an alert's `message` template."""
ALL = (*TEMPLATED, "webhook", "pagerduty", "opsgenie")


@dataclass
class Media:
    http: Receiver
    mail: Mailbox
    smtp_port: int

    def channel(self, medium: str) -> Channel:
        url = self.http.url
        return {  # type: ignore[no-any-return]
            "slack": lambda: SlackChannel(name="slack", type="slack", webhook_url=f"{url}/slack"),
            "teams": lambda: TeamsChannel(name="teams", type="teams", webhook_url=f"{url}/teams"),
            "webhook": lambda: WebhookChannel(name="hook", type="webhook", url=f"{url}/hook"),
            "pagerduty": lambda: PagerDutyChannel(
                name="pd", type="pagerduty", routing_key="routing-key", url=f"{url}/pagerduty"
            ),
            "opsgenie": lambda: OpsgenieChannel(
                name="og", type="opsgenie", api_key="genie-key", url=f"{url}/opsgenie/"
            ),
            "email": lambda: EmailChannel.model_validate(
                {
                    "name": "mail",
                    "type": "email",
                    "host": "127.0.0.1",
                    "port": self.smtp_port,
                    "security": "none",
                    "from": "sentinel@example.test",
                    "to": ["oncall@example.test"],
                }
            ),
        }[medium]()

    def received(self, medium: str) -> list[Received]:
        """What `medium`'s receiver got, one entry per request or email, oldest first."""
        if medium == "email":
            return [_email(raw) for raw in self.mail.messages]
        path = {"webhook": "/hook"}.get(medium, f"/{medium}")
        return [
            Received(len(r.body), _texts(medium, r.json()))
            for r in self.http.requests
            if r.path == path or r.path.startswith(f"{path}/")
        ]

    def clear(self) -> None:
        self.http.requests.clear()
        self.mail.messages.clear()


@dataclass
class Received:
    size: int
    """Bytes of the request body or of the whole email."""
    texts: list[str]
    """The texts a reader sees: Slack sections, Teams text blocks, email parts, strings."""

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def _texts(medium: str, body: Any) -> list[str]:
    if medium == "slack":
        return [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    if medium == "teams":
        card = body["attachments"][0]["content"]
        return [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    return list(_strings(body))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _email(raw: bytes) -> Received:
    mail = message_from_bytes(raw, policy=policy.default)
    parts = [mail.get_body((kind,)) for kind in ("plain", "html")]
    return Received(len(raw), [p.get_content() for p in parts if p is not None])  # type: ignore[attr-defined]


@contextmanager
def media() -> Iterator[Media]:
    """A running HTTP receiver and SMTP server for the block."""
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with http_receiver() as receiver:
            yield Media(receiver, mailbox, port)
    finally:
        controller.stop()

