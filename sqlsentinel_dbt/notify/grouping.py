"""An alert group as one decision sees it, and the rules one channel hears it under."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlsentinel_dbt.engine.result import AlertResult
from sqlsentinel_dbt.engine.state import Key
from sqlsentinel_dbt.notify.decide import GroupNow


@dataclass(frozen=True)
class Group:
    """A group's instances after this run, what they are, and why some are held back."""

    now: GroupNow
    members: dict[Key, AlertResult]
    error: str | None = None
    reasons: Mapping[Key, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelRules:
    """How one channel hears of an alert: the routes' window, repeat and digest."""

    muted: str | None = None
    """The mute window holding the channel now (a reason), if any."""
    repeat_interval: float | None = None
    digest: str | None = None
    """The digest that what is to be sent waits for (its row is `digest`, not `queued`)."""
