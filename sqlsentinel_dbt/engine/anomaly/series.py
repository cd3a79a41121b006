"""`mode: anomaly`: an alert query's rows as one series per key, each judged into a result.

The rows carry `bucket` (a date or timestamp), `actual_value` and optionally `key` (or the
alert's `key_columns`); other columns are context, taken from the row reported. Each key's
result is ALERT when a bucket of the detection period is anomalous (the latest such bucket
is reported), else OK with its latest bucket; either way its context says the expected
value, the range and the score (docs/anomalies.md). Whatever breaks the contract is an
ERROR result for the alert, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlsentinel_dbt.config.anomaly import AnomalySettings, MissingBuckets
from sqlsentinel_dbt.config.models import Alert, OnNoData
from sqlsentinel_dbt.dbt import QueryResult
from sqlsentinel_dbt.engine.anomaly.buckets import to_bucket
from sqlsentinel_dbt.engine.anomaly.detector import Judgement, Point, Verdict, judge
from sqlsentinel_dbt.engine.contract import (
    ContractBroken,
    column_index,
    error_result,
    key_columns_of,
    key_of,
)
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.engine.values import ValueProblem, to_json_value, to_number

BUCKET = "bucket"
PastValues = Callable[[str, datetime], list[tuple[str | None, datetime, float]]]
"""What an alert recorded since a moment: (key, when, value), oldest first (the history)."""
_HIDDEN = ("bucket", "actual_value", "status", "threshold", "key", "severity")


def window_buckets(settings: AnomalySettings) -> int:
    """How many buckets a key's series needs: training, detection and the one under way."""
    seconds = settings.training_seconds + settings.detection_seconds
    return math.ceil(seconds / settings.bucket_seconds) + 1


def rows_needed(alert: Alert) -> int:
    """The most rows an anomaly query may return: a window of buckets per instance."""
    return alert.max_instances * window_buckets(alert.anomaly_settings)


def evaluate_series(
    alert: Alert,
    result: QueryResult,
    *,
    now: datetime,
    started_at: datetime,
    duration_ms: int,
    past_values: PastValues | None = None,
) -> list[AlertResult]:
    """A result per key of the series in `result`, judged at `now` (aware or naive UTC).

    A result without a `bucket` column is one value per key at `now`, judged against the
    values the alert recorded before (`past_values`).
    """
    base = AlertResult(
        alert.name, Status.OK, alert.severity, started_at=started_at, duration_ms=duration_ms
    )
    try:
        index = column_index(result.columns)
        if BUCKET not in index and "actual_value" in index and past_values is not None:
            return _points_in_time(alert, result, base, _naive_utc(now), past_values)
        return _evaluate(alert, result, base, _naive_utc(now))
    except (ContractBroken, ValueProblem) as exc:
        return [error_result(base, str(exc))]


def _evaluate(
    alert: Alert, result: QueryResult, base: AlertResult, now: datetime
) -> list[AlertResult]:
    index = column_index(result.columns)
    missing = [c for c in (BUCKET, "actual_value") if c not in index]
    if missing:
        raise ContractBroken(
            f"an anomaly query returns `bucket` and `actual_value` (and optionally `key`), "
            f"one row per key and bucket; it returned {', '.join(result.columns) or 'none'}"
        )
    if not result.rows:
        return [_not_judged(alert, base, "the query returned no rows")]
    if len(result.rows) > rows_needed(alert):
        raise ContractBroken(
            f"the query returned more than {rows_needed(alert)} rows (max_instances times "
            f"the {window_buckets(alert.anomaly_settings)} buckets judged); return only "
            "the buckets of the training and detection periods"
        )
    key_columns = key_columns_of(alert, index, row_count=1)
    settings = alert.anomaly_settings
    series: dict[str | None, dict[datetime, tuple[float, tuple[Any, ...]]]] = {}
    for row in result.rows:
        bucket = _bucket(row[index[BUCKET]], settings)
        value = to_number(row[index["actual_value"]], "actual_value")
        if bucket is None or value is None:
            continue  # a bucket without a value is a bucket missing
        points = series.setdefault(key_of(row, index, key_columns), {})
        if bucket in points:
            raise ContractBroken(
                f"two rows for bucket {bucket:%Y-%m-%d %H:%M} of key "
                f"{key_of(row, index, key_columns)!r}; return one row per key and bucket"
            )
        points[bucket] = (value, row)
    if len(series) > alert.max_instances:
        raise ContractBroken(
            f"the query returned more than max_instances={alert.max_instances} keys; "
            "aggregate it, or raise max_instances"
        )
    hidden = set(_HIDDEN) | set(key_columns)
    return [
        _judged(alert, base, key, points, now, index, hidden) for key, points in series.items()
    ] or [_not_judged(alert, base, "no row had both a bucket and a value")]


