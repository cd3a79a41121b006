"""Turn one run's tracked results into outbox rows: group, route, decide, describe.

Groups are `group_by` partitions of an alert's instances (the alert, or alert + key), never
of several alerts; `owner` and `dbt_node` add the alert's owner and dbt node to the group
key, so a new owner starts a new group (docs/decisions/0012-group-by-owner.md). An
alert that errored has only its error group decided: its instances keep their states, so
nothing about them changed. The error group fires while the alert errors and resolves
when it evaluates again. Its group is `name|error`; an instance key "error" is escaped
(`_key_part`) so that its group is another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlsentinel_dbt.config.channels import Route
from sqlsentinel_dbt.config.models import DBT_GROUP, Alert
from sqlsentinel_dbt.engine.notification import HeldBack, Instance, Kind, LogEntry, Notification
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.engine.state import Key
from sqlsentinel_dbt.notify.decide import Decision, GroupNow, Outcome, decide
from sqlsentinel_dbt.notify.explain import Explained, explain, not_escalated
from sqlsentinel_dbt.notify.grouping import ChannelRules, Group
from sqlsentinel_dbt.notify.routing import Destination, destinations_for
from sqlsentinel_dbt.notify.windows import NO_WINDOWS, MuteWindows
from sqlsentinel_dbt.redact import redact
from sqlsentinel_dbt.store.outbox import OutboxRow
from sqlsentinel_dbt.store.timestamps import iso_timestamp

ERROR_KEY = "error"
_ESCAPE = "\\"
"""Starts the group key part of an instance key that is "error" or starts with it."""
_EXCERPT = 600
IsSilenced = Callable[[str, Key], str | None]
"""Why an instance (alert name, key; None: the whole alert) is silenced, or None."""
IsInhibited = Callable[[Alert, Key], str | None]
"""Why an instance is inhibited (notify/inhibition.py), or None."""
UnsilencedSince = Callable[[str, Key, datetime], datetime]
"""Since when an instance firing since the given moment has been out of every silence."""


def _never(alert: object, key: Key) -> None:
    return None


def _always_unsilenced(alert: str, key: Key, since: datetime) -> datetime:
    return since


@dataclass(frozen=True)
class Holds:
    """What holds notifications back at the moment of a decision."""

    silenced: IsSilenced = _never
    """Silences: on every channel."""
    windows: MuteWindows = NO_WINDOWS
    """Routes' mute windows: on the channels they name."""
    inhibited: IsInhibited = _never
    """Inhibition: on every channel."""
    unsilenced_since: UnsilencedSince = _always_unsilenced
    """For escalation routes, which hear of an instance once it fired unsilenced long enough."""


@dataclass(frozen=True)
class AlertAsRun:
    """What a notification tells of an alert: its settings, and the SQL the run sent."""

    alert: Alert
    sql: str = ""
    """The compiled query, as the run that the results come from sent it ("" if none)."""


@dataclass(frozen=True)
class RunContext:
    """Where and when the changes happened."""

    run_id: str
    project: str
    target: str
    now: datetime


def outbox_rows(
    alerts: Sequence[AlertAsRun],
    results: Sequence[AlertResult],
    routes: Sequence[Route],
    last: Mapping[tuple[str, str], LogEntry],
    run: RunContext,
    holds: Holds = Holds(),
    explained: list[Explained] | None = None,
) -> list[OutboxRow]:
    """Every log entry this run writes, across alerts, groups and channels.

    Silenced and inhibited instances are held back on every channel; a channel that
    routes' mute windows hold is told nothing (decide.py); an escalation route's channel
    hears only of instances that fired, unsilenced, for its `escalate_after`; a route's
    `repeat_interval` applies to its channels. `explained` gets what became of each
    instance on each channel.
    """
    by_alert: dict[str, list[AlertResult]] = {}
    for result in results:
        by_alert.setdefault(result.alert, []).append(result)
    rows: list[OutboxRow] = []
    for item in alerts:
        destinations = destinations_for(item.alert, routes)
        if destinations:
            found = by_alert.get(item.alert.name, [])
            groups = _groups(item.alert, found, holds.silenced, holds.inhibited)
            for destination in destinations:
                rows += _destination_rows(item, groups, destination, last, run, holds, explained)
            channels = [destination.channel for destination in destinations]
            rows += _closed_groups(item, groups, channels, last, run)
    return rows


