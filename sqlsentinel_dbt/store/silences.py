"""`sentinel_silences`: silences, kept in the warehouse so every runner sees them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlsentinel_dbt.dbt import Warehouse
from sqlsentinel_dbt.engine.silences import Silence
from sqlsentinel_dbt.store.timestamps import as_utc, to_sql_text

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
        return [_silence(row) for row in fetched.rows]

    def recent(self, now: datetime, days: int = 7) -> list[Silence]:
        """Active silences and those that ended within `days`."""
        return self.ending_after(now - timedelta(days=days))


def _silence(row: tuple[Any, ...]) -> Silence:
    silence_id, matcher, key, starts, ends, reason, created_by, created_at, ended_by = row
    return Silence(
        str(silence_id),
        str(matcher),
        None if key is None else str(key),
        as_utc(starts),
        as_utc(ends),
        str(reason or ""),
        str(created_by or ""),
        as_utc(created_at),
        None if ended_by is None else str(ended_by),
    )
