"""`sentinel_alert_history`: one appended row per evaluated alert instance."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.dbt import Warehouse
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState, State, Status
from sqlsentinel_dbt.engine.state import Key
from sqlsentinel_dbt.store import rows
from sqlsentinel_dbt.store.timestamps import to_sql_text

TABLE = "sentinel_alert_history"


@dataclass(frozen=True)
class RunRecord:
    """Who produced a batch of results: written beside every row."""

    run_id: str
    invocation_id: str
    project_name: str
    target_name: str


@dataclass(frozen=True)
class StateChange:
    """An instance entering `state` at `at` (`previous` None: its first evaluation)."""

    alert: str
    key: str | None
    state: State
    previous: State | None
    at: datetime


@dataclass(frozen=True)
class RunResults:
    """What one run recorded: who ran it, and its results per alert name."""

    record: RunRecord
    results: dict[str, list[AlertResult]]


class HistoryStore:
    """Appends results to and reads them back from the history table."""

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse

    def ensure(self) -> None:
        """Create the sentinel schema and table when missing."""
        self._warehouse.run_macro("ensure_alert_history")

    def append(
        self,
        record: RunRecord,
        results: Sequence[AlertResult],
        *,
        ensure: bool = True,
        invocations: Mapping[str, str] | None = None,
    ) -> int:
        """Insert one row per result, in bulk; return how many were written.

        The rows go in one statement where the warehouse takes any size (DuckDB,
        PostgreSQL), else in chunks. `ensure=False` skips creating the table, for a caller
        that did (`ensure`) earlier in the same run. `invocations` (alert name -> dbt
        invocation id) gives the rows of a recorded check the invocation that ran it,
        instead of the record's.
        """
        if not results:
            return 0
        invocations = invocations or {}
        rows = [
            history_row(replace(record, invocation_id=invocations[result.alert]), result)
            if result.alert in invocations
            else history_row(record, result)
            for result in results
        ]
        return int(self._warehouse.run_macro("insert_alert_history", rows=rows, ensure=ensure))

    def latest_states(self, alert_names: Sequence[str]) -> dict[str, dict[Key, InstanceState]]:
        """The last state of every instance, per alert, that is not OK (absent means OK)."""
        if not alert_names or not self._warehouse.run_macro("table_exists", identifier=TABLE):
            return {}
        sql = self._warehouse.run_macro("select_latest_states_sql", alert_names=list(alert_names))
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:state")
        states: dict[str, dict[Key, InstanceState]] = {}
        for name, key, state, since, count, severity in fetched.rows:
            try:
                instance = InstanceState(
                    rows.member(State, state, "state"),
                    rows.optional_timestamp(since, "state_since"),
                    rows.count(count, "state_count"),
                    rows.member(Severity, severity, "severity"),
                )
            except Exception as problem:  # one bad row must not stop every later run
                rows.skipped(TABLE, f"the newest row of {_instance(name, key)}", problem, _FRESH)
                continue
            states.setdefault(str(name), {})[rows.optional_text(key)] = instance
        return states

    def recorded_checks(self, invocation_ids: Sequence[str]) -> set[tuple[str, str]]:
        """What the dbt invocations already recorded: (invocation id, `check_id`) pairs.

        One query, whoever recorded them (`--from-artifacts`, `with_dbt_run` or the
        on-run-end hook); empty when there is no history yet.
        """
        if not invocation_ids or not self._warehouse.run_macro("table_exists", identifier=TABLE):
            return set()
        sql = self._warehouse.run_macro(
            "select_recorded_checks_sql", invocation_ids=sorted(set(invocation_ids))
        )
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:recorded")
        return {
            (str(invocation), check_id(str(name), None if node is None else str(node)))
            for invocation, name, node in fetched.rows
        }

    def run_results_by_alert(
        self, run_id: str, alert_names: Sequence[str] | None = None
    ) -> RunResults | None:
        """Who ran, and the results one run recorded, per alert; None if it recorded none.

        With `alert_names`, only those alerts' results are read (a hook's run may hold
        thousands of checks, of which a few are to be decided).
        """
        names = sorted(set(alert_names)) if alert_names is not None else None
        sql = self._warehouse.run_macro("select_run_history_sql", run_id=run_id, alert_names=names)
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:history")
        columns = [c.lower() for c in fetched.columns]
        results: dict[str, list[AlertResult]] = {}
        for values in fetched.rows:
            row = dict(zip(columns, values, strict=True))
            try:
                result = result_of_row(row)
            except Exception as problem:
                alert = str(row.get("alert_name"))
                where = f"the row of run {run_id} for {_instance(alert, row.get('alert_key'))}"
                rows.skipped(TABLE, where, problem, "its change is not notified")
                continue
            results.setdefault(result.alert, []).append(result)
        if not results:
            return None
        first = dict(zip(columns, fetched.rows[0], strict=True))
        record = RunRecord(
            run_id,
            str(first["invocation_id"] or ""),
            str(first["project_name"] or ""),
            str(first["target_name"] or ""),
        )
        return RunResults(record, results)

    def values_since(self, alert: str, since: datetime) -> list[tuple[str | None, datetime, float]]:
        """The values `alert` recorded since `since` (OK and ALERT results), oldest first.

        Each is its key, when (aware UTC) and value; empty when there is no history yet.
        """
        if not self._warehouse.run_macro("table_exists", identifier=TABLE):
            return []
        sql = self._warehouse.run_macro(
            "select_alert_values_sql", alert_name=alert, since=to_sql_text(since)
        )
        fetched = self._warehouse.fetch(
            str(sql), limit=VALUES_READ, timeout=300, name="sentinel:values"
        )
        values = []
        for key, started_at, value in reversed(fetched.rows):  # newest first: the bound's
            try:
                moment = rows.timestamp(started_at, "started_at")
                number = rows.number_value(value, "actual_value")
            except rows.Unreadable as problem:
                rows.skipped(TABLE, f"a value of {alert}", problem, "the series leaves it out")
                continue
            if number is not None:
                values.append((None if key is None else str(key), moment, number))
        return values

    def latest_results(self, alert: str | None = None) -> list[dict[str, Any]]:
        """The newest row of every instance of every alert (or of `alert`).

        Empty when no history exists yet.
        """
        if not self._warehouse.run_macro("table_exists", identifier=TABLE):
            return []
        sql = self._warehouse.run_macro("select_latest_results_sql", alert_name=alert)
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:latest")
        columns = [c.lower() for c in fetched.columns]
        return [dict(zip(columns, row, strict=True)) for row in fetched.rows]

    def read(
        self,
        alert: str | None = None,
        limit: int | None = 50,
        since: datetime | None = None,
        per_alert: int | None = None,
    ) -> list[dict[str, Any]]:
        """The newest rows first, of one alert or all, from `since` on if given.

        `limit` None reads every row; `per_alert` keeps that many of each alert at most.
        Empty when no history exists yet.
        """
        if not self._warehouse.run_macro("table_exists", identifier=TABLE):
            return []
        sql = self._warehouse.run_macro(
            "select_alert_history_sql",
            alert_name=alert,
            limit=limit,
            since=None if since is None else to_sql_text(since),
            newest_per_alert=per_alert,
        )
        fetched = self._warehouse.fetch(str(sql), limit=limit, timeout=300, name="sentinel:history")
        columns = [c.lower() for c in fetched.columns]
        return [dict(zip(columns, row, strict=True)) for row in fetched.rows]

    def state_changes(
        self, since: datetime, look_back_from: datetime | None = None
    ) -> list[StateChange]:
        """Every instance's changes of state from `since` on, in order per instance.

        The state before each is looked for from `look_back_from` on (None: in the whole
        history); an instance's first evaluation there comes with no previous state.
        Empty when no history exists yet.
        """
        if not self._warehouse.run_macro("table_exists", identifier=TABLE):
            return []
        back = None if look_back_from is None else to_sql_text(look_back_from)
        sql = self._warehouse.run_macro(
            "select_state_changes_sql", since=to_sql_text(since), look_back_from=back
        )
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:changes")
        changes = []
        for name, key, state, previous, started_at in fetched.rows:
            try:
                change = StateChange(
                    str(name),
                    rows.optional_text(key),
                    rows.member(State, state, "state"),
                    None if previous is None else rows.member(State, previous, "state"),
                    rows.timestamp(started_at, "started_at"),
                )
            except Exception as problem:
                where = f"a state change of {_instance(name, key)}"
                rows.skipped(TABLE, where, problem, "the noise view leaves it out")
                continue
            changes.append(change)
        return changes


VALUES_READ = 200_000
"""The most past values one anomaly alert reads (the newest): an alert run every minute
with 100 keys records this many in about a day and a half (docs/anomalies.md)."""


def check_id(alert: str, dbt_node: str | None) -> str:
    """What identifies a recorded check across recorders: its dbt node, else its name.

    The hook and `--from-artifacts` may name a node differently (the hook cannot see the
    names alerts/*.yml takes); an `alert` test has no node of its own.
    """
    return f"node:{dbt_node}" if dbt_node else f"alert:{alert}"


def result_of_row(row: dict[str, Any]) -> AlertResult:
    """A history row read back as the result (and state) it recorded; raises Unreadable."""
    severity = rows.member(Severity, row["severity"], "severity")
    state = None
    if row["state"] is not None:
        state = InstanceState(
            rows.member(State, row["state"], "state"),
            rows.optional_timestamp(row["state_since"], "state_since"),
            rows.count(row["state_count"], "state_count"),
            severity,
        )
    return AlertResult(
        alert=rows.text(row["alert_name"], "alert_name"),
        status=rows.member(Status, row["status"], "status"),
        severity=severity,
        key=rows.optional_text(row["alert_key"]),
        actual_value=rows.number_value(row["actual_value"], "actual_value"),
        threshold=rows.number_value(row["threshold"], "threshold"),
        context=rows.json_object(row["context"], "context"),
        error=rows.optional_text(row["error"]),
        started_at=rows.optional_timestamp(row["started_at"], "started_at"),
        duration_ms=rows.count(row["duration_ms"], "duration_ms"),
        state=state,
        dbt_node=rows.optional_text(row.get("dbt_node")),
    )


_FRESH = "the instance starts from no prior state"


def _instance(alert: Any, key: Any) -> str:
    """`the row of alert 'orders_late' key 'eu'`: how a warning names a history row."""
    return f"alert {alert!r} key {key!r}" if key is not None else f"alert {alert!r} (no key)"


def history_row(record: RunRecord, result: AlertResult) -> dict[str, Any]:
    """The column values of one history row."""
    started = to_sql_text(result.started_at) if result.started_at else None
    state = result.state
    return {
        "run_id": record.run_id,
        "invocation_id": record.invocation_id,
        "project_name": record.project_name,
        "target_name": record.target_name,
        "alert_name": result.alert,
        "alert_key": result.key,
        "status": result.status.value,
        "state": state.state.value if state else None,
        "state_since": to_sql_text(state.since) if state and state.since else None,
        "state_count": state.count if state else None,
        "severity": result.severity.value,
        "actual_value": result.actual_value,
        "threshold": result.threshold,
        "context": json.dumps(result.context, sort_keys=True, ensure_ascii=False),
        "error": result.error,
        "started_at": started,
        "duration_ms": result.duration_ms,
        "dbt_node": result.dbt_node,
    }
