"""A result of 1,000,000 rows: the warehouse is asked for `max_instances + 1`, no more."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sqlsentinel_dbt.engine.bounded import bounded_sql
from tests.conftest import make_project

MILLION = {
    "duckdb": (
        "select 'ALERT' as status, i as key, repeat('x', 100) as pad from range(1000000) t(i)"
    ),
    "postgres": (
        "select 'ALERT' as status, g as key, repeat('x', 100) as pad "
        "from generate_series(1, 1000000) g"
    ),
}
# Runs in a process of its own, so that its peak memory is this evaluation's alone.
EVALUATE = """
import json, resource, sys
from sqlsentinel_dbt.config.loader import DeclaredAlert
from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.dbt import DbtArgs, DbtProject
from sqlsentinel_dbt.engine.plan import compile_alert
from sqlsentinel_dbt.engine.runner import run_one
from sqlsentinel_dbt.resources import package_root

project_dir, sql = sys.argv[1], sys.argv[2]
args = DbtArgs(project_dir=project_dir, profiles_dir=project_dir)
project = DbtProject.open(args, package_root())
project.warehouse.fetch("select 1 as ok", limit=1, timeout=60, name="warm-up")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
plan = compile_alert(project, DeclaredAlert(Alert(name="a_million", query=sql), "x.yml"))
(result,) = run_one(plan, project.warehouse)
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
project.close()
print(json.dumps({"status": result.status.value, "error": result.error, "grown_kb": grown}))
"""


def test_a_million_rows_is_one_error_read_in_bounded_memory(tmp_path: Path, warehouse: str) -> None:
    project = make_project(tmp_path, "shop", warehouse)  # never built: the query reads no table
    completed = subprocess.run(
        [sys.executable, "-c", EVALUATE, str(project.root), MILLION[warehouse]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    outcome = json.loads(completed.stdout.splitlines()[-1])
    assert outcome["status"] == "ERROR"
    assert "max_instances=1000" in outcome["error"]
    # Reading all of it costs ~170 MB on PostgreSQL (the driver buffers whole results).
    assert outcome["grown_kb"] < 50 * 1024, outcome


@pytest.mark.parametrize(
    ("sql", "inner"),
    [
        ("select 1 as status", "select 1 as status"),
        ("select 1 as status;", "select 1 as status"),
        ("select 1 as status;  -- done", "select 1 as status"),
        ("select ';' as status -- a comment", "select ';' as status -- a comment"),
    ],
)
def test_the_query_is_wrapped_with_a_limit(sql: str, inner: str) -> None:
    wrapped = bounded_sql(sql, 101, "postgres")
    assert wrapped == f"select * from (\n{inner}\n) as sentinel_bounded limit 101"


def test_dialects_without_limit_are_left_alone() -> None:
    assert bounded_sql("select 1 as status", 101, "sqlserver") == "select 1 as status"
