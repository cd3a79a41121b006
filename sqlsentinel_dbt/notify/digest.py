"""Digests: a digest route's channel gets one message per period instead of one per change.

What a digest route would send is decided as usual (the log per group and channel is the
same) but written as `digest` rows, which are never sent themselves. When a delivery pass
runs after a digest's fire time, the rows of a channel waiting for it that were decided
before that time become one message: each group listed once, as still firing or resolved
(and whether it fired in the period), with its instances. It is queued as an ordinary row
of kind `digest`, so it is sent, retried and dead-lettered as every notification is; then
the rows it lists are marked `digested`. Its id is derived from the channel, the fire time
and the rows, so two passes that make the same digest queue it once
(docs/notifications.md, "Digests").
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlsentinel_dbt.config.schedule import Schedule
from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.store.outbox import Claimed, Outbox, OutboxRow
from sqlsentinel_dbt.store.timestamps import iso_timestamp

ALERT = "digest"
_FIRING = (Kind.FIRING, Kind.REPEAT, Kind.ERROR)


def release_digests(outbox: Outbox, now: datetime) -> int:
    """Queue every digest that is due at `now`; return how many were queued."""
    waiting: dict[tuple[str, str], list[Claimed]] = {}
    for item in outbox.waiting_for_digests():
        label = item.notification.digest or ""
        waiting.setdefault((item.notification.channel, label), []).append(item)
    made = 0
    for (channel, label), items in waiting.items():
        fired = _schedule(label).last_at_or_before(now)
        due = [item for item in items if item.created_at < fired]
        if not due:
            continue
        digest = digest_notification(channel, label, [i.notification for i in due], fired)
        outbox.queue([OutboxRow(digest, "queued", frozenset(), frozenset(), frozenset())], fired)
        outbox.mark_digested([i.notification.notification_id for i in due], now)
        made += 1
    return made


def digest_notification(
    channel: str, label: str, notifications: Sequence[Notification], at: datetime
) -> Notification:
    """One message listing each group of `notifications` (oldest first) once."""
    groups: dict[str, list[Notification]] = {}
    for notification in notifications:
        groups.setdefault(notification.group_key, []).append(notification)
    firing, resolved, fired = [], [], 0
    for story in groups.values():
        last, started = story[-1], any(n.kind in _FIRING and n.new_keys for n in story)
        fired += started
        if last.kind is Kind.RESOLVED:
            how = "fired and resolved" if started else "resolved"
            resolved.append(f"{last.alert}: {how}{_keys(last.resolved_keys)}")
        else:
            how = "fired, still firing" if started else "still firing"
            keys = [i.key for i in last.firing] or ([None] if last.error else [])
            firing.append(f"{last.alert}: {how}{_keys(keys)}{_error(last)}")
    summary = (
        f"{fired} fired, {len(resolved)} resolved, {len(firing)} still firing "
        f"(digest {label}, {iso_timestamp(at)})"
    )
    lines = [summary]
    if firing:
        lines += ["", f"Still firing ({len(firing)}):", *firing]
    if resolved:
        lines += ["", f"Resolved ({len(resolved)}):", *resolved]
    first = notifications[0]
    ids = sorted(n.notification_id for n in notifications)
    identity = "\0".join([channel, label, iso_timestamp(at), *ids])
    return Notification(
        notification_id=hashlib.sha256(identity.encode()).hexdigest()[:32],
        channel=channel,
        group_key=f"{ALERT}|{label}",
        alert=ALERT,
        kind=Kind.DIGEST,
        severity="error" if any(n.severity == "error" for n in notifications) else "warn",
        created_at=iso_timestamp(at),
        run_id=first.run_id,
        description="\n".join(lines),
        project=first.project,
        target=first.target,
    )


def _schedule(label: str) -> Schedule:
    """The schedule a row's `digest` label names: `CRON TIMEZONE`."""
    cron, _, timezone = label.rpartition(" ")
    return Schedule(cron, timezone)


def _keys(keys: Sequence[str | None]) -> str:
    shown = [k for k in keys if k is not None]
    return f" ({', '.join(shown[:20])}{', ...' if len(shown) > 20 else ''})" if shown else ""


def _error(notification: Notification) -> str:
    return f"; error: {notification.error[:200]}" if notification.error else ""
