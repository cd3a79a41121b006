"""The platform-neutral notification: one alert group's change, for one channel.

It is built when the change is decided, stored as JSON in the outbox, and rendered for
its medium only when it is sent, so `sentinel notify` on another machine needs nothing
but the outbox row and the channel's settings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """Why a notification is sent."""

    FIRING = "firing"
    """New instances fire (the message lists every firing instance)."""
    RESOLVED = "resolved"
    """Everything that was announced has resolved."""
    REPEAT = "repeat"
    """Still firing after `repeat_interval`."""
    ERROR = "error"
    """The alert could not be evaluated."""
    TEST = "test"
    """`sentinel test-channel`."""
    UNDELIVERED = "undelivered"
    """A notification to another channel was dead-lettered."""


@dataclass(frozen=True)
class Instance:
    """One firing instance as it was evaluated."""

    key: str | None
    severity: str
    actual_value: float | None = None
    threshold: float | None = None
    context: dict[str, Any] = field(default_factory=dict)
    state: str = "firing"


@dataclass(frozen=True)
class Notification:
    """What a receiver is told about one group."""

    notification_id: str
    """Stable idempotency key: the same change decided twice gets the same id."""
    channel: str
    group_key: str
    alert: str
    kind: Kind
    severity: str
    created_at: str
    run_id: str
    description: str = ""
    owner: str | None = None
    tags: list[str] = field(default_factory=list)
    firing: list[Instance] = field(default_factory=list)
    new_keys: list[str | None] = field(default_factory=list)
    resolved_keys: list[str | None] = field(default_factory=list)
    error: str | None = None
    sql_excerpt: str = ""
    project: str = ""
    target: str = ""
    message_template: str | None = None
    """The alert's own `message` template, rendered per medium at send time."""

    @property
    def title(self) -> str:
        """One line: `[FIRING] alert_name (3 instances)`."""
        label = {
            Kind.FIRING: "FIRING",
            Kind.REPEAT: "STILL FIRING",
            Kind.RESOLVED: "RESOLVED",
            Kind.ERROR: "ERROR",
            Kind.TEST: "TEST",
            Kind.UNDELIVERED: "UNDELIVERED",
        }[self.kind]
        count = len(self.firing)
        suffix = f" ({count} instances)" if count > 1 else ""
        return f"[{label}] {self.alert}{suffix}"

    def to_payload(self) -> dict[str, Any]:
        """JSON-ready dict, as stored in the outbox and sent to webhooks."""
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Notification:
        """The inverse of `to_payload`."""
        data = dict(payload)
        data["kind"] = Kind(data["kind"])
        data["firing"] = [Instance(**item) for item in data.get("firing", [])]
        return cls(**data)
