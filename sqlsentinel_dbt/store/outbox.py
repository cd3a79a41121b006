"""`sentinel_notifications`: the outbox, which is also the log of what was announced.

Rows go `queued` -> `sending` (claimed, under a lease) -> `sent`, or back to `failed` to be
retried by a later run, or `dead` once older than `max_notification_age`. `suppressed`
(silenced) and `skipped` (bookkeeping) rows are never sent. A digest route's rows wait as
`digest` until their digest is made (one `queued` row of kind `digest`), then are
`digested`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlsentinel_dbt.dbt import Warehouse
from sqlsentinel_dbt.engine.notification import Kind, LogEntry, Notification
from sqlsentinel_dbt.engine.state import Key
from sqlsentinel_dbt.store import rows
from sqlsentinel_dbt.store.timestamps import to_sql_text

TABLE = "sentinel_notifications"
_NEVER = timedelta(days=100 * 365)


@dataclass(frozen=True)
class OutboxRow:
    """A row to insert: the notification and what becomes of it."""

    notification: Notification
    status: str
    firing_keys: frozenset[Key]
    silenced_keys: frozenset[Key]
    resolved_keys: frozenset[Key]


@dataclass(frozen=True)
class Claimed:
    """A row this run now holds for delivery."""

    notification: Notification
    attempts: int
    created_at: datetime
    last_error: str | None = None


@dataclass(frozen=True)
class PendingDecision:
    """One alert's results of one `run_alerts` run, waiting to be routed and decided."""

    notification_id: str
    run_id: str
    alert: str
    created_at: datetime
    sql: str = ""
    """The alert's query as the run sent it (its start: enough for an excerpt)."""
    dbt_check: dict[str, Any] | None = None
    """For a dbt check the `record_dbt_results` hook recorded (declared nowhere else): the
    alert's description, owner, tags, dbt_node and resource_type."""


@dataclass(frozen=True)
class Claim:
    """What one claim took: rows to send now, and rows it dead-lettered (to report)."""

    due: list[Claimed]
    dead: list[Claimed]
    unreadable: list[str] = field(default_factory=list)
    """One line per claimed row that could not be read: marked failed, with the reason."""


