"""Run planned alerts concurrently on the warehouse; each failure stays with its alert."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlsentinel_dbt.config.models import Mode
from sqlsentinel_dbt.dbt import QueryError, Warehouse
from sqlsentinel_dbt.engine.anomaly.series import PastValues, evaluate_series, rows_needed
from sqlsentinel_dbt.engine.bounded import bounded_sql, without_final_semicolon
from sqlsentinel_dbt.engine.contract import (
    error_result,
    evaluate,
    evaluate_failing_rows,
    failing_rows_sql,
)
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.engine.result import AlertResult, Status

logger = logging.getLogger(__name__)
OnResults = Callable[[PlannedAlert, list[AlertResult]], None]


def run_planned(
    plans: Sequence[PlannedAlert],
    warehouse: Warehouse,
    *,
    threads: int,
    on_results: OnResults | None = None,
    skip: Mapping[str, str] | None = None,
    now: datetime | None = None,
    past_values: PastValues | None = None,
) -> list[AlertResult]:
    """Evaluate every plan on `threads` connections; results come back in plan order.

    Anomaly alerts judge the buckets complete at `now` (default: the clock's time); one
    without a `bucket` column judges its value against `past_values` of its own.

    Alerts named in `skip` are not run; each gets a SKIPPED result with the reason. A
    plan with `recorded` results (a check dbt already ran) is not run: those are its results.
    """
    skip = skip or {}
    pool = warehouse.thread_pool("alerts", max(1, threads))
    futures = [
        None
        if plan.recorded is not None
        else pool.submit(_skipped, plan, skip[plan.name])
        if plan.name in skip
        else pool.submit(run_one, plan, warehouse, now, past_values)
        for plan in plans
    ]
    results: list[AlertResult] = []
    for plan, future in zip(plans, futures, strict=True):
        outcome = list(plan.recorded or ()) if future is None else future.result()
        if on_results is not None:
            on_results(plan, outcome)
        results += outcome
    return results


def run_one(
    plan: PlannedAlert,
    warehouse: Warehouse,
    now: datetime | None = None,
    past_values: PastValues | None = None,
) -> list[AlertResult]:
    """Evaluate one alert; never raises: any failure is an ERROR result for this alert."""
    alert = plan.declared.alert
    # The run's clock when it has one (a daemon's tick, a test's), so that history and the
    # buckets of anomaly alerts agree with it.
    started_at = now or datetime.now(UTC)
    clock = time.perf_counter()
    base = AlertResult(alert.name, Status.ERROR, alert.severity, started_at=started_at)
    if plan.compiled is None or plan.compile_error:
        return [error_result(base, plan.compile_error or "not compiled")]
    failing_rows = alert.mode is Mode.FAILING_ROWS
    series = alert.mode is Mode.ANOMALY
    # One more than allowed tells "too many" apart.
    needed = (rows_needed(alert) if series else alert.max_instances) + 1
    # As macros/engine/_evaluate_alert.sql shapes it: without its final semicolon, then
    # counted (failing_rows) or bounded.
    inner = without_final_semicolon(plan.compiled.sql, warehouse.adapter_type)
    sql = (
        failing_rows_sql(inner)
        if failing_rows
        else bounded_sql(inner, needed, warehouse.adapter_type)
    )
    try:
        fetched = warehouse.fetch(
            sql,
            limit=needed,
            timeout=alert.timeout,
            name=f"sentinel:{alert.name}",
        )
    except QueryError as exc:
        return [_timed(error_result(base, f"query failed: {exc}"), clock)]
    except Exception as exc:  # isolation: one alert's surprise must not end the run
        logger.exception("alert %s failed unexpectedly", alert.name)
        return [_timed(error_result(base, f"{type(exc).__name__}: {exc}"), clock)]
    duration_ms = _elapsed_ms(clock)
    try:
        if series:
            return evaluate_series(
                alert,
                fetched,
                now=started_at,
                started_at=started_at,
                duration_ms=duration_ms,
                past_values=past_values,
            )
        judge = evaluate_failing_rows if failing_rows else evaluate
        return judge(alert, fetched, started_at=started_at, duration_ms=duration_ms)
    except Exception as exc:  # isolation: judging (and reading an anomaly's past) included
        logger.exception("alert %s could not be judged", alert.name)
        return [_timed(error_result(base, f"{type(exc).__name__}: {exc}"), clock)]


def _skipped(plan: PlannedAlert, reason: str) -> list[AlertResult]:
    alert = plan.declared.alert
    started_at = datetime.now(UTC)
    return [
        AlertResult(alert.name, Status.SKIPPED, alert.severity, error=reason, started_at=started_at)
    ]


def _timed(result: AlertResult, clock: float) -> AlertResult:
    return replace(result, duration_ms=_elapsed_ms(clock))


def _elapsed_ms(clock: float) -> int:
    return round((time.perf_counter() - clock) * 1000)
