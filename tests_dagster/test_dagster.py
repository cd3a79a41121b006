"""The alerts as Dagster asset checks, run by Dagster in-process on DuckDB.

dagster-dbt builds the shop project's assets (`dbt build`, through its DbtCliResource);
sqlsentinel's checks then run on them, one per alert that reads one dbt asset, with
severities mapped and history written as `sentinel dbt-run` writes it; then one check
alone; then the documented example through Dagster's CLI.
"""

# No `from __future__ import annotations`: Dagster reads the `context` annotation itself.

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    materialize,
)
from dagster_dbt import DbtCliResource, dbt_assets

from sqlsentinel_dbt.orchestrators.dagster import sentinel_asset_checks, unmapped_alerts
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import Project, make_project

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
WARNING = """
alerts:
  - name: orders-few  # a name Dagster would not take as it is
    severity: warn
    query: >-
      select 'ALERT' as status, count(*) as actual_value, 100 as threshold
      from {{ ref('stg_orders') }}
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = make_project(tmp_path_factory.mktemp("dagster"), "shop", "duckdb")
    (project.root / "alerts" / "warning.yml").write_text(WARNING)
    flags = ["--project-dir", str(project.root), "--profiles-dir", str(project.root)]
    parsed = subprocess.run([str(BIN / "dbt"), "parse", *flags], capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stdout  # the manifest dagster-dbt reads
    return project


def test_the_alerts_run_as_asset_checks_after_dagster_builds_the_dbt_assets(
    shop: Project,
) -> None:
    manifest = shop.root / "target" / "manifest.json"

    @dbt_assets(manifest=manifest)
    def shop_assets(context: AssetExecutionContext, dbt: DbtCliResource) -> Any:
        yield from dbt.cli(["build"], context=context).stream()

    checks = sentinel_asset_checks(manifest, project_dir=shop.root)
    dbt = DbtCliResource(
        project_dir=str(shop.root), profiles_dir=str(shop.root), dbt_executable=str(BIN / "dbt")
    )
    result = materialize([shop_assets, checks], resources={"dbt": dbt}, raise_on_error=False)
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    # An alert on a model checks that model's asset.
    assert evaluations["revenue_below_target"].asset_key == AssetKey(["stg_orders"])
    assert evaluations["region_revenue_low"].asset_key == AssetKey(["region_revenue"])
    # Firing: failed, with the alert's severity; quiet: passed.
    firing = evaluations["revenue_below_target"]
    assert (firing.passed, firing.severity) == (False, AssetCheckSeverity.ERROR)
    assert evaluations["orders_present"].passed is True
    warned = evaluations["orders_few"]
    assert (warned.passed, warned.severity) == (False, AssetCheckSeverity.WARN)
    assert warned.metadata["actual_value"].value > 0 and warned.metadata["threshold"].value == 100
    # Alerts that read no single built node (a source, or nothing) check no asset.
    unmapped = set(unmapped_alerts(shop.args))
    assert "customers_without_email" in unmapped and not unmapped & set(evaluations)
    # They ran as `sentinel dbt-run` runs them: their history is in the warehouse.
    before = runs_by_alert(shop)
    assert set(evaluations) - {"orders_few"} <= set(before) and "orders-few" in before

    # Dagster may run one check alone (the UI's "Execute"): only that alert runs.
    chosen = AssetCheckKey(AssetKey(["stg_orders"]), "revenue_below_target")
    alone = materialize(
        [shop_assets, checks],
        resources={"dbt": dbt},
        selection=AssetSelection.checks(chosen),
        raise_on_error=False,
    )
    evaluated = [(e.check_name, e.passed) for e in alone.get_asset_check_evaluations()]
    assert evaluated == [("revenue_below_target", False)]
    after = runs_by_alert(shop)
    assert after["revenue_below_target"] == before["revenue_below_target"] + 1
    assert {a: n for a, n in after.items() if a != "revenue_below_target"} == {
        a: n for a, n in before.items() if a != "revenue_below_target"
    }


def runs_by_alert(shop: Project) -> dict[str, int]:
    """How many runs recorded each alert."""
    with Sentinel.open(shop.args) as sentinel:
        rows = sentinel.history(None, None)
    runs: dict[str, set[str]] = {}
    for row in rows:
        runs.setdefault(row["alert_name"], set()).add(row["run_id"])
    return {alert: len(ids) for alert, ids in runs.items()}


def test_the_documented_example_runs_as_the_docs_say(shop: Project) -> None:
    doc = (ROOT / "docs" / "orchestrators.md").read_text()
    example = ROOT / "examples" / "dagster" / "definitions.py"
    assert example.read_text() in doc  # the docs show the file as it is
    [line] = [line for line in doc.splitlines() if line.startswith("DBT_PROJECT_DIR=")]
    setting, *command = shlex.split(line)
    assert setting == "DBT_PROJECT_DIR=my_dbt_project" and command[0] == "dagster"
    env = {**os.environ, "DBT_PROJECT_DIR": str(shop.root), "DBT_PROFILES_DIR": str(shop.root)}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # dbt and dagster, as installed
    done = subprocess.run(
        [str(BIN / command[0]), *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Asset check 'revenue_below_target' on 'stg_orders' did not pass" in done.stderr
    assert "Asset check 'orders_present' on 'stg_orders' passed" in done.stderr
