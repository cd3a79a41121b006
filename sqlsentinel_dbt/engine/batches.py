"""Evaluate many alerts in one statement, where every query is a job with a fixed cost.

On BigQuery or Snowflake a query costs a job's latency (a second or so) however little it
reads, so 1,000 alerts cost 1,000 jobs. Here up to `batch_size` alerts that share a
timeout go into one statement (macros/engine/batched_alerts_sql.sql): each alert's rows as
JSON text beside its position, combined with UNION ALL. Each alert is then judged on its
own rows exactly as if it had run alone.

What a batch cannot tell is left to the alert running alone, so that one broken alert
still fails alone (docs/performance.md, "Batched evaluation"):
- the batch failed (one alert's SQL is wrong) or ran past the timeout: every alert of it
  runs alone, each with its own timeout;
- an alert returned no rows, so its columns are unknown (a missing `status` column is
  an error, not "no data");
- an alert's row could not be read back (a repeated column name).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlsentinel_dbt.dbt import QueryResult, Warehouse
from sqlsentinel_dbt.engine.alert_query import judge
from sqlsentinel_dbt.engine.anomaly.series import PastValues
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.engine.result import AlertResult

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZES = {"bigquery": 100, "snowflake": 100}
"""Alerts per statement where `batch_size` is not set; elsewhere 1 (one query each)."""

MAX_STATEMENT_CHARS = 500_000
"""A batch ends before its text passes this: BigQuery refuses queries over 1,024 KB."""

# A date or a timestamp as the warehouses write them in JSON: `2024-01-01 10:00:00`
# (DuckDB), `2024-01-01T10:00:00+00:00` (PostgreSQL), `2024-01-01T10:00:00Z` (BigQuery).
_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)


@dataclass(frozen=True)
class Batch:
    """Alerts evaluated by one statement, their queries as sent alone, and their timeout."""

    plans: tuple[PlannedAlert, ...]
    queries: tuple[str, ...]
    timeout: float


Shape = Callable[[PlannedAlert], tuple[str, int]]
"""The SQL an alert sends alone and the most rows needed of it."""


class _RepeatedColumn(ValueError):
    """A row's JSON names a column twice: the alert's columns are judged alone."""


def batch_size_for(adapter_type: str, setting: int | None) -> int:
    """The `batch_size` setting, else the adapter's default (1: no batching)."""
    return setting if setting is not None else DEFAULT_BATCH_SIZES.get(adapter_type, 1)


def batches_of(plans: Iterable[PlannedAlert], size: int, shape: Shape) -> list[Batch]:
    """Split compiled plans into batches of at most `size` alerts of one timeout each.

    Plans keep their order within a batch; a batch also ends before its statement would
    pass MAX_STATEMENT_CHARS. A plan left alone in its batch is in none: it runs alone.
    """
    open_batches: dict[float, list[tuple[PlannedAlert, str]]] = {}
    done: list[Batch] = []

    def close(timeout: float) -> None:
        members = open_batches.pop(timeout)
        if len(members) > 1:
            plans, queries = zip(*members, strict=True)
            done.append(Batch(plans, queries, timeout))

    for plan in plans:
        timeout = plan.declared.alert.timeout
        query = shape(plan)[0]
        members = open_batches.get(timeout, [])
        chars = sum(len(sql) for _, sql in members) + len(query)
        if members and (len(members) >= size or chars > MAX_STATEMENT_CHARS):
            close(timeout)
        open_batches.setdefault(timeout, []).append((plan, query))
    for timeout in list(open_batches):
        close(timeout)
    return done


def run_batch(
    batch: Batch,
    warehouse: Warehouse,
    now: datetime | None = None,
    past_values: PastValues | None = None,
) -> dict[int, list[AlertResult]]:
    """Results of the alerts the batch could judge, by their position in `batch.plans`.

    Never raises. The alerts missing from the answer must run alone: all of them when the
    adapter cannot batch, or the statement failed or timed out.
    """
    started_at = now or datetime.now(UTC)
    queries = list(batch.queries)
    clock = time.perf_counter()
    try:
        statement = warehouse.run_macro("batched_alerts_sql", queries=queries)
        if not statement:  # the adapter has no `sentinel_row_json`
            return {}
        fetched = warehouse.fetch(
            str(statement),
            limit=None,
            timeout=batch.timeout,
            name=f"sentinel:batch of {len(queries)} alerts",
        )
        by_position = _rows_by_position(fetched.rows)
    except Exception as exc:  # any failure: each alert runs alone and meets its own
        logger.info("a batch of %d alerts failed, so each runs alone: %s", len(queries), exc)
        return {}
    duration_ms = round((time.perf_counter() - clock) * 1000)
    judged: dict[int, list[AlertResult]] = {}
    for position, texts in by_position.items():
        if position >= len(batch.plans):
            continue
        try:
            result = rows_from_json(texts)
        except (ValueError, TypeError):  # not readable here: its own query will be
            continue
        judged[position] = judge(
            batch.plans[position], result, started_at, duration_ms, past_values
        )
    return judged


def _rows_by_position(rows: Sequence[tuple[Any, ...]]) -> dict[int, list[str]]:
    by_position: dict[int, list[str]] = {}
    for position, text in rows:
        by_position.setdefault(int(position), []).append(str(text))
    return by_position


def rows_from_json(texts: Sequence[str]) -> QueryResult:
    """The rows of one alert, from the JSON objects its part of a batch returned.

    The columns are the first object's keys, in order. Dates and timestamps come back as
    the driver would have returned them, so instance keys and context match a query run
    alone; the cost is that text which looks exactly like a timestamp does too.
    Raises ValueError for a column named twice, or an object not like the first.
    """
    objects = [json.loads(text, object_pairs_hook=_no_repeats) for text in texts]
    columns = list(objects[0])
    if any(list(row) != columns for row in objects):
        raise ValueError("the rows' columns differ")
    rows = [tuple(_moment(row[name]) for name in columns) for row in objects]
    return QueryResult(columns, rows)


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    row = dict(pairs)
    if len(row) != len(pairs):
        raise _RepeatedColumn("a column name appears twice")
    return row


def _moment(value: Any) -> Any:
    if not isinstance(value, str) or not _MOMENT.fullmatch(value):
        return value
    try:
        return datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    except ValueError:  # 2024-02-30: text after all
        return value
