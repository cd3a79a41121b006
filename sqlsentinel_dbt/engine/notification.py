"""The platform-neutral notification: one alert group's change, for one channel.

It is built when the change is decided, stored as JSON in the outbox, and rendered for
its medium only when it is sent, so `sentinel notify` on another machine needs nothing
but the outbox row and the channel's settings.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlsentinel_dbt.engine.state import Key


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
    DIGEST = "digest"
    """A digest route's message for its period: what fired, resolved, still fires."""


@dataclass(frozen=True)
class LogEntry:
    """The last notification of a group on a channel: the outbox as Alertmanager's log."""

    notification_id: str
    firing_keys: frozenset[Key]
    silenced_keys: frozenset[Key]
    created_at: datetime
    announced_at: datetime | None = None
    """When the group's newest message on the channel was decided; `repeat_interval`
    counts from it (None: from `created_at`)."""


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
class HeldBack:
    """An instance a notification does not announce, and why (a silence, a mute window)."""

    key: str | None
    reason: str


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
    held_back: list[HeldBack] = field(default_factory=list)
    """What was not announced to this channel, and why; a suppressed row's reason."""
    digest: str | None = None
    """For a digest route's channel: the digest it waits for (`0 9 * * * Europe/Berlin`)."""
    dbt_check: dict[str, Any] | None = None
    """A held-back dbt check's fields (as its pending row had them), so that it can be
    decided again once the mute window that held it ends."""

    @property
    def title(self) -> str:
        """One line: `[FIRING] alert_name (3 instances)`; a digest's first line."""
        if self.kind is Kind.DIGEST:
            return f"[DIGEST] {self.description.partition(chr(10))[0]}"
        label = {
            Kind.FIRING: "FIRING",
            Kind.REPEAT: "STILL FIRING",
            Kind.RESOLVED: "RESOLVED",
            Kind.ERROR: "ERROR",
            Kind.TEST: "TEST",
            Kind.UNDELIVERED: "UNDELIVERED",
            Kind.DIGEST: "DIGEST",
        }[self.kind]
        count = len(self.firing)
        suffix = f" ({count} instances)" if count > 1 else ""
        return f"[{label}] {self.alert}{suffix}"

    def to_payload(self) -> dict[str, Any]:
        """JSON-ready dict, as stored in the outbox and sent to webhooks."""
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: Any) -> Notification:
        """The inverse of `to_payload`; ValueError saying what is wrong with anything else.

        Keys this version does not know (written by a newer one) are ignored.
        """
        return payload_notification(payload)


_TEXT = ("notification_id", "channel", "group_key", "alert", "severity", "created_at", "run_id")
_OPTIONAL_TEXT = ("owner", "error", "message_template", "digest")
_DEFAULT_TEXT = ("description", "sql_excerpt", "project", "target")
_KEY_LISTS = ("new_keys", "resolved_keys")


def payload_notification(payload: Any) -> Notification:
    """A stored payload (parsed JSON) as a Notification; ValueError naming the bad field."""
    if not isinstance(payload, dict):
        raise ValueError(f"the payload is not a JSON object but {type(payload).__name__}")
    try:
        kind = Kind(str(payload.get("kind")))
    except ValueError:
        known = ", ".join(k.value for k in Kind)
        raise ValueError(f"unknown kind {payload.get('kind')!r} (known: {known})") from None
    data: dict[str, Any] = {"kind": kind}
    for name in _TEXT:
        data[name] = _text(payload, name)
    try:  # every sender shows it as an ISO 8601 timestamp
        datetime.fromisoformat(data["created_at"])
    except ValueError:
        raise ValueError(f"`created_at` is {data['created_at']!r}, not a timestamp") from None
    for name in _OPTIONAL_TEXT:
        data[name] = None if payload.get(name) is None else _text(payload, name)
    for name in _DEFAULT_TEXT:
        data[name] = "" if payload.get(name) is None else _text(payload, name)
    data["tags"] = [str(tag) for tag in _list(payload, "tags")]
    for name in _KEY_LISTS:
        data[name] = [None if k is None else str(k) for k in _list(payload, name)]
    data["firing"] = [_instance(item) for item in _list(payload, "firing")]
    data["held_back"] = [_held_back(item) for item in _list(payload, "held_back")]
    fields = payload.get("dbt_check")
    data["dbt_check"] = fields if isinstance(fields, dict) else None
    return Notification(**data)


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str):
        raise ValueError(f"`{name}` must be text, not {value!r}"[:200])
    return value


def _list(payload: dict[str, Any], name: str) -> list[Any]:
    value = payload.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"`{name}` must be a list, not {type(value).__name__}")
    return value


def _instance(item: Any) -> Instance:
    if not isinstance(item, dict) or not isinstance(item.get("context", {}), dict):
        problem = f"a firing instance must be an object with an object `context`: {item!r}"
        raise ValueError(problem[:200])
    return Instance(
        key=None if item.get("key") is None else str(item["key"]),
        severity=_text(item, "severity"),
        actual_value=_number(item.get("actual_value")),
        threshold=_number(item.get("threshold")),
        context=dict(item.get("context") or {}),
        state=str(item.get("state") or "firing"),
    )


def _held_back(item: Any) -> HeldBack:
    if not isinstance(item, dict):
        raise ValueError(f"a held-back instance must be an object: {item!r}"[:200])
    return HeldBack(None if item.get("key") is None else str(item["key"]), _text(item, "reason"))


def _number(value: Any) -> float | None:
    """A finite number or None: NaN and infinity cannot be sent as JSON."""
    if value is None or isinstance(value, bool):
        return None
    if not isinstance(value, int | float):
        raise ValueError(f"a firing instance's value must be a number, not {value!r}"[:200])
    return float(value) if math.isfinite(value) else None
