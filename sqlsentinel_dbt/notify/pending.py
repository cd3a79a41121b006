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
The hook cannot read sentinel.yml either: its `dbt_results:` choice of checks, overrides
and minimum severity are applied here, to what is announced (`_as_configured`).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlsentinel_dbt.config.channels import Route
from sqlsentinel_dbt.config.inhibition import InhibitRule
from sqlsentinel_dbt.config.models import DBT_GROUP, NAME_PATTERN, Alert
from sqlsentinel_dbt.config.time_intervals import NamedTimeIntervals
from sqlsentinel_dbt.engine.check_settings import (
    NOTIFY_FIELDS,
    ChosenChecks,
    as_ok,
    at_severity,
    below,
    overridden_fields,
)
from sqlsentinel_dbt.engine.result import AlertResult
from sqlsentinel_dbt.engine.silences import SilenceBook
from sqlsentinel_dbt.notify.changes import AlertAsRun, Holds, RunContext, outbox_rows
from sqlsentinel_dbt.notify.inhibition import Inhibitor, firing_now
from sqlsentinel_dbt.notify.routing import longest_escalation
from sqlsentinel_dbt.notify.windows import MuteWindows
from sqlsentinel_dbt.store.outbox import OutboxRow, PendingDecision
from sqlsentinel_dbt.store.stores import Stores

logger = logging.getLogger(__name__)


_NAMES_IN_QUERY = 1000


@dataclass(frozen=True)
class Deciding:
    """What deciding needs besides the stores: the project's alerts and routes."""

    alerts: Sequence[Alert]
    """The alerts the project declares now; a change of one no longer declared is dropped
    (unless the row says it is a dbt check)."""
    routes: Sequence[Route]
    lease: float
    dbt_results: Callable[[], ChosenChecks] | None = None
    """`dbt_results:` of sentinel.yml, resolved when first asked; None when it has no
    setting that chooses or changes a check."""
    complete: bool = True
    """False when `alerts` lacks the alerts of nodes' meta (the project was opened without
    its nodes): a change of an alert not in `alerts` is then held back, not dropped."""
    time_intervals: Sequence[NamedTimeIntervals] = ()
    """sentinel.yml's, for routes' mute windows."""
    inhibit_rules: Sequence[InhibitRule] = ()
    dag: Callable[[], Mapping[str, Sequence[str]]] | None = None
    """dbt's DAG for `inhibit_downstream` (raises NodesNeeded without the nodes); None
    when it is off."""

    @property
    def inhibits(self) -> bool:
        """Whether anything can inhibit (reading the other alerts' states is then needed)."""
        return bool(self.inhibit_rules) or self.dag is not None


class NodesNeeded(Exception):
    """Deciding a change needs the project's nodes, which were not parsed."""


def decide_pending(stores: Stores, deciding: Deciding, now: datetime) -> int:
    """Turn every pending `run_alerts` change into notifications; return how many were queued.

    Changes are decided a run at a time, oldest first, each against the log as the ones
    before it left it. A run's changes are decided together, in one read of its results,
    one of the log and one of the silences, so a run of a thousand dbt checks costs a few
    queries, not a few per check.
    """
    outbox = stores.outbox
    claimer = uuid.uuid4().hex
    queued = 0
    held_back: set[str] = set()  # alerts with a change that failed: later ones wait for it
    settings = _once(deciding.dbt_results) if deciding.dbt_results else None
    for batch in _batches(outbox.claim_pending(claimer, now, deciding.lease)):
        batch = [item for item in batch if item.alert not in held_back]
        try:
            decided, failed = _decide(batch, stores, deciding, settings)
        except Exception as unread:  # a run that cannot be read must not stop the others
            decided, failed = [], [(item, unread) for item in batch]
        for item, problem in failed:
            held_back.add(item.alert)
            logger.warning(
                "the change run_alerts recorded for %s in run %s (outbox row %s) could not be "
                "decided (%s: %s); it is tried again once its claim's lease runs out",
                item.alert,
                item.run_id,
                item.notification_id,
                type(problem).__name__,
                problem,
            )
        queued += sum(count for _, count in decided)
        outbox.forget([item.notification_id for item, _ in decided], claimer)
    return queued


def _batches(pending: Sequence[PendingDecision]) -> list[list[PendingDecision]]:
    """Consecutive changes of one run and moment, at most one per alert: decided together."""
    batches: list[list[PendingDecision]] = []
    alerts_in_last: set[str] = set()  # a set: a run of 10,000 checks is one batch
    for item in pending:  # oldest first
        last = batches[-1] if batches else []
        same = last and (last[0].run_id, last[0].created_at) == (item.run_id, item.created_at)
        if same and item.alert not in alerts_in_last:
            last.append(item)
        else:
            batches.append([item])
            alerts_in_last = set()
        alerts_in_last.add(item.alert)
    return batches


def _once(resolve: Callable[[], ChosenChecks]) -> Callable[[], ChosenChecks]:
    """`resolve`, called at most once (its answer, or its exception, is kept)."""
    kept: list[ChosenChecks] = []
    failed: list[Exception] = []

    def resolved() -> ChosenChecks:
        if failed:
            raise failed[0]
        if not kept:
            try:
                kept.append(resolve())
            except Exception as exc:
                failed.append(exc)
                raise
        return kept[0]

    return resolved


