"""The status contract: turn the rows an alert query returned into results.

Rows carry `status` (ALERT, WARN or OK, any case) and optionally `actual_value`, `threshold`,
`key`, `severity`; every other column is context. Whatever breaks the contract becomes an
ERROR result with a message a person can act on, never an exception.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlsentinel_dbt.config.condition import bound, holds
from sqlsentinel_dbt.config.models import Alert, OnNoData, Severity
from sqlsentinel_dbt.dbt import QueryResult
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.engine.values import ValueProblem, to_json_value, to_key_text, to_number

RESERVED = ("status", "actual_value", "threshold", "key", "severity")
_STATUSES = {
    "alert": (Status.ALERT, None),
    "warn": (Status.ALERT, Severity.WARN),
    "ok": (Status.OK, None),
}


class ContractBroken(Exception):
    """The query's result does not follow the status contract."""


def evaluate(
    alert: Alert, result: QueryResult, *, started_at: datetime, duration_ms: int
) -> list[AlertResult]:
    """Results for every instance in `result`, or one ERROR result if the contract is broken."""
    base = _ok(alert, started_at, duration_ms)
    try:
        return _evaluate(alert, result, base)
    except (ContractBroken, ValueProblem) as exc:
        return [error_result(base, str(exc))]


def _ok(alert: Alert, started_at: datetime, duration_ms: int) -> AlertResult:
    return AlertResult(
        alert=alert.name,
        status=Status.OK,
        severity=alert.severity,
        started_at=started_at,
        duration_ms=duration_ms,
    )


def error_result(base: AlertResult, message: str) -> AlertResult:
    """An ERROR result for the alert of `base`, with no instance key."""
    return replace(base, status=Status.ERROR, key=None, error=message, context={})


def _evaluate(alert: Alert, result: QueryResult, base: AlertResult) -> list[AlertResult]:
    index = column_index(result.columns)
    if "status" not in index:
        raise ContractBroken(
            f"the query returned columns ({', '.join(result.columns) or 'none'}) but no `status` "
            "column; select 'ALERT' or 'OK' as status"
        )
    if not result.rows:
        return [_no_data(alert, base)]
    if len(result.rows) > alert.max_instances:
        raise ContractBroken(
            f"the query returned more than max_instances={alert.max_instances} rows; "
            "aggregate it, or raise max_instances"
        )
    key_columns = key_columns_of(alert, index, len(result.rows))
    results = [_row_result(row, index, key_columns, base) for row in result.rows]
    _check_unique_keys(results, key_columns)
    return results


def column_index(columns: list[str]) -> dict[str, int]:
    """Lower-cased column name -> its first position."""
    index: dict[str, int] = {}
    for position, name in enumerate(columns):
        index.setdefault(name.lower(), position)  # warehouses differ in case (Snowflake: upper)
    return index


def _no_data(alert: Alert, base: AlertResult) -> AlertResult:
    base = replace(base, no_data=True)
    if alert.on_no_data is OnNoData.ALERT:
        return replace(base, status=Status.ALERT, context={"no_data": True})
    if alert.on_no_data is OnNoData.ERROR:
        return error_result(base, "the query returned no rows (on_no_data: error)")
    return base  # ok; keep_last is applied by the state machine


def failing_rows_sql(sql: str) -> str:
    """Wrap a `failing_rows` query so the warehouse counts its rows, as dbt does for tests."""
    # The newline keeps a trailing `-- comment` in the user's SQL from eating the `)`.
    return f"select count(*) as failures from (\n{sql}\n) as sentinel_failing_rows"


def evaluate_failing_rows(
    alert: Alert, result: QueryResult, *, started_at: datetime, duration_ms: int
) -> list[AlertResult]:
    """One result from the count of failing rows, judged by `error_if` then `warn_if`."""
    base = _ok(alert, started_at, duration_ms)
    try:
        failures = to_number(result.rows[0][0], "failures") if result.rows else None
    except ValueProblem as exc:
        return [error_result(base, str(exc))]
    if failures is None:
        return [error_result(base, "the failing-rows count came back empty")]
    checks = [(Severity.WARN, alert.warn_if)]
    if alert.severity is Severity.ERROR:
        checks.insert(0, (Severity.ERROR, alert.error_if))
    for severity, condition in checks:
        if holds(condition, failures):
            return [
                replace(
                    base,
                    status=Status.ALERT,
                    severity=severity,
                    actual_value=failures,
                    threshold=bound(condition),
                )
            ]
    return [replace(base, actual_value=failures, threshold=bound(checks[0][1]))]


def key_columns_of(alert: Alert, index: dict[str, int], row_count: int) -> list[str]:
    """The columns that make an instance's key: `key_columns`, else `key` if returned."""
    wanted = [c.lower() for c in alert.key_columns] or (["key"] if "key" in index else [])
    missing = [c for c in wanted if c not in index]
    if missing:
        raise ContractBroken(f"key_columns {missing} are not among the query's columns")
    if not wanted and row_count > 1:
        raise ContractBroken(
            f"the query returned {row_count} rows but no `key` column; add a `key` column "
            "(or key_columns) so each row is one instance, or aggregate to one row"
        )
    return wanted


def _row_result(
    row: tuple[Any, ...], index: dict[str, int], key_columns: list[str], base: AlertResult
) -> AlertResult:
    def cell(name: str) -> Any:
        return row[index[name]] if name in index else None

    raw_status = cell("status")
    status, implied_severity = _STATUSES.get(str(raw_status).strip().lower(), (None, None))
    if status is None:
        raise ContractBroken(
            f"`status` must be 'ALERT', 'WARN' or 'OK' (any case), got {raw_status!r}"
        )
    hidden = set(RESERVED) | set(key_columns)
    return replace(
        base,
        status=status,
        key=key_of(row, index, key_columns),
        severity=_severity(cell("severity"), implied_severity or base.severity),
        actual_value=to_number(cell("actual_value"), "actual_value"),
        threshold=to_number(cell("threshold"), "threshold"),
        context={name: to_json_value(row[i]) for name, i in index.items() if name not in hidden},
    )


def key_of(row: tuple[Any, ...], index: dict[str, int], key_columns: list[str]) -> str | None:
    """The instance key of a row: one column's text, or `a=1, b=2` for several."""
    if not key_columns:
        return None
    if len(key_columns) == 1:
        return to_key_text(row[index[key_columns[0]]])
    return ", ".join(f"{c}={to_key_text(row[index[c]])}" for c in key_columns)


def _severity(value: Any, default: Severity) -> Severity:
    if value is None:
        return default
    try:
        return Severity(str(value).strip().lower())
    except ValueError:
        raise ContractBroken(f"`severity` must be 'warn' or 'error', got {value!r}") from None


def _check_unique_keys(results: list[AlertResult], key_columns: list[str]) -> None:
    seen: set[str | None] = set()
    for item in results:
        if item.key in seen:
            raise ContractBroken(
                f"key {item.key!r} appears in more than one row; each instance "
                f"({', '.join(key_columns)}) must be unique"
            )
        seen.add(item.key)
