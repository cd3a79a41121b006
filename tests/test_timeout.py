"""A query past its timeout is cancelled on the warehouse, and the connection stays usable."""

from __future__ import annotations

import threading

import psycopg2
import pytest

from sqlsentinel_dbt.dbt import DbtProject, QueryTimeout
from sqlsentinel_dbt.dbt.deadlines import Deadlines
from sqlsentinel_dbt.resources import package_root
from tests.conftest import PG, Project
from tests.daemon_kit import wait_until

SLOW = {
    "duckdb": "select count(*) as n from range(100000000000)",
    "postgres": "select pg_sleep(600) as sentinel_slow_query",
}


def running_slow_queries() -> int:
    with psycopg2.connect(**PG) as conn, conn.cursor() as cur:
        cur.execute(
            "select count(*) from pg_stat_activity "
            "where query like '%sentinel_slow_query%' and state = 'active' "
            "and pid <> pg_backend_pid()"
        )
        return int(cur.fetchone()[0])  # type: ignore[index]


def test_timeout_cancels_the_query(shop: Project) -> None:
    project = DbtProject.open(shop.args, package_root())
    try:
        # Left to run, either query takes many minutes and then returns rows: raising is
        # the proof that it was interrupted, whatever the machine's speed.
        with pytest.raises(QueryTimeout, match="cancelled after the 1s timeout"):
            project.warehouse.fetch(SLOW[shop.warehouse], limit=1, timeout=1, name="slow")
        if shop.warehouse == "postgres":  # a terminated backend may take a moment to go
            wait_until(lambda: running_slow_queries() == 0, what="the slow query to end")
        after = project.warehouse.fetch("select 1 as ok", limit=1, timeout=10, name="after")
        assert after.rows == [(1,)]
    finally:
        project.close()


def test_a_deadline_runs_its_action_once_and_cannot_then_be_called_off() -> None:
    deadlines = Deadlines()
    ran = threading.Event()
    deadline = deadlines.schedule(0, ran.set)
    assert ran.wait(30)
    assert deadline.fired and not deadline.pending
    assert deadline.cancel() is False  # too late: the caller learns the query was cancelled


def test_a_called_off_deadline_never_runs_and_a_sooner_one_still_does() -> None:
    deadlines = Deadlines()
    later = deadlines.schedule(3600, lambda: pytest.fail("a called-off action ran"))
    assert later.cancel() is True
    ran = threading.Event()
    deadlines.schedule(0, ran.set)  # sooner than the hour the watcher was waiting for
    assert ran.wait(30)
    assert not later.fired


def test_calling_off_waits_for_an_action_that_is_running() -> None:
    deadlines = Deadlines()
    started, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def slow_cancel() -> None:
        started.set()
        release.wait(30)
        finished.append("cancelled")

    deadline = deadlines.schedule(0, slow_cancel)
    assert started.wait(30)
    outcome: list[bool] = []
    caller = threading.Thread(target=lambda: outcome.append(deadline.cancel()))
    caller.start()
    caller.join(0.2)
    assert caller.is_alive(), "cancel() returned while the action was still running"
    release.set()
    caller.join(30)
    assert outcome == [False] and finished == ["cancelled"]


def test_a_failing_action_does_not_stop_later_deadlines() -> None:
    deadlines = Deadlines()

    def broken() -> None:
        raise RuntimeError("the warehouse refused to cancel")

    deadlines.schedule(0, broken)
    ran = threading.Event()
    deadlines.schedule(0, ran.set)
    assert ran.wait(30)
