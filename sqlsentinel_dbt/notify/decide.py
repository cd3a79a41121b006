"""When to notify: Alertmanager's dedup rule, against the outbox as the notification log.

For each group and channel, the last log entry (the newest outbox row that is not dead)
records which keys the receiver was told are firing. Compared with that:

- new firing keys are announced (with every key still firing);
- keys that resolved are announced when `send_resolved`;
- a group still firing is announced again `repeat_interval` after its last message
  (bookkeeping and held-back entries do not count);
- held keys (silenced or inhibited) are not announced; one the receiver was told of
  stays in the announced set, so its resolution is told (a pager's incident is closed)
  and it is not announced again when the hold ends; one it was not told of is announced
  as new if it still fires when the hold ends;
- a key that fired and resolved between two entries is never announced.

Whatever the outcome, the new entry's `firing_keys` is the set now announced, so a
bookkeeping entry (`skipped`) is written when that set changes without a message.

While a route's mute window holds the channel (`muted`), the receiver is told nothing, so
what it was told stands: the entry keeps the announced set and records every active key as
held back (`suppressed` when that holds back a change). Once the window ends, what fired
meanwhile and still fires is announced as new, and what resolved meanwhile as resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlsentinel_dbt.engine.notification import Kind, LogEntry
from sqlsentinel_dbt.engine.state import Key


class Outcome(StrEnum):
    """What becomes of a decision's outbox row."""

    QUEUED = "queued"
    """To be sent."""
    SUPPRESSED = "suppressed"
    """Would have been sent, but every key that called for it is silenced."""
    SKIPPED = "skipped"
    """Nothing to send; the row only records the new announced set."""


@dataclass(frozen=True)
class GroupNow:
    """A group's instances after this run."""

    firing: frozenset[Key]
    """Active (firing or recovering) and not silenced."""
    silenced: frozenset[Key] = frozenset()
    """Active but silenced."""


@dataclass(frozen=True)
class Decision:
    """A new log entry for one group on one channel."""

    outcome: Outcome
    kind: Kind
    firing_keys: frozenset[Key]
    new_keys: frozenset[Key]
    resolved_keys: frozenset[Key]
    silenced_keys: frozenset[Key]


def decide(
    now: GroupNow,
    last: LogEntry | None,
    at: datetime,
    *,
    send_resolved: bool,
    repeat_interval: float | None,
    muted: bool = False,
) -> Decision | None:
    """The entry to write for this group and channel, or None when nothing changed."""
    if muted:
        return _held_by_window(now, last)
    announced = last.firing_keys if last else frozenset()
    # Held keys the receiver was told of stay told: it hears when they resolve.
    told = now.firing | (now.silenced & announced)
    new = now.firing - announced
    resolved = announced - now.firing - now.silenced
    kind = _kind(now, told, last, at, new, resolved, send_resolved, repeat_interval)
    if kind is not None:
        return Decision(Outcome.QUEUED, kind, told, new, resolved, now.silenced)
    newly_silenced = now.silenced - announced - (last.silenced_keys if last else frozenset())
    if newly_silenced:
        return Decision(
            Outcome.SUPPRESSED, Kind.FIRING, told, newly_silenced, resolved, now.silenced
        )
    changed = told != announced or (last is not None and now.silenced != last.silenced_keys)
    if changed:
        return Decision(Outcome.SKIPPED, Kind.RESOLVED, told, new, resolved, now.silenced)
    return None


def _held_by_window(now: GroupNow, last: LogEntry | None) -> Decision | None:
    """The entry for a channel a mute window holds: the announced set as it was."""
    announced = last.firing_keys if last else frozenset()
    held = now.firing | now.silenced
    before = last.silenced_keys if last else frozenset()
    if held == before and (last is not None or not held):
        return None
    new = held - announced - before
    resolved = announced - held
    outcome = Outcome.SUPPRESSED if new or resolved else Outcome.SKIPPED
    kind = Kind.FIRING if held else Kind.RESOLVED
    return Decision(outcome, kind, announced, new, resolved, held)


def _kind(
    now: GroupNow,
    told: frozenset[Key],
    last: LogEntry | None,
    at: datetime,
    new: frozenset[Key],
    resolved: frozenset[Key],
    send_resolved: bool,
    repeat_interval: float | None,
) -> Kind | None:
    if new:
        return Kind.FIRING
    if resolved and send_resolved:
        return Kind.FIRING if told else Kind.RESOLVED
    due = (
        last is not None
        and repeat_interval is not None
        and at - (last.announced_at or last.created_at) >= timedelta(seconds=repeat_interval)
    )
    return Kind.REPEAT if now.firing and due else None
