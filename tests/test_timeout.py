"""A query past its timeout is cancelled on the warehouse, and the connection stays usable."""

from __future__ import annotations

import psycopg2
import pytest

from sqlsentinel_dbt.dbt import DbtProject, QueryTimeout
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
