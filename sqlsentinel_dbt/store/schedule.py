"""`sentinel_schedule_claims`: which replicated daemon evaluates each alert's due time.

Several `sentinel daemon --replicated` share one project's alerts through this table. When
an alert falls due, every daemon tries to insert the row for that alert and due time; the
primary key lets one of them in, and only that one runs it. A daemon holds what it claimed
under a lease it extends while the run goes on; a run whose lease ran out before it was
done (its daemon was killed) is taken over by the next daemon to claim, under the same
run id (docs/daemon.md, "Replicas").
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlsentinel_dbt.dbt import Warehouse
from sqlsentinel_dbt.store.timestamps import as_utc, to_sql_text

TABLE = "sentinel_schedule_claims"


@dataclass(frozen=True)
class ClaimedRun:
    """Due times of alerts that one claim won, evaluated together as one run."""

    claimer: str
    run_id: str
    due_at: dict[str, datetime]
    """Alert name -> the due time it runs for."""
    taken_over: bool = False
    """A run another daemon claimed and did not finish: it may have recorded it already."""


class ScheduleClaims:
    """Claim, extend and finish due runs."""

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse

    def claim(
        self, due_at: Mapping[str, datetime], now: datetime, lease: float, grace: float
    ) -> list[ClaimedRun]:
        """Claim the alerts' due times, and runs left unfinished past their lease.

        Returns what this claim won: the due times no other daemon claimed first, as one
        run, and each unfinished run taken over, under its own run id. Runs that fell due
        more than `grace` seconds ago are left, as a missed run is.
        """
        claimer = uuid.uuid4().hex
        lease_until = to_sql_text(now + timedelta(seconds=lease))
        rows = [
            {
                "claim_id": claim_id(name, moment),
                "alert_name": name,
                "due_at": to_sql_text(moment),
                "run_id": claimer,
                "claimed_by": claimer,
                "claimed_until": lease_until,
                "done_at": None,
            }
            for name, moment in due_at.items()
        ]
        self._warehouse.run_macro(
            "claim_due_runs",
            rows=rows,
            claimer=claimer,
            now=to_sql_text(now),
            lease_until=lease_until,
            since=to_sql_text(now - timedelta(seconds=grace)),
        )
        sql = self._warehouse.run_macro("select_claimed_runs_sql", claimer=claimer)
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=60, name="sentinel:claims")
        runs: dict[str, dict[str, datetime]] = {}
        for name, moment, run_id in fetched.rows:
            runs.setdefault(str(run_id), {})[str(name)] = as_utc(moment)
        return [
            ClaimedRun(claimer, run_id, due, taken_over=run_id != claimer)
            for run_id, due in runs.items()
        ]

    def extend(self, claimers: Sequence[str], now: datetime, lease: float) -> None:
        """Keep holding the unfinished runs of `claimers` for `lease` seconds from `now`."""
        until = to_sql_text(now + timedelta(seconds=lease))
        self._warehouse.run_macro(
            "update_claimed_runs", claimers=list(claimers), claimed_until=until
        )

    def finish(self, claimer: str, now: datetime) -> None:
        """Mark the runs `claimer` holds done: no one takes them over."""
        done_at = to_sql_text(now)
        self._warehouse.run_macro("update_claimed_runs", claimers=[claimer], done_at=done_at)


def claim_id(alert_name: str, due_at: datetime) -> str:
    """The key of one alert's one due time."""
    text = f"{alert_name}|{to_sql_text(due_at)}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]
