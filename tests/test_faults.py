"""Real faults in the middle of a run, on a PostgreSQL server of the test's own.

The server is restarted, or one alert's session is killed, while an alert query is running.
The alert caught in it is an ERROR result; every other alert still runs, the history of the
run is still written, and the next run finds everything as it should be. An alert that
runs past its timeout is cancelled on the server, not left running.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sqlsentinel_dbt.dbt import dbt_build
from tests.conftest import Project, make_project
from tests.private_postgres import PrivatePostgres, private_postgres

pytestmark = pytest.mark.postgres
SENTINEL = str(Path(sys.executable).parent / "sentinel")
FAULT_ALERTS = """
alerts:
  - name: caught_in_the_fault
    tags: [fault]
    query: "select 'OK' as status, 'sentinel_fault_marker' as marker from pg_sleep(3)"
  - name: unaffected
    tags: [fault]
    query: |
      select case when count(*) > 0 then 'OK' else 'ALERT' end as status,
             count(*) as actual_value
      from {{ ref('raw_orders') }}
  - name: runs_past_its_timeout
    tags: [slow]
    timeout: 1s
    query: "select 'OK' as status, 'sentinel_timeout_marker' as marker from pg_sleep(60)"
"""


@pytest.fixture(scope="module")
def server() -> Iterator[PrivatePostgres]:
    with private_postgres() as running:
        yield running


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, server: PrivatePostgres) -> Project:
    built = make_project(tmp_path_factory.mktemp("faults"), "shop", "postgres")
    output = {"type": "postgres", **server.connection, "password": "", "schema": built.schema}
    output["threads"] = 4
    profile = {"shop": {"target": "ci", "outputs": {"ci": output}}}
    (built.root / "profiles.yml").write_text(yaml.safe_dump(profile))
    (built.root / "alerts" / "fault.yml").write_text(FAULT_ALERTS)
    dbt_build(built.args)
    return built


def start_run(project: Project, select: str = "tag:fault") -> subprocess.Popen[str]:
    command = [SENTINEL, "dbt-run", *project.flags(), "-o", "json", "--select", select]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def running(server: PrivatePostgres, marker: str) -> list[tuple[object, ...]]:
    """Backends running a query that holds `marker`."""
    return server.query(
        f"select pid from pg_stat_activity where query like '%{marker}%' "
        "and pid <> pg_backend_pid()"
    )


def wait_for_marker(server: PrivatePostgres) -> int:
    """The backend pid running the marked alert query, once it runs."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = running(server, "sentinel_fault_marker")
        if rows:
            return int(rows[0][0])  # type: ignore[call-overload]
        time.sleep(0.05)
    raise AssertionError("the marked alert query never started")


def finish(process: subprocess.Popen[str]) -> tuple[int, dict[str, Any]]:
    stdout, stderr = process.communicate(timeout=120)
    assert stdout, stderr
    return process.returncode, json.loads(stdout)


def history(server: PrivatePostgres, project: Project, run_id: str) -> dict[str, str]:
    rows = server.query(
        f"select alert_name, status from {project.schema}_sentinel.sentinel_alert_history "
        f"where run_id = '{run_id}'"
    )
    return {str(name): str(status) for name, status in rows}


def restart_server(server: PrivatePostgres, pid: int) -> None:
    server.restart()


def kill_the_session(server: PrivatePostgres, pid: int) -> None:
    assert server.query(f"select pg_terminate_backend({pid})") == [(True,)]


@pytest.mark.parametrize("fault", [restart_server, kill_the_session])
def test_a_fault_mid_query_fails_that_alert_alone_and_loses_no_history(
    server: PrivatePostgres, project: Project, fault: Callable[[PrivatePostgres, int], None]
) -> None:
    process = start_run(project)
    fault(server, wait_for_marker(server))
    code, report = finish(process)

    by_name = {r["alert"]: r for r in report["results"]}
    assert code == 1, report
    assert by_name["caught_in_the_fault"]["status"] == "ERROR"
    assert "query failed" in by_name["caught_in_the_fault"]["error"]
    assert by_name["unaffected"]["status"] == "OK"
    assert history(server, project, report["run_id"]) == {
        "caught_in_the_fault": "ERROR",
        "unaffected": "OK",
    }

    code, report = finish(start_run(project))  # the next run: as if nothing had happened
    assert code == 0, report
    assert history(server, project, report["run_id"]) == {
        "caught_in_the_fault": "OK",
        "unaffected": "OK",
    }


def test_an_alert_past_its_timeout_is_cancelled_on_the_server(
    server: PrivatePostgres, project: Project
) -> None:
    code, report = finish(start_run(project, "runs_past_its_timeout"))
    (result,) = report["results"]
    assert code == 1
    assert result["status"] == "ERROR"
    assert "cancelled after the 1s timeout" in result["error"]
    assert running(server, "sentinel_timeout_marker") == []  # not left running for 60 s