def _points_in_time(
    alert: Alert, result: QueryResult, base: AlertResult, now: datetime, past: PastValues
) -> list[AlertResult]:
    """Each key's value now, as the newest bucket of the series its past values make."""
    if not result.rows:
        return [_not_judged(alert, base, "the query returned no rows")]
    if len(result.rows) > alert.max_instances:
        raise ContractBroken(
            f"the query returned more than max_instances={alert.max_instances} rows; "
            "aggregate it, or raise max_instances"
        )
    index = column_index(result.columns)
    key_columns = key_columns_of(alert, index, len(result.rows))
    # The bucket under way holds the value now; it is judged as if it were complete.
    settings = alert.anomaly_settings.model_copy(
        update={"detection_period": alert.anomaly_settings.bucket_seconds}
    )
    current = to_bucket(now, settings.time_bucket)
    since = training_start(settings, current) - timedelta(seconds=settings.bucket_seconds)
    series: dict[str | None, dict[datetime, tuple[float, tuple[Any, ...]]]] = {}
    for key, moment, value in past(alert.name, since.replace(tzinfo=UTC)):
        points = series.setdefault(key, {})
        points[to_bucket(_naive_utc(moment), settings.time_bucket)] = (value, ())
    judged: dict[str | None, dict[datetime, tuple[float, tuple[Any, ...]]]] = {}
    for row in result.rows:
        key = key_of(row, index, key_columns)
        latest = to_number(row[index["actual_value"]], "actual_value")
        if key in judged:
            raise ContractBroken(f"key {key!r} appears in more than one row")
        judged[key] = {b: p for b, p in series.get(key, {}).items() if b < current}
        if latest is not None:
            judged[key][current] = (latest, row)
        else:  # no value now: nothing to judge, and nothing from the past is recorded as now
            judged[key] = {}
    pointed = alert.model_copy(update={"anomaly": settings})
    hidden = set(_HIDDEN) | set(key_columns)
    step = timedelta(seconds=settings.bucket_seconds)
    return [
        _judged(pointed, base, key, points, current + step, index, hidden)
        for key, points in judged.items()
    ]


def _judged(
    alert: Alert,
    base: AlertResult,
    key: str | None,
    points: dict[datetime, tuple[float, tuple[Any, ...]]],
    now: datetime,
    index: dict[str, int],
    hidden: set[str],
) -> AlertResult:
    settings = alert.anomaly_settings
    series = [Point(b, v) for b, (v, _) in points.items()]
    if settings.missing_buckets is MissingBuckets.ZERO:
        series = zero_filled(series, settings, now)
    judgement = judge(series, settings, now)
    if not judgement.verdicts:
        # The newest value still goes into the history: a value without buckets learns from it.
        newest = points[max(points)][0] if points else None
        not_judged = _not_judged(alert, base, judgement.reason or "not judged")
        return replace(not_judged, key=key, actual_value=newest)
    reported = (judgement.anomalies or judgement.verdicts)[-1]
    row = points[reported.bucket][1] if reported.bucket in points else ()
    context = {n: to_json_value(row[i]) for n, i in index.items() if row and n not in hidden}
    context.update(explanation(reported, judgement))
    if settings.unit:
        context["unit"] = settings.unit
    return replace(
        base,
        key=key,
        status=Status.ALERT if judgement.anomalies else Status.OK,
        actual_value=reported.value,
        threshold=_short(reported.upper if reported.value >= reported.expected else reported.lower),
        context=context,
    )


def explanation(verdict: Verdict, judgement: Judgement) -> dict[str, Any]:
    """What a result's context says of the bucket reported (docs/anomalies.md)."""
    return {
        "bucket": verdict.bucket.isoformat(),
        "expected": _short(verdict.expected),
        "lower": _short(verdict.lower),
        "upper": _short(verdict.upper),
        "score": round(_short(verdict.score), 2),
        "season": verdict.season,
        "training_buckets": judgement.training_buckets,
        "anomalous_buckets": [v.bucket.isoformat() for v in judgement.anomalies],
    }


def _not_judged(alert: Alert, base: AlertResult, reason: str) -> AlertResult:
    """No verdict (no rows, too little history): as `on_no_data` says, with the reason."""
    base = replace(base, no_data=True, context={"reason": reason})
    if alert.on_no_data is OnNoData.ALERT:
        return replace(base, status=Status.ALERT)
    if alert.on_no_data is OnNoData.ERROR:
        return error_result(base, f"not judged: {reason} (on_no_data: error)")
    return base


def _bucket(value: Any, settings: AnomalySettings) -> datetime | None:
    """The bucket start of a `bucket` cell, naive UTC; None for NULL."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueProblem(f"`bucket` must be a date or timestamp, got {value!r}") from None
    if isinstance(value, datetime):
        return to_bucket(_naive_utc(value), settings.time_bucket)
    if isinstance(value, date):
        return to_bucket(value, settings.time_bucket)
    raise ValueProblem(f"`bucket` must be a date or timestamp, got {value!r}")


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _short(number: float) -> float:
    """Six significant digits: enough to read, and the same on every warehouse.

    A range beyond what a float holds (values near 1e308) cannot be judged: ValueProblem.
    """
    if not math.isfinite(number):
        raise ValueProblem("the values are too large to judge: their expected range overflows")
    return float(f"{number:.6g}")


def zero_filled(points: list[Point], settings: AnomalySettings, now: datetime) -> list[Point]:
    """The points, with a 0 for each missing bucket the judgement reads.

    From the first bucket the series has (or the training period's first, if later) to the
    last complete one; a series with no points stays empty.
    """
    if not points:
        return points
    step = timedelta(seconds=settings.bucket_seconds)
    end = to_bucket(_naive_utc(now), settings.time_bucket)
    present = {p.bucket: p for p in points}
    bucket, filled = max(min(present), training_start(settings, now)), []
    while bucket < end:
        filled.append(present.get(bucket) or Point(bucket, 0.0))
        bucket += step
    return filled + [p for p in points if p.bucket >= end]


def training_start(settings: AnomalySettings, now: datetime) -> datetime:
    """When the oldest bucket a judgement at `now` reads starts."""
    end = to_bucket(_naive_utc(now), settings.time_bucket)
    return end - timedelta(seconds=settings.training_seconds + settings.detection_seconds)
