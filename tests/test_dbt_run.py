"""`sentinel dbt-run` end to end on the shop project, on DuckDB and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sqlsentinel_dbt.cli import app
from tests.conftest import Project, cli


def run_json(shop: Project, schema: str, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = cli(
        "dbt-run",
        *shop.flags(),
        "--output",
        "json",
        "--vars",
        f"{{sqlsentinel_schema: {schema}}}",
        *extra,
    )
    return result.exit_code, result.json()


def by_instance(document: dict) -> dict[tuple[str, str | None], dict]:  # type: ignore[type-arg]
    return {(r["alert"], r["key"]): r for r in document["results"]}


def test_every_kind_of_alert_gets_the_right_result(shop: Project, sentinel_schema: str) -> None:
    code, document = run_json(shop, sentinel_schema)
    results = by_instance(document)

    assert code == 1  # firing errors and broken alerts fail the run
    assert results[("orders_present", None)]["status"] == "OK"
    assert results[("orders_present", None)]["actual_value"] == 7

    revenue = results[("revenue_below_target", None)]
    assert (revenue["status"], revenue["threshold"]) == ("ALERT", 1000)
    assert revenue["actual_value"] == pytest.approx(609.74)
    assert revenue["context"] == {"target_name": "ci"}

    assert results[("region_revenue_low", "eu")]["status"] == "OK"  # 300.49 >= 250
    assert results[("region_revenue_low", "us")]["status"] == "OK"  # 300 >= 200
    apac = results[("region_revenue_low", "apac")]
    assert (apac["status"], apac["threshold"], apac["context"]) == ("ALERT", 100, {"orders": 2})

    email = results[("customers_without_email", None)]
    assert (email["status"], email["severity"], email["actual_value"]) == ("ALERT", "warn", 2)

    meta = results[("orders_negative_amount", None)]
    assert (meta["status"], meta["severity"], meta["actual_value"]) == ("ALERT", "warn", 1)

    assert results[("env_limit", None)]["status"] == "OK"
    assert ("disabled_alert", None) not in results

    assert "no `status` column" in results[("broken_no_status", None)]["error"]
    assert "no_such_column" in results[("broken_sql", None)]["error"]
    assert "no_such_macro" in results[("broken_jinja", None)]["error"]
    assert "'MAYBE'" in results[("broken_status_value", None)]["error"]
    assert {r["status"] for k, r in results.items() if k[0].startswith("broken")} == {"ERROR"}

    cheap = results[("cheap_orders", None)]  # failing_rows: one order below 0
    assert (cheap["status"], cheap["severity"], cheap["actual_value"]) == ("ALERT", "warn", 1)
    assert document["summary"] == {"total": 16, "alerting": 5, "ok": 7, "errors": 4, "skipped": 0}


def test_vars_and_env_vars_reach_the_queries(
    shop: Project, sentinel_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_ORDER_LIMIT", "3")
    result = cli(
        "dbt-run",
        *shop.flags(),
        "-o",
        "json",
        "--select",
        "revenue_below_target env_limit",
        "--vars",
        f"{{sqlsentinel_schema: {sentinel_schema}, revenue_target: 10}}",
    )
    results = by_instance(result.json())
    assert results[("revenue_below_target", None)]["status"] == "OK"
    assert results[("revenue_below_target", None)]["threshold"] == 10
    assert results[("env_limit", None)]["status"] == "ALERT"
    assert results[("env_limit", None)]["threshold"] == 3


def test_history_is_appended_and_read_back(shop: Project, sentinel_schema: str) -> None:
    _, first = run_json(shop, sentinel_schema, "--select", "tag:finance")
    _, second = run_json(shop, sentinel_schema, "--select", "tag:finance")
    history = cli(
        "history",
        "region_revenue_low",
        "--limit",
        "10",
        *shop.flags(),
        "-o",
        "json",
        "--vars",
        f"{{sqlsentinel_schema: {sentinel_schema}}}",
    ).json()["history"]

    assert len(history) == 6  # 3 regions x 2 runs
    assert {row["run_id"] for row in history} == {first["run_id"], second["run_id"]}
    apac = [row for row in history if row["alert_key"] == "apac"]
    assert [row["status"] for row in apac] == ["ALERT", "ALERT"]
    assert apac[0]["actual_value"] == pytest.approx(9.25)
    assert apac[0]["context"] == {"orders": 2}
    assert apac[0]["project_name"] == "shop"
    assert apac[0]["invocation_id"] == second["invocation_id"]


def test_dry_run_writes_no_history(shop: Project, sentinel_schema: str) -> None:
    code, document = run_json(shop, sentinel_schema, "--select", "orders_present", "--dry-run")
    assert (code, document["dry_run"], document["summary"]["ok"]) == (0, True, 1)
    history = cli(
        "history",
        *shop.flags(),
        "-o",
        "json",
        "--vars",
        f"{{sqlsentinel_schema: {sentinel_schema}}}",
    )
    assert history.json() == {"history": []}


def test_exit_codes_follow_fail_on(shop: Project, sentinel_schema: str) -> None:
    warn_only = ["--select", "customers_without_email"]
    assert run_json(shop, sentinel_schema, *warn_only)[0] == 0  # default --fail-on error
    assert run_json(shop, sentinel_schema, *warn_only, "--fail-on", "warn")[0] == 1
    assert (
        run_json(shop, sentinel_schema, "--select", "revenue_below_target", "--fail-on", "never")[0]
        == 0
    )
    assert run_json(shop, sentinel_schema, "--select", "broken_sql", "--fail-on", "never")[0] == 1


def test_selection_by_dbt_node_selects_dependent_alerts(
    shop: Project, sentinel_schema: str
) -> None:
    def selected(*flags: str) -> set[str]:
        return {
            r["alert"] for r in run_json(shop, sentinel_schema, "--dry-run", *flags)[1]["results"]
        }

    assert selected("--select", "region_revenue") == {"region_revenue_low"}
    # +region_revenue also selects its parents stg_orders and raw_orders, and their alerts.
    assert selected("--select", "+region_revenue", "--exclude", "tag:broken") == {
        "region_revenue_low",
        "orders_present",
        "revenue_below_target",
        "orders_negative_amount",
        "busy_regions",
        "cheap_orders",
    }
    assert selected("--select", "source:crm") == {"customers_without_email"}
    assert selected("--select", "tag:quality") == {
        "customers_without_email",
        "orders_negative_amount",
    }
    assert selected("--select", "tag:finance,region_revenue") == {"region_revenue_low"}


def test_text_output_is_a_table_with_a_summary(shop: Project, sentinel_schema: str) -> None:
    result = cli(
        "dbt-run",
        *shop.flags(),
        "--select",
        "tag:finance",
        "--dry-run",
        "--vars",
        f"{{sqlsentinel_schema: {sentinel_schema}}}",
    )
    assert "revenue_below_target" in result.stdout
    assert "4 results: 2 alerting, 2 ok, 0 errors" in result.stdout
    assert result.exit_code == 1


def test_json_output_keeps_stdout_clean(shop: Project, sentinel_schema: str) -> None:
    result = cli(
        "--log-level",
        "debug",
        "dbt-run",
        *shop.flags(),
        "-o",
        "json",
        "--select",
        "orders_present",
        "--vars",
        f"{{sqlsentinel_schema: {sentinel_schema}}}",
    )
    document = json.loads(result.stdout)  # dbt's debug logs went to stderr, not stdout
    assert set(document) == {
        "run_id",
        "invocation_id",
        "dry_run",
        "results",
        "missing",
        "summary",
        "notifications",
        "decisions",
        "delivery",
        "already_recorded",
        "problems",
    }
    assert set(document["results"][0]) == {
        "alert",
        "key",
        "status",
        "severity",
        "actual_value",
        "threshold",
        "state",
        "error",
        "context",
        "duration_ms",
        "dbt_node",
        "owner",
        "tags",
    }
    assert "Registered adapter" in result.stderr


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # parsing, not the warehouse
def test_select_takes_every_form_dbt_takes(shop: Project, sentinel_schema: str) -> None:
    def selected(command: str, *flags: str) -> list[str]:
        if command == "list":
            result = cli("list", *shop.flags(), "-o", "json", *flags)
            assert result.exit_code == 0, result.stderr
            return sorted(a["name"] for a in result.json()["alerts"])
        _, document = run_json(shop, sentinel_schema, "--dry-run", *flags)
        return sorted({r["alert"] for r in document["results"]})

    union = ["env_limit", "orders_present", "region_revenue_low"]
    for command in ("list", "dbt-run"):
        assert (
            selected(command, "--select", "orders_present", "env_limit", "region_revenue") == union
        )
    assert selected("list", "-s", "orders_present", "-s", "env_limit region_revenue") == union
    assert selected("list", "--select=orders_present", "env_limit", "-s", "region_revenue") == union
    chosen = ["--select", "tag:finance", "orders_present", "--exclude", "region_revenue", "cheap_*"]
    assert selected("list", *chosen) == ["orders_present", "revenue_below_target"]


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_a_term_that_selects_nothing_is_a_usage_error_unless_allowed(
    shop: Project, sentinel_schema: str
) -> None:
    for command in ("list", "dbt-run"):
        result = cli(command, *shop.flags(), "--select", "tag:finance", "tag:finanse")
        assert result.exit_code == 2, (command, result.stdout)
        assert "--select 'tag:finanse' matches no alert (did you mean 'tag:finance'?)" in (
            result.stderr
        )
        assert "--allow-empty-selection" in result.stderr
    excluded = cli("dbt-run", *shop.flags(), "--exclude", "orders_presnet", "--dry-run")
    assert excluded.exit_code == 2 and "--exclude 'orders_presnet'" in excluded.stderr

    code, document = run_json(
        shop, sentinel_schema, "-s", "nothing_here", "--allow-empty-selection"
    )
    assert (code, document["results"]) == (0, [])
    refused = cli("list", *shop.flags(), "--select", "no_such_method:x", "--allow-empty-selection")
    assert refused.exit_code == 2 and "'no_such_method:x' is not a selector" in refused.stderr
    help_text = CliRunner().invoke(app, ["dbt-run", "--help"], env={"COLUMNS": "200"}).output
    assert "--allow-empty-selection" in help_text and "matches no alert is an error" in help_text
