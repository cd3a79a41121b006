"""`sentinel_notifications`: the outbox, which is also the log of what was announced.

Rows go `queued` -> `sending` (claimed, under a lease) -> `sent`, or back to `failed` to be
retried by a later run, or `dead` once older than `max_notification_age`. `suppressed`
(silenced) and `skipped` (bookkeeping) rows are never sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlsentinel_dbt.dbt import Warehouse
from sqlsentinel_dbt.notify.decide import Key, LogEntry
from sqlsentinel_dbt.notify.message import Notification
from sqlsentinel_dbt.store.timestamps import as_utc, to_sql_text

TABLE = "sentinel_notifications"


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


@dataclass(frozen=True)
class Claim:
    """What one claim took: rows to send now, and rows it dead-lettered (to report)."""

    due: list[Claimed]
    dead: list[Claimed]


class Outbox:
    """Queue, claim and settle notifications in the warehouse."""

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse

    def thread_pool(self, size: int) -> ThreadPoolExecutor:
        """Threads for delivering, reused across passes (each keeps its connection)."""
        return self._warehouse.thread_pool("notify", size)

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
        return {
            (group, channel): LogEntry(
                notification_id, _keys(firing), _keys(silenced), as_utc(created_at)
            )
            for group, channel, notification_id, firing, silenced, created_at in fetched.rows
        }

    def claim(self, claimer: str, now: datetime, lease: float, max_age: float) -> Claim:
        """Dead-letter expired rows, then claim every due row for `claimer`."""
        self._warehouse.run_macro(
            "claim_notifications",
            claimer=claimer,
            now=to_sql_text(now),
            lease_until=to_sql_text(now + timedelta(seconds=lease)),
            expired_before=to_sql_text(now - timedelta(seconds=max_age)),
        )
        return Claim(self._held(claimer, "sending"), self._held(claimer, "dead"))

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
        rows = self._rows(claimer, "deciding")
        return [
            PendingDecision(
                row["notification_id"], row["run_id"], row["alert_name"], as_utc(row["created_at"])
            )
            for row in sorted(rows, key=lambda r: (as_utc(r["created_at"]), r["notification_id"]))
        ]

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

    def _held(self, claimer: str, status: str) -> list[Claimed]:
        rows = self._rows(claimer, status)
        return [
            Claimed(
                Notification.from_payload(json.loads(row["payload"])),
                int(row["attempts"] or 0),
                as_utc(row["created_at"]),
                row["last_error"],
            )
            for row in sorted(rows, key=lambda r: (as_utc(r["created_at"]), r["notification_id"]))
        ]

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

    def read(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest rows, for `sentinel notifications` and tests."""
        if not self._exists():
            return []
        sql = self._warehouse.run_macro("select_notifications_sql", limit=limit)
        fetched = self._warehouse.fetch(str(sql), limit=limit, timeout=300, name="sentinel:outbox")
        return [
            dict(zip([c.lower() for c in fetched.columns], row, strict=True))
            for row in fetched.rows
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


def _keys_json(keys: frozenset[Key]) -> str:
    return json.dumps(sorted(keys, key=lambda k: (k is not None, k or "")))


def _keys(text: str | None) -> frozenset[Key]:
    return frozenset(json.loads(text)) if text else frozenset()
