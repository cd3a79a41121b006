"""`sentinel_silences`: silences, kept in the warehouse so every runner sees them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlsentinel_dbt.dbt import Warehouse
from sqlsentinel_dbt.engine.silences import Silence
from sqlsentinel_dbt.store import rows
from sqlsentinel_dbt.store.timestamps import to_sql_text

TABLE = "sentinel_silences"


class SilenceStore:
    """Add, end and read silences."""

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse

    def add(
        self,
        matcher: str,
        key: str | None,
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
        created_by: str,
    ) -> Silence:
        """Store a new silence and return it."""
        silence = Silence(
            uuid.uuid4().hex[:12], matcher, key, starts_at, ends_at, reason, created_by, starts_at
        )
        row = {
            "silence_id": silence.silence_id,
            "matcher": matcher,
            "alert_key": key,
            "starts_at": to_sql_text(starts_at),
            "ends_at": to_sql_text(ends_at),
            "reason": reason,
            "created_by": created_by,
            "created_at": to_sql_text(starts_at),
            "ended_by": None,
        }
        self._warehouse.run_macro("insert_silence", row=row)
        return silence

    def end(self, silence_id: str, now: datetime, ended_by: str) -> bool:
        """End a silence now; False when no such silence is in force."""
        if silence_id not in {s.silence_id for s in self.ending_after(now)}:
            return False
        self._warehouse.run_macro(
            "end_silence", silence_id=silence_id, now=to_sql_text(now), ended_by=ended_by
        )
        return True

    def ending_after(self, moment: datetime) -> list[Silence]:
        """Silences that end after `moment` (active ones, and future ones), newest first."""
        if not self._warehouse.run_macro("table_exists", identifier=TABLE):
            return []
        sql = self._warehouse.run_macro("select_silences_sql", ends_after=to_sql_text(moment))
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:silences")
        silences = []
        for row in fetched.rows:
            try:
                silences.append(_silence(row))
            except Exception as problem:  # a bad silence must not stop runs, nor mute anything
                rows.skipped(TABLE, f"silence {row[0]!r}", problem, "it silences nothing")
        return silences

    def recent(self, now: datetime, days: int = 7) -> list[Silence]:
        """Active silences and those that ended within `days`."""
        return self.ending_after(now - timedelta(days=days))


def _silence(row: tuple[Any, ...]) -> Silence:
    """A silence read back; raises Unreadable naming what is wrong."""
    silence_id, matcher, key, starts, ends, reason, created_by, created_at, ended_by = row
    starts_at = rows.timestamp(starts, "starts_at")
    return Silence(
        rows.text(silence_id, "silence_id"),
        rows.text(matcher, "matcher"),
        rows.optional_text(key),
        starts_at,
        rows.timestamp(ends, "ends_at"),
        str(reason or ""),
        str(created_by or ""),
        rows.optional_timestamp(created_at, "created_at") or starts_at,
        rows.optional_text(ended_by),
    )
