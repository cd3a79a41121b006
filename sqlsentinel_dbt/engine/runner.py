"""Run planned alerts concurrently on the warehouse; each failure stays with its alert."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, datetime

from sqlsentinel_dbt.dbt import QueryError, Warehouse
from sqlsentinel_dbt.engine.alert_query import judge, shaped_query
from sqlsentinel_dbt.engine.anomaly.series import PastValues
from sqlsentinel_dbt.engine.batches import Batch, batches_of, run_batch
from sqlsentinel_dbt.engine.contract import error_result
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
    batch_size: int = 1,
) -> list[AlertResult]:
    """Evaluate every plan on `threads` connections; results come back in plan order.

    Anomaly alerts judge the buckets complete at `now` (default: the clock's time); one
    without a `bucket` column judges its value against `past_values` of its own.

    Alerts named in `skip` are not run; each gets a SKIPPED result with the reason. A
    plan with `recorded` results (a check dbt already ran) is not run: those are its results.
    With `batch_size` over 1, up to that many alerts go into one statement
    (engine/batches.py); an alert the batch could not judge runs alone.
    """
    skip = skip or {}
    pool = warehouse.thread_pool("alerts", max(1, threads))

    def alone(plan: PlannedAlert) -> Future[list[AlertResult]]:
        return pool.submit(run_one, plan, warehouse, now, past_values)

    batched: dict[int, _BatchRun] = {}
    if batch_size > 1:
        compiled = [
            p
            for p in plans
            if p.recorded is None and p.name not in skip and p.compiled and not p.compile_error
        ]
        adapter_type = warehouse.adapter_type
        for batch in batches_of(compiled, batch_size, lambda p: shaped_query(p, adapter_type)):
            run = _BatchRun(batch, pool.submit(run_batch, batch, warehouse, now, past_values))
            batched.update((id(plan), run) for plan in batch.plans)
    futures = {
        id(plan): pool.submit(_skipped, plan, skip[plan.name]) if plan.name in skip else alone(plan)
        for plan in plans
        if plan.recorded is None and id(plan) not in batched
    }
    results: list[AlertResult] = []
    for plan in plans:
        if plan.recorded is not None:
            outcome = list(plan.recorded)
        elif id(plan) in batched:
            outcome = batched[id(plan)].results_of(plan, alone)
        else:
            outcome = futures[id(plan)].result()
        if on_results is not None:
            on_results(plan, outcome)
        results += outcome
    return results


class _BatchRun:
    """A batch under way, and the alerts of it that had to run alone."""

    def __init__(self, batch: Batch, judged: Future[dict[int, list[AlertResult]]]) -> None:
        self.batch = batch
        self.judged = judged
        self.alone: dict[int, Future[list[AlertResult]]] | None = None

    def results_of(
        self, plan: PlannedAlert, alone: Callable[[PlannedAlert], Future[list[AlertResult]]]
    ) -> list[AlertResult]:
        """The plan's results from the batch; or, when it could not judge them, alone.

        The first time the batch's answer is looked at, every alert it left unjudged is
        sent off alone at once, so they run side by side rather than one after another.
        """
        judged = self.judged.result()
        position = self.batch.plans.index(plan)
        if position in judged:
            return judged[position]
        if self.alone is None:
            self.alone = {
                at: alone(member) for at, member in enumerate(self.batch.plans) if at not in judged
            }
        return self.alone[position].result()


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
    sql, needed = shaped_query(plan, warehouse.adapter_type)
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
    return judge(plan, fetched, started_at, _elapsed_ms(clock), past_values)


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
