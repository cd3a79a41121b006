"""What became of each instance on each channel in a decision, and why.

`sentinel dbt-run --dry-run` prints it and `-o json` carries it as `decisions`
(docs/notifications.md, "Why a notification was or was not sent").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlsentinel_dbt.config.duration import format_duration
from sqlsentinel_dbt.engine.notification import LogEntry, Notification
from sqlsentinel_dbt.engine.result import State
from sqlsentinel_dbt.engine.state import Key
from sqlsentinel_dbt.notify.grouping import ChannelRules, Group
from sqlsentinel_dbt.notify.routing import Destination
from sqlsentinel_dbt.store.timestamps import iso_timestamp

OUTCOMES = (
    "notified",
    "resolved",
    "held back",
    "digest",
    "already announced",
    "not escalated yet",
    "pending",
    "not announced",
)
"""What can become of an instance on a channel (`Explained.outcome`)."""


@dataclass(frozen=True)
class Explained:
    """What became of one instance on one channel, and why (`--dry-run`, `-o json`)."""

    alert: str
    key: Key
    channel: str
    group_key: str
    outcome: str
    """One of OUTCOMES."""
    reason: str = ""
    notification_id: str | None = None
    """The message (outbox row) that carries it, when one does."""


def explain(
    alert: str,
    group_key: str,
    channel: str,
    group: Group,
    rules: ChannelRules,
    entry: LogEntry | None,
    status: str | None,
    notification: Notification | None,
) -> list[Explained]:
    """What became of each instance of the group worth a word on this channel."""
    resolved = set(notification.resolved_keys) if notification else set()
    pending = {k for k, r in group.members.items() if r.state and r.state.state is State.PENDING}
    keys = group.now.firing | group.now.silenced | resolved | pending
    told = entry.firing_keys if entry else frozenset()
    made = notification.notification_id if notification else None
    found = []
    for key in sorted(keys, key=_order):
        outcome, reason, carried = _outcome(key, group, rules, status, resolved, pending, told)
        if outcome == "already announced" and entry is not None:
            reason = _next_repeat(entry, rules.repeat_interval)
        found.append(
            Explained(alert, key, channel, group_key, outcome, reason, made if carried else None)
        )
    return found


def _outcome(
    key: Key,
    group: Group,
    rules: ChannelRules,
    status: str | None,
    resolved: set[Key],
    pending: set[Key],
    told: frozenset[Key],
) -> tuple[str, str, bool]:
    """(outcome, reason, whether the row written carries it) for one instance."""
    if key in pending:
        return "pending", "`for` / `for_evaluations` not met yet", False
    if key in group.reasons:
        return "held back", group.reasons[key], status is not None
    if rules.muted is not None:
        return "held back", rules.muted, status is not None
    if status == "digest":
        return "digest", f"waits for the digest {rules.digest}", True
    if key in resolved:
        return ("resolved", "", True) if status == "queued" else ("not announced", "", False)
    if status == "queued":
        return "notified", "", True
    if key in told:
        return "already announced", "", False
    return "not announced", "", False


def _next_repeat(entry: LogEntry, repeat_interval: float | None) -> str:
    if repeat_interval is None:
        return "repeat_interval: never"
    due = (entry.announced_at or entry.created_at) + timedelta(seconds=repeat_interval)
    return f"repeated at {iso_timestamp(due)} (repeat_interval)"


def not_escalated(
    alert: str, group_key: str, destination: Destination, group: Group, heard: Group
) -> list[Explained]:
    """The instances an escalation route's channel has yet to hear of (`heard` lacks them)."""
    wait = destination.escalate_after
    if wait is None:
        return []
    reason = f"escalate_after {format_duration(wait)} of firing, unsilenced, not reached"
    return [
        Explained(alert, key, destination.channel, group_key, "not escalated yet", reason)
        for key in sorted(group.now.firing - heard.now.firing, key=_order)
    ]


def _order(key: Key) -> tuple[bool, str]:
    return (key is not None, key or "")
