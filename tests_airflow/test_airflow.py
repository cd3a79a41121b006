"""SentinelRunOperator, run by Airflow: `airflow dags test` on a local SQLite metadata DB.

This runs in nox's `airflow` session (its own environment: Airflow pins much of what it
needs). The documented DAG fans the shop project's alerts out over three mapped tasks;
every enabled alert is evaluated, each in exactly one of them. (An alert that errs fails
its task, whatever `fail_on` says: tests of that are the operator's own, below.)
"""

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sqlsentinel_dbt.dbt import DbtArgs, dbt_build
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import make_project
from tests.daemon_kit import release_warehouse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_the_documented_dag_runs_each_alert_in_exactly_one_shard(tmp_path: Path) -> None:
    shop = make_project(tmp_path, "shop", "duckdb")
    shutil.rmtree(shop.root / "alerts" / "nested")  # its broken alerts would fail their tasks
    dbt_build(shop.args)
    release_warehouse(shop)  # the DuckDB file, for the processes Airflow starts
    doc = (ROOT / "docs" / "orchestrators.md").read_text()
    assert (ROOT / "examples" / "airflow" / "sentinel_dag.py").read_text() in doc
    commands = [line for line in doc.splitlines() if line.startswith("airflow ")]
    assert [c.split()[:2] for c in commands] == [["airflow", "db"], ["airflow", "dags"]]
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "examples" / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "DBT_PROJECT_DIR": str(shop.root),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for command in commands:
        program, *args = shlex.split(command)
        done = subprocess.run([str(BIN / program), *args], env=env, capture_output=True,
                              text=True, timeout=600)  # fmt: skip
        (tmp_path / "airflow.log").write_text(done.stdout + done.stderr)
        assert done.returncode == 0, (command, done.stdout[-3000:], done.stderr[-3000:])
    assert "state=success" in done.stdout + done.stderr

    with Sentinel.open(DbtArgs(str(shop.root), str(shop.root))) as sentinel:
        enabled = {d.name for d in sentinel.alerts if d.alert.enabled}
        rows = sentinel.history(None, None)
    runs: dict[str, set[str]] = {}
    for row in rows:
        runs.setdefault(row["alert_name"], set()).add(row["run_id"])
    assert set(runs) == enabled  # every alert ran...
    assert all(len(ids) == 1 for ids in runs.values())  # ...in one task, once
    assert len({i for ids in runs.values() for i in ids}) == 3  # three tasks ran


def test_an_erring_alert_fails_its_task_and_a_bad_shard_fails_the_dag(tmp_path: Path) -> None:
    from airflow.exceptions import AirflowException

    from sqlsentinel_dbt.orchestrators.airflow import SentinelRunOperator, shards

    shop = make_project(tmp_path, "shop", "duckdb")
    dbt_build(shop.args)
    assert shards(3) == ["1/3", "2/3", "3/3"]
    quiet = SentinelRunOperator(task_id="quiet", project_dir=str(shop.root),
                                select=["orders_present"], fail_on="never")  # fmt: skip
    assert quiet.execute({})["alerts"] == ["orders_present"]
    firing = SentinelRunOperator(task_id="firing", project_dir=str(shop.root),
                                 select=["revenue_below_target"])  # fmt: skip
    with pytest.raises(AirflowException, match="firing \\['revenue_below_target'\\]"):
        firing.execute({})
    erring = SentinelRunOperator(task_id="erring", project_dir=str(shop.root),
                                 select=["broken_sql"], fail_on="never")  # fmt: skip
    with pytest.raises(AirflowException, match="erring \\['broken_sql'\\]"):
        erring.execute({})
    with pytest.raises(ValueError, match="the shard must be 1 to 3"):
        SentinelRunOperator(task_id="bad", project_dir=str(shop.root), shard="4/3")
