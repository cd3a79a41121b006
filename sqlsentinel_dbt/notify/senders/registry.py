"""Channel types by registry: each module of this package that sends declares `CHANNEL_TYPE`.

A channel type is one module here, as in Alertmanager's one package per integration: its
`CHANNEL_TYPE` names the config model it handles (config/channels.py) and how to build
its sender, which renders through notify/render/. build.py looks a channel's model up
here, so a new channel type touches no other module of notify/.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from sqlsentinel_dbt.config.owners import Owners
from sqlsentinel_dbt.notify import senders
from sqlsentinel_dbt.notify.senders import Sender
from sqlsentinel_dbt.redact import Redactor

if TYPE_CHECKING:
    from sqlsentinel_dbt.store.threads import ThreadStore

C = TypeVar("C", bound=BaseModel)
Secrets = Mapping[str, str]
"""A channel's secret settings that are set, rendered: `url`, `token`, `headers.X`, ..."""


@dataclass(frozen=True)
class SendContext:
    """What building a sender may use besides its channel and secrets."""

    owners: Owners = field(default_factory=dict)
    """`owners:` of sentinel.yml, for media that mention or copy owners."""
    threads: ThreadStore | None = None
    """Where Slack threads are kept; None where a message stands alone (a test message)."""


@dataclass(frozen=True)
class ChannelType(Generic[C]):
    """What a channel module declares: the config model it handles, how to build its sender."""

    config: type[C]
    build: Callable[[C, Secrets, Redactor, SendContext], Sender]


@cache
def channel_types() -> dict[type[BaseModel], ChannelType[Any]]:
    """Every channel type by its config model, from the modules of notify/senders/.

    Loading them loads their HTTP and SMTP clients (slack_sdk, requests), which only a
    command that sends needs: this runs when the first sender is built, not before.
    """
    found: dict[type[BaseModel], ChannelType[Any]] = {}
    for module in pkgutil.iter_modules(senders.__path__, f"{senders.__name__}."):
        declared = getattr(importlib.import_module(module.name), "CHANNEL_TYPE", None)
        if not isinstance(declared, ChannelType):
            continue
        if declared.config in found:
            raise TypeError(f"two modules of notify/senders/ send {declared.config.__name__}")
        found[declared.config] = declared
    return found


def channel_type(channel: BaseModel) -> ChannelType[Any]:
    """The channel type that sends `channel`, found by its config model."""
    kind = channel_types().get(type(channel))
    if kind is None:  # a model added to the config union without its module
        model = type(channel).__name__
        raise TypeError(f"no module of notify/senders/ declares a CHANNEL_TYPE for {model}")
    return kind