def _decide(
    batch: Sequence[PendingDecision],
    stores: Stores,
    deciding: Deciding,
    settings: Callable[[], ChosenChecks] | None,
) -> tuple[list[tuple[PendingDecision, int]], list[tuple[PendingDecision, Exception]]]:
    """Decide one batch of changes.

    Returns (change, notifications queued) for each change decided (one of an alert no
    longer declared, or with no results, is decided with none), and those that failed.
    """
    if not batch:
        return [], []
    first = batch[0]
    declared = {a.name: a for a in deciding.alerts}
    names = [item.alert for item in batch]
    # A short list of names in the query; a long one would cost more than reading the run.
    read = names if len(names) <= _NAMES_IN_QUERY else None
    recorded = stores.history.run_results_by_alert(first.run_id, read)
    at = first.created_at
    since = at - timedelta(seconds=longest_escalation(deciding.routes))
    silences = stores.silences.ending_after(since) if recorded else []
    windows = MuteWindows(deciding.time_intervals, at)
    last = stores.outbox.last_entries(names) if recorded else {}
    decided: list[tuple[PendingDecision, int]] = []
    failed: list[tuple[PendingDecision, Exception]] = []
    deciding_now: list[tuple[PendingDecision, Alert, list[AlertResult]]] = []
    for item in batch:
        try:
            alert, configure = _alert_of(item, declared, deciding, settings)
            if alert is None or recorded is None or item.alert not in recorded.results:
                decided.append((item, 0))
                continue
            results = recorded.results[item.alert]
            if configure is not None:
                alert, results = _as_configured(alert, results, configure)
        except Exception as exc:  # one change that cannot be decided must not stop the rest
            failed.append((item, exc))
            continue
        deciding_now.append((item, alert, list(results)))
    if not deciding_now or recorded is None:
        return decided, failed
    record = recorded.record
    alerts = [alert for _, alert, _ in deciding_now]
    silenced = SilenceBook(silences, at, [*deciding.alerts, *alerts])
    inhibitor = _inhibitor(stores, deciding, alerts, [r for _, _, rs in deciding_now for r in rs])
    holds = Holds(silenced, windows, inhibitor, silenced.unsilenced_since)
    rows: list[OutboxRow] = []
    for item, alert, results in deciding_now:
        run = RunContext(item.run_id, record.project_name, record.target_name, at)
        try:
            changes = outbox_rows(
                [AlertAsRun(alert, item.sql)], results, deciding.routes, last, run, holds
            )
        except Exception as exc:  # as above: it fails alone
            failed.append((item, exc))
            continue
        rows += changes
        decided.append((item, sum(row.status == "queued" for row in changes)))
    stores.outbox.queue(rows, at)
    return decided, failed


def _inhibitor(
    stores: Stores, deciding: Deciding, alerts: Sequence[Alert], results: Sequence[AlertResult]
) -> Inhibitor:
    """What inhibits what: the batch's results, and the declared alerts' last states."""
    if not deciding.inhibits:
        return Inhibitor((), ())
    evaluated = {alert.name for alert in alerts}
    others = [a.name for a in deciding.alerts if a.name not in evaluated]
    recorded = stores.history.latest_states(others) if others else {}
    firing = firing_now([*alerts, *deciding.alerts], results, recorded)
    parents = deciding.dag() if deciding.dag is not None else None
    return Inhibitor(deciding.inhibit_rules, firing, parents)


def _alert_of(
    item: PendingDecision,
    declared: dict[str, Alert],
    deciding: Deciding,
    settings: Callable[[], ChosenChecks] | None,
) -> tuple[Alert | None, ChosenChecks | None]:
    """The alert a change is decided for, and the `dbt_results:` that apply to it.

    None for an alert no longer declared, or a dbt check `dbt_results:` leaves out: its
    change is decided with no notification. Raises NodesNeeded when the alert may be
    one of a node's meta that was not parsed, and what resolving the settings raises (a
    typo): the change is then held back, not announced as if every check counted.
    """
    alert = declared.get(item.alert)
    if alert is not None:
        return alert, None
    if item.dbt_check is None:
        if not deciding.complete:
            raise NodesNeeded(f"{item.alert} may be an alert of a node's meta")
        logger.warning(
            "alert %s of run %s is no longer declared; its changes are not notified",
            item.alert,
            item.run_id,
        )
        return None, None
    alert = dbt_check_alert(item.alert, item.sql, item.dbt_check)
    if settings is None:
        return alert, None
    configure = settings()
    if not configure.counts(alert.meta.get("dbt_node"), alert.meta.get("resource_type")):
        return None, None
    return alert, configure


def _as_configured(
    alert: Alert, results: Sequence[AlertResult], chosen: ChosenChecks
) -> tuple[Alert, list[AlertResult]]:
    """A hook-recorded check as `dbt_results:` would have recorded it, for announcing.

    Its overrides' owner, notify and repeat_interval, and severity, then the minimum
    severity: a result below it counts as OK. What the hook already wrote to the
    history (the states, so for_evaluations) stays as written.
    """
    configured = list(results)
    for override in chosen.overrides_of(alert.meta.get("dbt_node")):
        alert = alert.model_copy(update=overridden_fields(override, NOTIFY_FIELDS))
        if override.severity is not None:
            configured = [at_severity(r, override.severity) for r in configured]
    minimum = chosen.settings.min_severity
    return alert, [as_ok(r) if below(r, minimum) else r for r in configured]


def dbt_check_alert(name: str, sql: str, fields: dict[str, Any]) -> Alert:
    """The alert of a dbt check, from the fields its pending row carries.

    As engine/from_dbt.py declares it; a tag that is not a word is left out, and the dbt
    group (`dbt_group`, which routes match with `group:`) is kept in its meta.
    """
    tags = fields.get("tags")
    owner = fields.get("owner")
    meta = {k: str(fields[k]) for k in ("dbt_node", "resource_type", DBT_GROUP) if fields.get(k)}
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
