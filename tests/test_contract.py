"""The status contract, straight on query results (no warehouse needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from sqlsentinel_dbt.config.models import Alert, Severity
from sqlsentinel_dbt.dbt import QueryResult
from sqlsentinel_dbt.engine.contract import evaluate
from sqlsentinel_dbt.engine.result import AlertResult, Status

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def run(columns: list[str], rows: list[tuple[Any, ...]], **fields: Any) -> list[AlertResult]:
    alert = Alert(name="a", query="q", **fields)
    return evaluate(alert, QueryResult(columns, rows), started_at=NOW, duration_ms=3)


def only(results: list[AlertResult]) -> AlertResult:
    assert len(results) == 1
    return results[0]


@pytest.mark.parametrize(
    ("raw", "status"), [("ALERT", Status.ALERT), ("ok", Status.OK), (" Alert ", Status.ALERT)]
)
def test_status_is_case_insensitive(raw: str, status: Status) -> None:
    assert only(run(["status"], [(raw,)])).status is status


def test_warn_fires_at_warn_severity() -> None:
    result = only(run(["status"], [("WARN",)]))
    assert (result.status, result.severity) == (Status.ALERT, Severity.WARN)


def test_reserved_columns_and_context() -> None:
    result = only(
        run(
            ["STATUS", "Actual_Value", "threshold", "day", "amount"],
            [("ALERT", Decimal("12.5"), 10, date(2026, 11, 20), Decimal("3.10"))],
        )
    )
    assert (result.actual_value, result.threshold) == (12.5, 10.0)
    assert result.context == {"day": "2026-11-20", "amount": 3.1}
    assert (result.started_at, result.duration_ms) == (NOW, 3)


def test_row_severity_overrides_the_alert() -> None:
    assert only(run(["status", "severity"], [("ALERT", "WARN")])).severity is Severity.WARN


@pytest.mark.parametrize(
    ("columns", "rows", "message"),
    [
        (["value"], [(1,)], "no `status` column"),
        (["status"], [("MAYBE",)], "got 'MAYBE'"),
        (["status"], [(None,)], "got None"),
        (["status"], [("OK",), ("ALERT",)], "returned 2 rows but no `key` column"),
        (["key", "status"], [("a", "OK"), ("a", "ALERT")], "key 'a' appears in more than one row"),
        (["status", "actual_value"], [("OK", "lots")], "`actual_value` must be a number"),
        (["status", "severity"], [("OK", "fatal")], "`severity` must be 'warn' or 'error'"),
    ],
)
def test_broken_contract_is_one_error_result(
    columns: list[str], rows: list[tuple[Any, ...]], message: str
) -> None:
    result = only(run(columns, rows))
    assert result.status is Status.ERROR
    assert result.error is not None and message in result.error


def test_multi_row_alerts_fire_per_key() -> None:
    results = run(
        ["key", "status", "actual_value"], [("eu", "OK", 1), ("us", "ALERT", 9), (3, "OK", 0)]
    )
    assert [(r.key, r.status) for r in results] == [
        ("eu", Status.OK),
        ("us", Status.ALERT),
        ("3", Status.OK),
    ]


def test_key_columns_build_the_key() -> None:
    results = run(
        ["region", "plan", "status"],
        [("eu", "pro", "OK"), ("eu", "free", "ALERT")],
        key_columns=["region", "plan"],
    )
    assert [r.key for r in results] == ["region=eu, plan=pro", "region=eu, plan=free"]
    assert results[0].context == {}


@pytest.mark.parametrize(
    ("on_no_data", "status"), [("ok", Status.OK), ("alert", Status.ALERT), ("error", Status.ERROR)]
)
def test_zero_rows_follow_on_no_data(on_no_data: str, status: Status) -> None:
    assert only(run(["status"], [], on_no_data=on_no_data)).status is status


def test_more_rows_than_max_instances_is_an_error() -> None:
    rows = [(str(i), "OK") for i in range(4)]
    result = only(run(["key", "status"], rows, max_instances=3))
    assert result.status is Status.ERROR and "max_instances=3" in (result.error or "")


def test_nan_and_infinity_are_null() -> None:
    result = only(
        run(
            ["status", "actual_value", "threshold", "x"],
            [("OK", float("nan"), float("inf"), float("nan"))],
        )
    )
    assert (result.actual_value, result.threshold, result.context) == (None, None, {"x": None})


def test_decimal_nan_and_infinity_are_null_signalling_nan_too() -> None:
    # float() refuses Decimal('sNaN'): a driver that hands one back must not crash the run.
    result = only(
        run(
            ["status", "actual_value", "threshold", "x", "y"],
            [("ALERT", Decimal("sNaN"), Decimal("-Infinity"), Decimal("sNaN"), Decimal("NaN"))],
        )
    )
    assert (result.status, result.actual_value, result.threshold) == (Status.ALERT, None, None)
    assert result.context == {"x": None, "y": None}
