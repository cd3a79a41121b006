"""Decide the notifications for what `dbt run-operation sqlsentinel.run_alerts` recorded.

The dbt operation evaluates alerts and writes their results and states to the history, but
it cannot read the channel and route files (dbt's Jinja reads no files), so for each alert
it evaluated it queues one `pending` row in the outbox instead of notifications. Here, in
`sentinel notify` (or the next `sentinel dbt-run`), each pending row is claimed, the run's
results for that alert are read back from the history, routed and decided exactly as a
CLI run decides its own (`changes.outbox_rows`), and the pending row is deleted. The
alert is not compiled again: the pending row carries the SQL the run sent, so the
notification shows that query, not one compiled today with today's code and vars.

A crash after queueing and before the delete leaves the pending row claimed; once its
lease runs out it is decided again, against a log that now holds the first decision, so
nothing is queued twice. See docs/decisions/0002-run-alerts-queues-changes.md.

The `record_dbt_results` hook queues pending rows the same way for dbt's own checks
(docs/dbt_results.md), which no project file declares: their rows carry the alert's
fields, and the alert is built from those when the project does not declare the name.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlsentinel_dbt.config.channels import Route
from sqlsentinel_dbt.config.models import NAME_PATTERN, Alert
from sqlsentinel_dbt.engine.silences import SilenceBook
from sqlsentinel_dbt.notify.changes import AlertAsRun, RunContext, outbox_rows
from sqlsentinel_dbt.store.outbox import PendingDecision
from sqlsentinel_dbt.store.stores import Stores

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deciding:
    """What deciding needs besides the stores: the project's alerts and routes."""

    alerts: Sequence[Alert]
    """The alerts the project declares now; a change of one no longer declared is dropped
    (unless the row says it is a dbt check)."""
    routes: Sequence[Route]
    lease: float


def decide_pending(stores: Stores, deciding: Deciding, now: datetime) -> int:
    """Turn every pending `run_alerts` change into notifications; return how many were queued."""
    outbox = stores.outbox
    claimer = uuid.uuid4().hex
    pending = outbox.claim_pending(claimer, now, deciding.lease)
    queued = 0
    held_back: set[str] = set()  # alerts with a change that failed: later ones wait for it
    for item in pending:  # oldest first: a change is decided against the one before it
        if item.alert in held_back:
            continue
        try:
            queued += _decide(item, stores, deciding)
        except Exception as exc:  # one change that cannot be decided must not stop the rest
            held_back.add(item.alert)
            logger.warning(
                "the change run_alerts recorded for %s in run %s (outbox row %s) could not be "
                "decided (%s: %s); it is tried again once its claim's lease runs out",
                item.alert,
                item.run_id,
                item.notification_id,
                type(exc).__name__,
                exc,
            )
            continue
        outbox.forget([item.notification_id], claimer)
    return queued


def _decide(item: PendingDecision, stores: Stores, deciding: Deciding) -> int:
    alert = next((a for a in deciding.alerts if a.name == item.alert), None)
    if alert is None and item.dbt_check is not None:
        alert = dbt_check_alert(item.alert, item.sql, item.dbt_check)
    if alert is None:
        logger.warning(
            "alert %s of run %s is no longer declared; its changes are not notified",
            item.alert,
            item.run_id,
        )
        return 0
    recorded = stores.history.run_results(item.run_id, item.alert)
    if recorded is None:
        return 0
    record, results = recorded
    at = item.created_at
    run = RunContext(item.run_id, record.project_name, record.target_name, at)
    silenced = SilenceBook(stores.silences.ending_after(at), at, [*deciding.alerts, alert])
    last = stores.outbox.last_entries([item.alert])
    as_run = AlertAsRun(alert, item.sql)
    rows = outbox_rows([as_run], results, deciding.routes, last, run, silenced)
    stores.outbox.queue(rows, at)
    return sum(row.status == "queued" for row in rows)


def dbt_check_alert(name: str, sql: str, fields: dict[str, Any]) -> Alert:
    """The alert of a dbt check, from the fields its pending row carries.

    As engine/from_dbt.py declares it; a tag that is not a word is left out.
    """
    tags = fields.get("tags")
    owner = fields.get("owner")
    meta = {k: str(fields[k]) for k in ("dbt_node", "resource_type") if fields.get(k)}
    return Alert(
        name=name,
        query=sql or f"-- {meta.get('dbt_node', name)}, run by dbt",
        description=str(fields.get("description") or ""),
        tags=[
            str(t)
            for t in (tags if isinstance(tags, list) else ())
            if re.fullmatch(NAME_PATTERN, str(t))
        ],
        owner=str(owner) if owner else None,
        meta=meta,
    )
