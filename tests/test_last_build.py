"""After-build awareness: alerts on nodes the last `dbt build` failed or skipped are not run
against stale data but reported as SKIPPED; history carries that build's invocation id."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sqlsentinel_dbt.dbt import dbt_build
from sqlsentinel_dbt.errors import ProjectError
from tests.conftest import Project, cli, drop_pg_schemas, make_project

CHOSEN = "region_revenue_low orders_present customers_without_email"
# What the last build did is read from dbt's artifacts, the same on every warehouse.
pytestmark = pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Project]:
    """The shop, built once cleanly, then rebuilt with stg_orders broken."""
    project = make_project(tmp_path_factory.mktemp("last_build"), "shop", warehouse)
    dbt_build(project.args)
    model = project.root / "models" / "stg_orders.sql"
    model.write_text("select no_such_column from {{ ref('raw_orders') }}")
    with pytest.raises(ProjectError, match="stg_orders"):
        dbt_build(project.args)
    yield project
    if warehouse == "postgres":
        drop_pg_schemas(project.schema)


def dbt_run(project: Project, schema: str, *flags: str) -> dict:  # type: ignore[type-arg]
    variables = f"{{sqlsentinel_schema: {schema}}}"
    result = cli(
        "dbt-run", *project.flags(), "-o", "json", "--select", CHOSEN, "--vars", variables, *flags
    )
    return result.json()  # type: ignore[no-any-return]


def test_alerts_on_failed_or_skipped_nodes_are_skipped_with_the_reason(
    broken_build: Project, sentinel_schema: str
) -> None:
    report = dbt_run(broken_build, sentinel_schema)
    by_alert = {r["alert"]: r for r in report["results"]}
    assert by_alert["customers_without_email"]["status"] == "ALERT"  # reads a source: runs
    orders = by_alert["orders_present"]
    assert orders["status"] == "SKIPPED"
    assert "model.shop.stg_orders was not rebuilt by the last dbt build (error" in orders["error"]
    region = by_alert["region_revenue_low"]  # downstream of the failure: dbt skipped it
    assert region["status"] == "SKIPPED" and "region_revenue" in region["error"]
    assert "(skipped" in region["error"]
    assert report["summary"]["skipped"] == 2

    run_results = json.loads((broken_build.root / "target" / "run_results.json").read_text())
    assert report["invocation_id"] == run_results["metadata"]["invocation_id"]
    history = cli(
        "history",
        "orders_present",
        *broken_build.flags(),
        "-o",
        "json",
        "--vars",
        f"{{sqlsentinel_schema: {sentinel_schema}}}",
    ).json()["history"]
    assert [(r["status"], r["state"], r["invocation_id"]) for r in history] == [
        ("SKIPPED", None, run_results["metadata"]["invocation_id"])
    ]


def test_ignore_last_build_runs_them_anyway(broken_build: Project, sentinel_schema: str) -> None:
    report = dbt_run(broken_build, sentinel_schema, "--ignore-last-build")
    assert "SKIPPED" not in {r["status"] for r in report["results"]}