def _destination_rows(
    item: AlertAsRun,
    groups: Mapping[str, Group],
    destination: Destination,
    last: Mapping[tuple[str, str], LogEntry],
    run: RunContext,
    holds: Holds,
    explained: list[Explained] | None,
) -> list[OutboxRow]:
    """The entries of one alert's groups on one channel, under its routes' rules."""
    alert, channel = item.alert.name, destination.channel
    rules = ChannelRules(
        holds.windows.holding(destination),
        destination.repeat_interval(item.alert),
        destination.digest.label if destination.digest else None,
    )
    rows: list[OutboxRow] = []
    for group_key, group in groups.items():
        entry = last.get((group_key, channel))
        told = entry.firing_keys if entry else frozenset()
        heard = _as_heard_by(destination, group, alert, told, run.now, holds)
        found = _row(item, group_key, channel, heard, last, run, rules)
        rows += found
        if explained is not None:
            row = found[0] if found else None
            status, notification = (row.status, row.notification) if row else (None, None)
            explained += explain(
                alert, group_key, channel, heard, rules, entry, status, notification
            )
            explained += not_escalated(alert, group_key, destination, group, heard)
    return rows


def _as_heard_by(
    destination: Destination,
    group: Group,
    alert: str,
    told: frozenset[Key],
    now: datetime,
    holds: Holds,
) -> Group:
    """The group as the destination's channel hears of it.

    An escalation route's channel hears only of the instances that have fired, out of
    every silence, for its `escalate_after`, and of those it was told of (`told`) for as
    long as they stay active: a state that changes from FIRING to RECOVERING restarts its
    `since`, not the escalation.
    """
    wait = destination.escalate_after
    if wait is None:
        return group
    due = now - timedelta(seconds=wait)

    def escalated(key: Key) -> bool:
        if key in told:  # it was escalated: it stays so while it fires (or recovers)
            return True
        result = group.members.get(key)
        since = result.state.since if result is not None and result.state else None
        return since is not None and holds.unsilenced_since(alert, key, since) <= due

    firing = frozenset(key for key in group.now.firing if escalated(key))
    return replace(group, now=GroupNow(firing, group.now.silenced))


def _closed_groups(
    item: AlertAsRun,
    groups: Mapping[str, Group],
    channels: Sequence[str],
    last: Mapping[tuple[str, str], LogEntry],
    run: RunContext,
) -> list[OutboxRow]:
    """Close, without a message, the groups the alert left (its owner or dbt node changed).

    With `group_by: [owner]`, such a group would otherwise stay firing in the log, and the
    alert would be announced to nobody when it came back to it. Only once the alert was
    evaluated (it has a group besides its error group); a group of the current owner keeps
    its own rules (a key missing this run is not resolved).
    """
    name, prefix = item.alert.name, _group_prefix(item.alert)
    if len(groups) < 2:
        return []
    quiet = AlertAsRun(item.alert.model_copy(update={"send_resolved": False}), item.sql)
    left = [
        (group_key, channel)
        for group_key, channel in last
        if channel in channels
        and group_key.startswith(f"{name}|")
        and group_key not in groups
        and group_key != prefix
        and not group_key.startswith(f"{prefix}|")
    ]
    closed = Group(GroupNow(frozenset()), {})
    return [
        row
        for group_key, channel in sorted(left)
        for row in _row(quiet, group_key, channel, closed, last, run)
    ]


def _groups(
    alert: Alert, results: list[AlertResult], silenced: IsSilenced, inhibited: IsInhibited
) -> dict[str, Group]:
    name = alert.name
    if any(r.status is Status.SKIPPED for r in results):
        return {}  # not evaluated: nothing is known to have changed
    errors = [r.error or "error" for r in results if r.status is Status.ERROR]
    erroring = frozenset({ERROR_KEY}) if errors else frozenset()
    # Only a silence on the whole alert (no key) mutes its error notifications; an error
    # is the alert's own, so nothing upstream inhibits it.
    quiet_error = silenced(name, None) if errors else None
    error_now = GroupNow(frozenset(), erroring) if quiet_error else GroupNow(erroring)
    groups: dict[str, Group] = {
        f"{name}|{ERROR_KEY}": Group(
            error_now,
            {},
            errors[0] if errors else None,
            {ERROR_KEY: quiet_error} if quiet_error else {},
        )
    }
    if errors or not any(r.state for r in results):
        return groups  # states were kept as they were: nothing changed
    per_key = "key" in alert.group_by
    prefix = _group_prefix(alert)
    members: dict[str, dict[Key, AlertResult]] = {} if per_key else {prefix: {}}
    for result in results:
        group = f"{prefix}|{_key_part(result.key)}" if per_key else prefix
        members.setdefault(group, {})[result.key] = result
    for group, instances in members.items():
        active = {k for k, r in instances.items() if r.state and r.state.state.active}
        reasons = {k: why for k in active if (why := silenced(name, k) or inhibited(alert, k))}
        now = GroupNow(frozenset(active - set(reasons)), frozenset(reasons))
        groups[group] = Group(now, instances, None, reasons)
    return groups


def _key_part(key: Key) -> str:
    """An instance key as the last part of its group key, never the error group's.

    Only a key that is "error", or starts with the escape, is escaped: any other key's
    group key is what the notification log already holds for it.
    """
    if key is not None and (key == ERROR_KEY or key.startswith(_ESCAPE)):
        return _ESCAPE + key
    return str(key)


