"""Build a channel's sender, rendering its `{{ env_var() }}` secrets at the last moment."""

from __future__ import annotations

from pydantic import SecretStr

from sqlsentinel_dbt.config.channels import Channel, WebhookChannel
from sqlsentinel_dbt.config.secrets import render_env
from sqlsentinel_dbt.notify.redact import Redactor
from sqlsentinel_dbt.notify.senders import Sender
from sqlsentinel_dbt.notify.senders.webhook import WebhookSender


class _Secrets:
    """Renders secrets and remembers every value, so errors can mask them."""

    def __init__(self) -> None:
        self.values: list[str] = []

    def __call__(self, secret: SecretStr | None) -> str | None:
        if secret is None:
            return None
        raw = secret.get_secret_value()
        value = render_env(raw)
        self.values += [raw, value]
        return value


def build_sender(channel: Channel) -> tuple[Sender, Redactor]:
    """The channel's sender and a redactor for its secrets; raises MissingEnvVar."""
    secret = _Secrets()
    if isinstance(channel, WebhookChannel):
        headers = {k: secret(v) or "" for k, v in channel.headers.items()}
        url = secret(channel.url) or ""
        signing = secret(channel.signing_secret)
        redact = Redactor(secret.values)
        return WebhookSender(url, headers, signing, channel.timeout, redact), redact
    raise ValueError(f"channel type {channel.type!r} cannot send yet")
