"""Digests: a digest route's channel gets one message per period instead of one per change.

What a digest route would send is decided as usual (the log per group and channel is the
same) but written as `digest` rows, which are never sent themselves. When a delivery pass
runs after a digest's fire time, the rows of a channel waiting for it that were decided
before that time are claimed (one UPDATE, under a lease) and become one message: each
group listed once, as still firing or resolved (and whether it fired in the period), with
its instances. It is queued as an ordinary row of kind `digest`, so it is sent, retried
and dead-lettered as every notification is; then the rows it lists are marked
`digested`. Its id is derived from the channel, the fire time and the rows, so a pass that
died after queueing it makes the same one again, queued once (docs/notifications.md,
"Digests").
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlsentinel_dbt.config.models import check_timezone
from sqlsentinel_dbt.config.schedule import Schedule, check_cron, check_fires
from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.store.outbox import Claimed, Outbox, OutboxRow
from sqlsentinel_dbt.store.timestamps import iso_timestamp

logger = logging.getLogger(__name__)
ALERT = "digest"
_FIRING = (Kind.FIRING, Kind.REPEAT, Kind.ERROR)


def release_digests(outbox: Outbox, now: datetime, lease: float) -> int:
    """Queue every digest that is due at `now`; return how many were queued.

    A digest's rows are claimed first (under `lease`), so two passes never list one row
    twice; one that cannot be made (its label names a schedule this runner cannot read)
    is logged and left for a later pass, and the others are made.
    """
    waiting: dict[tuple[str, str], list[Claimed]] = {}
    for item in outbox.waiting_for_digests(now):
        label = item.notification.digest or ""
        waiting.setdefault((item.notification.channel, label), []).append(item)
    made = 0
    for (channel, label), items in waiting.items():
        try:
            made += _release(outbox, channel, label, items, now, lease)
        except Exception as exc:  # one digest that cannot be made must not stop the others
            logger.warning("the digest %r of channel %s was not made: %s", label, channel, exc)
    return made


def _release(
    outbox: Outbox, channel: str, label: str, items: list[Claimed], now: datetime, lease: float
) -> int:
    fired = _schedule(label).last_at_or_before(now)
    due = [item.notification.notification_id for item in items if item.created_at < fired]
    if not due:
        return 0
    claimer = uuid.uuid4().hex
    claimed = outbox.claim_for_digest(due, claimer, now, lease)
    if not claimed:
        return 0  # another pass claimed them
    digest = digest_notification(channel, label, [c.notification for c in claimed], fired)
    # Created now, not at the fire time: a pass long after it must not dead-letter it.
    outbox.queue([OutboxRow(digest, "queued", frozenset(), frozenset(), frozenset())], now)
    outbox.mark_digested([c.notification.notification_id for c in claimed], claimer, now)
    return 1


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
    """The schedule a row's `digest` label names: `CRON TIMEZONE`; ValueError otherwise."""
    cron, _, timezone = label.rpartition(" ")
    check_fires(check_cron(cron), check_timezone(timezone))
    return Schedule(cron, timezone)


def _keys(keys: Sequence[str | None]) -> str:
    shown = [k for k in keys if k is not None]
    return f" ({', '.join(shown[:20])}{', ...' if len(shown) > 20 else ''})" if shown else ""


def _error(notification: Notification) -> str:
    return f"; error: {notification.error[:200]}" if notification.error else ""
