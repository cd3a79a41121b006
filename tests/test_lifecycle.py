"""Alert state carried from run to run through the history table, on DuckDB and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Project, cli, run_args


def run(shop: Project, schema: str, **variables: Any) -> dict[str, Any]:
    result = cli(*run_args(shop, schema, "tag:lifecycle", **variables))
    assert result.exit_code in (0, 1), result.stderr
    return result.json()  # type: ignore[no-any-return]


def states(document: dict[str, Any]) -> dict[str | None, str]:
    return {r["key"]: r["state"] for r in document["results"] if r["alert"] == "busy_regions"}


def test_state_is_carried_between_runs_through_history(shop: Project, sentinel_schema: str) -> None:
    busy = {"orders_limit": 1}  # every region has 2 or 3 orders
    first = run(shop, sentinel_schema, **busy)
    assert states(first) == {"eu": "pending", "us": "pending", "apac": "pending"}
    assert states(run(shop, sentinel_schema, **busy)) == dict.fromkeys(
        ["eu", "us", "apac"], "firing"
    )

    # An error keeps every state: the next ALERT run finds them firing, not pending.
    broken = run(shop, sentinel_schema, **busy, break_it="true")
    assert [r["status"] for r in broken["results"] if r["alert"] == "busy_regions"] == ["ERROR"]
    assert states(run(shop, sentinel_schema, **busy)) == dict.fromkeys(
        ["eu", "us", "apac"], "firing"
    )

    # us and apac vanish from the result: firing for one more run, then resolved.
    once = run(shop, sentinel_schema, **busy, only_region="eu")
    assert {(m["key"], m["state"]) for m in once["missing"]} == {
        ("us", "firing"),
        ("apac", "firing"),
    }
    twice = run(shop, sentinel_schema, **busy, only_region="eu")
    assert {(m["key"], m["state"]) for m in twice["missing"]} == {("us", "ok"), ("apac", "ok")}
    assert run(shop, sentinel_schema, **busy, only_region="eu")["missing"] == []

    history = cli(
        "history",
        "busy_regions",
        "--limit",
        "50",
        *shop.flags(),
        "-o",
        "json",
        "--vars",
        f"{{sqlsentinel_schema: {sentinel_schema}}}",
    ).json()["history"]
    us = [
        (row["status"], row["state"], row["state_count"])
        for row in history
        if row["alert_key"] == "us"
    ]
    assert us[:2] == [("MISSING", "ok", 0), ("MISSING", "firing", 1)]
    assert [row["state"] for row in history if row["status"] == "ERROR"] == [None]


@pytest.mark.parametrize(
    ("min_amount", "status", "severity", "failures", "threshold"),
    [(-10, "OK", "error", 0, 3), (0, "ALERT", "warn", 1, 0), (100, "ALERT", "error", 5, 3)],
)
def test_failing_rows_mode_counts_rows_like_dbt_test(
    shop: Project,
    sentinel_schema: str,
    min_amount: int,
    status: str,
    severity: str,
    failures: int,
    threshold: int,
) -> None:
    document = run(shop, sentinel_schema, min_amount=min_amount)
    [result] = [r for r in document["results"] if r["alert"] == "cheap_orders"]
    assert (result["status"], result["severity"]) == (status, severity)
    assert (result["actual_value"], result["threshold"]) == (failures, threshold)


OLD_COLUMNS = (
    "run_id text, invocation_id text, project_name text, target_name text, alert_name text, "
    "alert_key text, status text, state text, severity text, actual_value double precision, "
    "threshold double precision, context text, error text, started_at timestamp, "
    "duration_ms bigint"
)


def execute(shop: Project, sql: str) -> None:
    if shop.warehouse == "duckdb":
        import duckdb

        with duckdb.connect(str(shop.root / "warehouse.duckdb")) as connection:
            connection.execute(sql)
    else:
        import psycopg2

        from tests.conftest import PG

        with psycopg2.connect(**PG) as connection, connection.cursor() as cursor:
            cursor.execute(sql)


def test_a_history_table_from_an_older_version_gains_the_new_columns(
    shop: Project, sentinel_schema: str
) -> None:
    execute(shop, f"create schema {sentinel_schema}")
    execute(shop, f"create table {sentinel_schema}.sentinel_alert_history ({OLD_COLUMNS})")
    assert states(run(shop, sentinel_schema, orders_limit=1))["eu"] == "pending"
    assert states(run(shop, sentinel_schema, orders_limit=1))["eu"] == "firing"