class Outbox:
    """Queue, claim and settle notifications in the warehouse."""

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse

    def thread_pool(self, size: int, purpose: str = "notify") -> ThreadPoolExecutor:
        """Threads for delivering, reused across passes (each keeps its connection)."""
        return self._warehouse.thread_pool(purpose, size)

    def queue(self, rows: Sequence[OutboxRow], now: datetime) -> int:
        """Insert rows; one whose id is already there (decided by another run) is skipped."""
        if not rows:
            return 0
        return int(
            self._warehouse.run_macro("insert_notifications", rows=[_row(r, now) for r in rows])
        )

    def last_entries(self, alert_names: Sequence[str]) -> dict[tuple[str, str], LogEntry]:
        """The newest live row per (group, channel) of the named alerts."""
        if not alert_names or not self._exists():
            return {}
        sql = self._warehouse.run_macro(
            "select_last_notifications_sql", alert_names=list(alert_names)
        )
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:outbox")
        entries: dict[tuple[str, str], LogEntry] = {}
        for group, channel, notification_id, firing, silenced, created_at, told in fetched.rows:
            try:
                entries[(rows.text(group, "group_key"), rows.text(channel, "channel"))] = LogEntry(
                    rows.text(notification_id, "notification_id"),
                    rows.json_keys(firing, "firing_keys"),
                    rows.json_keys(silenced, "silenced_keys"),
                    rows.timestamp(created_at, "created_at"),
                    None if told is None else rows.timestamp(told, "announced_at"),
                )
            except Exception as problem:
                where = f"row {notification_id!r} (group {group!r}, channel {channel!r})"
                rows.skipped(TABLE, where, problem, "the group starts from no prior notification")
        return entries

    def claim(self, claimer: str, now: datetime, lease: float, max_age: float) -> Claim:
        """Dead-letter expired rows, then claim every due row for `claimer`."""
        self._warehouse.run_macro(
            "claim_notifications",
            claimer=claimer,
            now=to_sql_text(now),
            lease_until=to_sql_text(now + timedelta(seconds=lease)),
            expired_before=to_sql_text(now - timedelta(seconds=max_age)),
        )
        due, unreadable = self._held(claimer, "sending")
        dead, unreadable_dead = self._held(claimer, "dead")
        for notification_id, problem in unreadable_dead:  # dead already; nothing to report it with
            rows.skipped(TABLE, f"dead-lettered row {notification_id!r}", problem, "not reported")
        failed = self._fail_unreadable(unreadable, claimer, now)
        return Claim(due, dead, failed + [f"{i}: {rows.describe(p)}" for i, p in unreadable_dead])

    def claim_pending(self, claimer: str, now: datetime, lease: float) -> list[PendingDecision]:
        """Claim the changes `run_alerts` queued that are still to be decided, oldest first."""
        if not self._exists():
            return []
        self._warehouse.run_macro(
            "claim_pending_decisions",
            claimer=claimer,
            now=to_sql_text(now),
            lease_until=to_sql_text(now + timedelta(seconds=lease)),
        )
        pending, unreadable = [], []
        for row in self._rows(claimer, "deciding"):
            try:
                pending.append(_pending_decision(row))
            except Exception as problem:
                unreadable.append((str(row["notification_id"]), problem))
        # Failed for good: retried, it would be claimed as a notification to send.
        self._fail_unreadable(unreadable, claimer, now, retry_at=now + _NEVER)
        return sorted(pending, key=lambda p: (p.created_at, p.notification_id))

    def undecided(self) -> list[PendingDecision]:
        """The changes queued to be decided, claimed or not, without claiming them.

        A row it cannot read is left out: `claim_pending` reports it.
        """
        if not self._exists():
            return []
        sql = self._warehouse.run_macro("select_notifications_sql", kind="pending")
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:outbox")
        undecided = []
        for row in fetched.rows:
            try:
                named = dict(zip([c.lower() for c in fetched.columns], row, strict=True))
                undecided.append(_pending_decision(named))
            except Exception:  # claim_pending reports it, once claimed
                continue
        return undecided

    def held_entries(self) -> list[Notification]:
        """The newest log entry of each group and channel that holds instances back.

        A row this version cannot read is skipped with a warning.
        """
        if not self._exists():
            return []
        sql = self._warehouse.run_macro("select_held_entries_sql")
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:outbox")
        held = []
        for notification_id, *_, payload, _created in fetched.rows:
            try:
                parsed = rows.json_object(rows.text(payload, "payload"), "payload")
                held.append(Notification.from_payload(parsed))
            except Exception as problem:
                rows.skipped(TABLE, f"row {notification_id!r}", problem, "it is not decided again")
        return held

    def queue_pending(self, pending: Sequence[PendingDecision]) -> None:
        """Queue changes to be decided again (as `run_alerts` queues its own)."""
        if pending:
            self._warehouse.run_macro(
                "insert_notifications", rows=[_pending_row(item) for item in pending]
            )

    def waiting_for_digests(self, now: datetime) -> list[Claimed]:
        """The rows waiting for their digest, oldest first.

        Those `digest`, and those `digesting` whose claim's lease ran out at `now` (a pass
        died making their digest). A row this version cannot read is skipped with a
        warning (it waits on).
        """
        if not self._exists():
            return []
        sql = self._warehouse.run_macro(
            "select_notifications_sql", in_status=["digest", "digesting"]
        )
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:outbox")
        waiting = []
        for values in fetched.rows:
            row = dict(zip([c.lower() for c in fetched.columns], values, strict=True))
            try:
                if row["status"] == "digesting":
                    until = rows.timestamp(row["claimed_until"], "claimed_until")
                    if until >= now:
                        continue  # another pass is making its digest
                waiting.append(_claimed(row))
            except Exception as problem:
                where = f"row {row.get('notification_id')!r}"
                rows.skipped(TABLE, where, problem, "it waits for its digest")
        return sorted(waiting, key=lambda c: (c.created_at, c.notification.notification_id))

    def claim_for_digest(
        self, ids: Sequence[str], claimer: str, now: datetime, lease: float
    ) -> list[Claimed]:
        """Claim rows waiting for a digest; return those this claim got, oldest first."""
        self._warehouse.run_macro(
            "claim_for_digest",
            ids=list(ids),
            claimer=claimer,
            now=to_sql_text(now),
            lease_until=to_sql_text(now + timedelta(seconds=lease)),
        )
        held, unreadable = self._held(claimer, "digesting")
        for notification_id, problem in unreadable:
            rows.skipped(TABLE, f"row {notification_id!r}", problem, "it waits for its digest")
        return held

    def mark_digested(self, ids: Sequence[str], claimer: str, now: datetime) -> None:
        """Mark rows `claimer` holds for a digest as `digested` (their digest is queued)."""
        if ids:
            self._warehouse.run_macro(
                "mark_digested", ids=list(ids), claimer=claimer, now=to_sql_text(now)
            )

    def forget(self, ids: Sequence[str], claimer: str) -> None:
        """Delete rows `claimer` still holds (pending decisions, once decided)."""
        if ids:
            self._warehouse.run_macro("delete_notifications", ids=list(ids), claimer=claimer)

    def _rows(self, claimer: str, status: str) -> list[dict[str, Any]]:
        sql = self._warehouse.run_macro(
            "select_notifications_sql", claimed_by=claimer, status=status
        )
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:outbox")
        return [
            dict(zip([c.lower() for c in fetched.columns], row, strict=True))
            for row in fetched.rows
        ]

    def _held(self, claimer: str, status: str) -> tuple[list[Claimed], list[tuple[str, Exception]]]:
        """The rows `claimer` holds in `status`, oldest first, and those it cannot read."""
        held, unreadable = [], []
        for row in self._rows(claimer, status):
            try:
                held.append(_claimed(row))
            except Exception as problem:  # one bad row must not hold back the others
                unreadable.append((str(row["notification_id"]), problem))
        held.sort(key=lambda c: (c.created_at, c.notification.notification_id))
        return held, unreadable

    def _fail_unreadable(
        self,
        unreadable: Sequence[tuple[str, Exception]],
        claimer: str,
        now: datetime,
        retry_at: datetime | None = None,
    ) -> list[str]:
        """Mark claimed rows that cannot be read `failed`, with the reason; one line each.

        A notification is retried as any failed one (a newer version may read it) until
        it is dead-lettered by age.
        """
        lines = []
        for notification_id, problem in unreadable:
            reason = f"unreadable row: {rows.describe(problem)}"
            rows.skipped(TABLE, f"row {notification_id!r}", problem, "it is marked failed")
            self.settle(
                [notification_id], claimer, now, sent=False, error=reason, retry_at=retry_at
            )
            lines.append(f"{notification_id}: {reason}")
        return lines

    def settle(
        self,
        ids: Sequence[str],
        claimer: str,
        now: datetime,
        *,
        sent: bool,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Record a delivery outcome for rows `claimer` still holds."""
        values: dict[str, Any] = {"updated_at": to_sql_text(now), "claimed_by": None}
        if sent:
            values |= {"status": "sent", "sent_at": to_sql_text(now), "last_error": None}
        else:
            values |= {
                "status": "failed",
                "last_error": error,
                "next_attempt_at": to_sql_text(retry_at or now),
            }
        self._warehouse.run_macro(
            "update_notifications", ids=list(ids), claimer=claimer, values=values
        )

    def read(self, limit: int = 50, alert: str | None = None) -> list[dict[str, Any]]:
        """The newest rows, of one alert or all, for `sentinel notifications` and tests."""
        if not self._exists():
            return []
        sql = self._warehouse.run_macro("select_notifications_sql", limit=limit, alert_name=alert)
        fetched = self._warehouse.fetch(str(sql), limit=limit, timeout=300, name="sentinel:outbox")
        return [
            dict(zip([c.lower() for c in fetched.columns], row, strict=True))
            for row in fetched.rows
        ]

    def counts_since(self, since: datetime) -> list[tuple[str, str, str, int]]:
        """How many rows were created from `since` on: (alert, kind, status, count) each."""
        if not self._exists():
            return []
        sql = self._warehouse.run_macro("select_notification_counts_sql", since=to_sql_text(since))
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:counts")
        return [
            (str(alert), str(kind), str(status), int(count))
            for alert, kind, status, count in fetched.rows
        ]

    def _exists(self) -> bool:
        return bool(self._warehouse.run_macro("table_exists", identifier=TABLE))


def _row(row: OutboxRow, now: datetime) -> dict[str, Any]:
    n = row.notification
    stamp = to_sql_text(now)
    return {
        "notification_id": n.notification_id,
        "run_id": n.run_id,
        "created_at": stamp,
        "updated_at": stamp,
        "channel": n.channel,
        "group_key": n.group_key,
        "alert_name": n.alert,
        "kind": n.kind.value,
        "status": row.status,
        "firing_keys": _keys_json(row.firing_keys),
        "silenced_keys": _keys_json(row.silenced_keys),
        "resolved_keys": _keys_json(row.resolved_keys),
        "payload": json.dumps(n.to_payload(), sort_keys=True, ensure_ascii=False, default=str),
        "attempts": 0,
        "next_attempt_at": stamp,
        "last_error": None,
        "sent_at": None,
        "claimed_by": None,
        "claimed_until": None,
    }


def _claimed(row: dict[str, Any]) -> Claimed:
    """A claimed row read back; raises (Unreadable, ValueError) naming what is wrong."""
    kind = rows.member(Kind, row["kind"], "kind")
    payload = rows.json_object(rows.text(row["payload"], "payload"), "payload")
    notification = Notification.from_payload(payload)
    if kind is not notification.kind:
        raise rows.Unreadable(
            f"`kind` is {kind.value!r} but the payload is a {notification.kind.value} notification"
        )
    return Claimed(
        notification,
        rows.count(row["attempts"], "attempts"),
        rows.timestamp(row["created_at"], "created_at"),
        rows.optional_text(row["last_error"]),
    )


def _pending_sql(payload: Any) -> str:
    """The SQL a pending row carries, or "": the notification is still decided without it."""
    try:
        sql = rows.json_object(payload, "payload").get("sql")
    except rows.Unreadable:
        return ""
    return sql if isinstance(sql, str) else ""


def _pending_decision(row: dict[str, Any]) -> PendingDecision:
    """A pending row read as the change it queues; raises Unreadable."""
    return PendingDecision(
        rows.text(row["notification_id"], "notification_id"),
        rows.text(row["run_id"], "run_id"),
        rows.text(row["alert_name"], "alert_name"),
        rows.timestamp(row["created_at"], "created_at"),
        _pending_sql(row["payload"]),
        _pending_dbt_check(row["payload"]),
    )


def _pending_dbt_check(payload: Any) -> dict[str, Any] | None:
    """The alert fields a dbt check's pending row carries, or None (a declared alert's)."""
    try:
        fields = rows.json_object(payload, "payload").get("dbt_check")
    except rows.Unreadable:
        return None
    return fields if isinstance(fields, dict) else None


def _pending_row(item: PendingDecision) -> dict[str, Any]:
    """A pending row, as the package's `_pending_decision` macro writes one."""
    stamp = to_sql_text(item.created_at)
    payload: dict[str, Any] = {"run_id": item.run_id, "alert": item.alert, "sql": item.sql}
    if item.dbt_check:
        payload["dbt_check"] = item.dbt_check
    return {
        "notification_id": item.notification_id,
        "run_id": item.run_id,
        "created_at": stamp,
        "updated_at": stamp,
        "channel": "",
        "group_key": item.alert,
        "alert_name": item.alert,
        "kind": "pending",
        "status": "undecided",
        "firing_keys": "[]",
        "silenced_keys": "[]",
        "resolved_keys": "[]",
        "payload": json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str),
        "attempts": 0,
        "next_attempt_at": stamp,
        "last_error": None,
        "sent_at": None,
        "claimed_by": None,
        "claimed_until": None,
    }


def _keys_json(keys: frozenset[Key]) -> str:
    return json.dumps(sorted(keys, key=lambda k: (k is not None, k or "")))
