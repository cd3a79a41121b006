"""One alert's query as it is sent, and its results from the rows it returned.

Both engines' paths share these: an alert run alone (engine/runner.py) and one of a
batch (engine/batches.py).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlsentinel_dbt.config.models import Mode
from sqlsentinel_dbt.dbt import QueryResult
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


def shaped_query(plan: PlannedAlert, adapter_type: str) -> tuple[str, int]:
    """The SQL sent for a compiled plan, and the most rows the run needs of it.

    As macros/engine/_evaluate_alert.sql shapes it: without its final semicolon, then
    counted (failing_rows) or bounded to one row more than allowed, which tells "too many"
    apart.
    """
    assert plan.compiled is not None
    alert = plan.declared.alert
    needed = (rows_needed(alert) if alert.mode is Mode.ANOMALY else alert.max_instances) + 1
    inner = without_final_semicolon(plan.compiled.sql, adapter_type)
    if alert.mode is Mode.FAILING_ROWS:
        return failing_rows_sql(inner), needed
    return bounded_sql(inner, needed, adapter_type), needed


def judge(
    plan: PlannedAlert,
    fetched: QueryResult,
    started_at: datetime,
    duration_ms: int,
    past_values: PastValues | None = None,
) -> list[AlertResult]:
    """Results from the rows an alert's query returned; never raises."""
    alert = plan.declared.alert
    try:
        if alert.mode is Mode.ANOMALY:
            return evaluate_series(
                alert,
                fetched,
                now=started_at,
                started_at=started_at,
                duration_ms=duration_ms,
                past_values=past_values,
            )
        if alert.mode is Mode.FAILING_ROWS:
            return evaluate_failing_rows(
                alert, fetched, started_at=started_at, duration_ms=duration_ms
            )
        return evaluate(alert, fetched, started_at=started_at, duration_ms=duration_ms)
    except Exception as exc:  # isolation: judging (and reading an anomaly's past) included
        logger.exception("alert %s could not be judged", alert.name)
        base = AlertResult(
            alert.name, Status.ERROR, alert.severity, started_at=started_at, duration_ms=duration_ms
        )
        return [error_result(base, f"{type(exc).__name__}: {exc}")]