def _group_prefix(alert: Alert) -> str:
    """`name`, then `|owner=X` and `|dbt_node=Y` for those labels of `group_by`."""
    parts = [alert.name]
    if "owner" in alert.group_by:
        parts.append(f"owner={alert.owner or ''}")
    if "dbt_node" in alert.group_by:
        parts.append(f"dbt_node={alert.dbt_node or ''}")
    return "|".join(parts)


def _row(
    item: AlertAsRun,
    group_key: str,
    channel: str,
    group: Group,
    last: Mapping[tuple[str, str], LogEntry],
    run: RunContext,
    rules: ChannelRules | None = None,
) -> list[OutboxRow]:
    """The entry for one group on one channel, if any, under the channel's `rules`."""
    rules = rules or ChannelRules()
    muted, repeat_interval, digest = rules.muted, rules.repeat_interval, rules.digest
    alert, members, error = item.alert, group.members, group.error
    previous = last.get((group_key, channel))
    decision = decide(
        group.now,
        previous,
        run.now,
        send_resolved=alert.send_resolved,
        repeat_interval=repeat_interval,
        muted=muted is not None,
    )
    if decision is None:
        return []
    kind = Kind.ERROR if error and decision.kind in (Kind.FIRING, Kind.REPEAT) else decision.kind
    identity = _identity(channel, group_key, previous, decision, kind)
    shown = decision.firing_keys - decision.silenced_keys  # held back: not shown as firing
    firing = [members[k] for k in sorted(shown, key=_order) if k in members]
    notification = Notification(
        notification_id=identity,
        channel=channel,
        group_key=group_key,
        alert=alert.name,
        kind=kind,
        severity=_severity(firing, alert.severity.value),
        created_at=iso_timestamp(run.now),
        run_id=run.run_id,
        description=alert.description,
        owner=alert.owner,
        tags=list(alert.tags),
        firing=[_instance(r) for r in firing],
        new_keys=sorted(decision.new_keys, key=_order),
        resolved_keys=sorted(decision.resolved_keys, key=_order),
        error=error,
        sql_excerpt=redact(item.sql)[:_EXCERPT],
        project=run.project,
        target=run.target,
        message_template=alert.message,
        held_back=_held_back(decision, group.reasons, muted),
        digest=digest,
        dbt_check=_check_fields(alert) if muted and decision.silenced_keys else None,
    )
    return [_outbox_row(notification, decision)]


def _check_fields(alert: Alert) -> dict[str, Any] | None:
    """A dbt check's fields, as its pending row carries them; None for any other alert."""
    if not alert.meta.get("resource_type"):
        return None
    meta = {k: alert.meta[k] for k in ("dbt_node", "resource_type", DBT_GROUP) if k in alert.meta}
    return {"description": alert.description, "owner": alert.owner, "tags": alert.tags, **meta}


def _held_back(decision: Decision, reasons: Mapping[Key, str], muted: str | None) -> list[HeldBack]:
    """The instances the entry does not announce, each with the reason."""
    if muted is not None:  # what was announced and still fires is not held back
        held = decision.silenced_keys - decision.firing_keys | decision.resolved_keys
        return [HeldBack(key, muted) for key in sorted(held, key=_order)]
    return [
        HeldBack(key, reasons.get(key, "held back"))
        for key in sorted(decision.silenced_keys, key=_order)
    ]


def _identity(
    channel: str, group_key: str, previous: LogEntry | None, decision: Decision, kind: Kind
) -> str:
    """The same change, decided from the same last entry, always gets the same id."""
    parts = [
        channel,
        group_key,
        previous.notification_id if previous else "",
        decision.outcome.value,
        kind.value,
        _text(decision.firing_keys),
        _text(decision.resolved_keys),
        _text(decision.silenced_keys),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _outbox_row(notification: Notification, decision: Decision) -> OutboxRow:
    status = decision.outcome.value
    if decision.outcome is Outcome.QUEUED:
        status = "digest" if notification.digest else "queued"
    return OutboxRow(
        notification,
        status,
        decision.firing_keys,
        decision.silenced_keys,
        decision.resolved_keys,
    )


def _instance(result: AlertResult) -> Instance:
    return Instance(
        key=result.key,
        severity=result.severity.value,
        actual_value=result.actual_value,
        threshold=result.threshold,
        context=result.context,
        state=result.state.state.value if result.state else "firing",
    )


def _severity(firing: list[AlertResult], default: str) -> str:
    severities = {r.severity.value for r in firing}
    return "error" if "error" in severities else (severities.pop() if severities else default)


def _order(key: Key) -> tuple[bool, str]:
    return (key is not None, key or "")


def _text(keys: frozenset[Key]) -> str:
    return ",".join(repr(k) for k in sorted(keys, key=_order))
