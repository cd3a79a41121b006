"""Real faults in the middle of a run, on a PostgreSQL server of the test's own.

The server is restarted, or one alert's session is killed, while an alert query is running.
The alert caught in it is an ERROR result; every other alert still runs, the history of the
run is still written, and the next run finds everything as it should be. An alert that
runs past its timeout is cancelled on the server, not left running.

The query caught in the fault waits on an advisory lock the test holds, so it is still
running when the fault strikes however slow the machine. `sentinel dbt-run` runs in a
thread of the test's process (the faults are the server's, not the process's), while the
test breaks the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any

import psycopg2
import pytest
import yaml

from sqlsentinel_dbt.dbt import dbt_build
from tests.conftest import CliResult, Project, cli, make_project
from tests.daemon_kit import wait_until
from tests.private_postgres import PrivatePostgres, private_postgres

pytestmark = pytest.mark.postgres
RUNS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sentinel-run")
FAULT_ALERTS = """
alerts:
  - name: caught_in_the_fault
    tags: [fault]
    query: |
      select 'OK' as status, 'sentinel_fault_marker' as marker
      from (select pg_advisory_xact_lock_shared(4242)) as waits_for_the_test
  - name: unaffected
    tags: [fault]
    query: |
      select case when count(*) > 0 then 'OK' else 'ALERT' end as status,
             count(*) as actual_value
      from {{ ref('raw_orders') }}
  - name: runs_past_its_timeout
    tags: [slow]
    timeout: 1s
    query: "select 'OK' as status, 'sentinel_timeout_marker' as marker from pg_sleep(600)"
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


def start_run(project: Project, select: str = "tag:fault") -> Future[CliResult]:
    """`sentinel dbt-run` of `select`, started in a thread of its own."""
    return RUNS.submit(cli, "dbt-run", *project.flags(), "-o", "json", "--select", select)


def running(server: PrivatePostgres, marker: str) -> list[tuple[object, ...]]:
    """Backends running a query that holds `marker` (an idle one shows its last query too)."""
    return server.query(
        f"select pid from pg_stat_activity where query like '%{marker}%' "
        "and state = 'active' and pid <> pg_backend_pid()"
    )


@contextmanager
def holding_the_marked_query(server: PrivatePostgres) -> Iterator[None]:
    """The marked alert query, once it starts, waits until the end of the block."""
    holder = psycopg2.connect(**server.connection)  # type: ignore[arg-type]
    holder.autocommit = True
    holder.cursor().execute("select pg_advisory_lock(4242)")
    try:
        yield
    finally:
        with suppress(psycopg2.Error):  # a restarted server has cut it already
            holder.close()


def wait_for_marker(server: PrivatePostgres) -> int:
    """The backend pid running the marked alert query, once it runs."""
    found: list[tuple[object, ...]] = []

    def started() -> bool:
        found[:] = running(server, "sentinel_fault_marker")
        return bool(found)

    wait_until(started, timeout=300, what="the marked alert query to start")
    return int(found[0][0])  # type: ignore[call-overload]


def finish(run: Future[CliResult]) -> tuple[int, dict[str, Any]]:
    result = run.result(timeout=300)  # bounds a hang only
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)


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
    with holding_the_marked_query(server):
        run = start_run(project)
        fault(server, wait_for_marker(server))
    code, report = finish(run)

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
    # Not left running for its 10 minutes: a terminated backend may take a moment to go.
    wait_until(lambda: running(server, "sentinel_timeout_marker") == [], what="it to end")
