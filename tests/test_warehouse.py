"""The warehouse layer keeps a thread's connection usable whatever the query before did."""

from __future__ import annotations

import pytest

from sqlsentinel_dbt.dbt import QueryError
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import Project


def test_a_failed_query_does_not_poison_the_next_one_on_the_same_connection(shop: Project) -> None:
    with Sentinel.open(shop.args) as sentinel:
        warehouse = sentinel.project.warehouse
        for _ in range(2):
            with pytest.raises(QueryError, match="no_such_column"):
                warehouse.fetch(
                    "select no_such_column from (select 1 as a) t", limit=1, timeout=30, name="t"
                )
            assert warehouse.fetch(
                "select 41 + 1 as answer", limit=1, timeout=30, name="t"
            ).rows == [(42,)]


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_a_duckdb_file_in_use_by_another_process_says_what_to_do(shop: Project) -> None:
    import subprocess
    import sys

    from tests.conftest import cli
    from tests.daemon_kit import release_warehouse

    release_warehouse(shop)  # this process lets go of the file first
    hold = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); input()"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(shop.root / "warehouse.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = cli("dbt-run", *shop.flags(), "--select", "orders_present")
    finally:
        holder.communicate("\n", timeout=30)
    assert result.exit_code == 2
    assert "Could not set lock on file" in result.stderr
    assert "The DuckDB file is in use by another process" in result.stderr
    assert "sentinel daemon" in result.stderr and "try again" in result.stderr
