"""Build a channel's sender, rendering its `{{ env_var() }}` secrets at the last moment."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress

from pydantic import SecretStr

from sqlsentinel_dbt.config.channels import Channel
from sqlsentinel_dbt.config.owners import Owners
from sqlsentinel_dbt.config.secrets import MissingEnvVar, env_vars_read, render_env
from sqlsentinel_dbt.notify.senders import Sender
from sqlsentinel_dbt.notify.senders.registry import SendContext, channel_type
from sqlsentinel_dbt.redact import Redactor, register_secrets
from sqlsentinel_dbt.store.threads import ThreadStore


def build_sender(
    channel: Channel, owners: Owners | None = None, threads: ThreadStore | None = None
) -> tuple[Sender, Redactor]:
    """The channel's sender and a redactor for its secrets; raises MissingEnvVar.

    `owners` (sentinel.yml's) turns an alert's owner into mentions or recipients;
    `threads` keeps the Slack threads of a bot token's groups (none: no threads).
    """
    secrets = rendered_secrets(channel)
    raw = [v.get_secret_value() for v in _secret_fields(channel).values()]
    every = [*raw, *secrets.values(), *_variable_values(raw)]
    register_secrets(every)
    redact = Redactor(every)
    context = SendContext(owners or {}, threads)
    return channel_type(channel).build(channel, secrets, redact, context), redact


def rendered_secrets(channel: Channel) -> dict[str, str]:
    """Every secret setting that is set, rendered; `headers.X` for header values."""
    return {
        name: render_env(value.get_secret_value())
        for name, value in _secret_fields(channel).items()
    }


def register_channel_secrets(channels: Iterable[Channel]) -> None:
    """Register every channel secret whose variables are set, so nothing prints them.

    Done when the project opens: a secret can reach a query result or an error long
    before any notification renders its channel.
    """
    for channel in channels:
        raw = [value.get_secret_value() for value in _secret_fields(channel).values()]
        register_secrets([*raw, *_variable_values(raw)])
        for text in raw:
            with suppress(MissingEnvVar):
                register_secrets([render_env(text)])


def channel_env_vars(channels: Iterable[Channel]) -> set[str]:
    """The names of every environment variable any channel's settings read."""
    return {
        name
        for channel in channels
        for value in _secret_fields(channel).values()
        for name in env_vars_read(value.get_secret_value())
    }


def _variable_values(templates: Iterable[str]) -> list[str]:
    """Each variable's own value: a secret even where a template adds text around it."""
    return [v for text in templates for v in env_vars_read(text).values() if v]


def _secret_fields(channel: Channel) -> dict[str, SecretStr]:
    fields: dict[str, SecretStr] = {}
    for name, value in channel:
        if isinstance(value, SecretStr):
            fields[name] = value
        elif name == "headers":
            fields |= {f"headers.{k}": v for k, v in value.items()}
    return fields
