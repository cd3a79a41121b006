"""Email over SMTP (STARTTLS, SSL or plain for local relays), with optional login."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid

from sqlsentinel_dbt.config.channels import EmailChannel
from sqlsentinel_dbt.config.owners import Owners, contacts_of
from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.render.email import email_message
from sqlsentinel_dbt.notify.retry import SENT, SendResult
from sqlsentinel_dbt.notify.senders.registry import ChannelType, Secrets, SendContext
from sqlsentinel_dbt.redact import Redactor

# The server refused this message or these credentials: sending again will not help.
_FINAL = (
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPNotSupportedError,
)


class EmailSender:
    """One SMTP session per message."""

    def __init__(
        self,
        channel: EmailChannel,
        username: str | None,
        password: str | None,
        redact: Redactor,
        tls: ssl.SSLContext | None = None,
        owners: Owners | None = None,
    ) -> None:
        self._channel = channel
        self._owners = owners or {}
        self._login = (username, password) if username and password else None
        self._redact = redact
        self._tls = tls or ssl.create_default_context()

    def send(self, notifications: Sequence[Notification]) -> SendResult:
        """Connect, secure, log in, send."""
        channel = self._channel
        rendered = email_message(notifications)
        message = EmailMessage()
        message["Subject"] = rendered.subject
        message["From"] = channel.sender
        message["To"] = ", ".join(channel.to)
        copied = self._copied(notifications)
        if copied:
            message["Cc"] = ", ".join(copied)
        message["Message-ID"] = make_msgid(domain="sqlsentinel")
        # Receivers (and tests) can drop duplicates by these, as with a webhook's ids.
        message["X-Sentinel-Notification-Ids"] = ", ".join(n.notification_id for n in notifications)
        message.set_content(rendered.text)
        message.add_alternative(rendered.html, subtype="html")
        try:
            self._deliver(message)
        except _FINAL as exc:
            return SendResult(False, False, self._redact(f"{type(exc).__name__}: {exc}"))
        except smtplib.SMTPResponseException as exc:
            return SendResult(False, exc.smtp_code < 500, self._redact(f"SMTP {exc.smtp_code}"))
        except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timeout, TLS
            return SendResult(False, True, self._redact(f"{type(exc).__name__}: {exc}"))
        return SENT

    def _copied(self, notifications: Sequence[Notification]) -> list[str]:
        """The owners' addresses (`owners:`) of these notifications that `to` lacks."""
        to = {address.lower() for address in self._channel.to}
        copied: dict[str, str] = {}
        for n in notifications:
            contacts = contacts_of(self._owners, n.owner)
            for address in contacts.email if contacts else []:
                if address.lower() not in to:
                    copied.setdefault(address.lower(), address)
        return list(copied.values())

    def _deliver(self, message: EmailMessage) -> None:
        channel = self._channel
        if channel.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                channel.host, channel.port, timeout=channel.timeout, context=self._tls
            )
        else:
            smtp = smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout)
        with smtp:
            if channel.security == "starttls":
                smtp.starttls(context=self._tls)
            if self._login:
                smtp.login(*self._login)
            smtp.send_message(message)


def _build(
    channel: EmailChannel, secrets: Secrets, redact: Redactor, context: SendContext
) -> EmailSender:
    tls = ssl.create_default_context(cafile=channel.ca_file)
    username, password = secrets.get("username"), secrets.get("password")
    return EmailSender(channel, username, password, redact, tls, context.owners)


CHANNEL_TYPE = ChannelType(EmailChannel, _build)
