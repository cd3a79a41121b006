"""The warehouse layer keeps a thread's connection usable whatever the query before did."""

from __future__ import annotations

from typing import Any

import pytest

from sqlsentinel_dbt.dbt import QueryError, Warehouse
from sqlsentinel_dbt.dbt.warehouse import RECONNECT_WAITS
from sqlsentinel_dbt.errors import WarehouseError
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


class OperationalError(Exception):
    """Named as DB-API drivers name the error of a connection the server cut."""


class Connections:
    def __init__(self) -> None:
        self.closed = 0

    def get_if_exists(self) -> None:
        return None

    def rollback_if_open(self) -> None:
        pass

    def close(self, connection: Any) -> None:
        self.closed += 1


class Adapter:
    def __init__(self) -> None:
        self.connections = Connections()

    def acquire_connection(self, name: str) -> object:
        return object()


def warehouse_whose_macro(
    monkeypatch: pytest.MonkeyPatch, *failures: Exception
) -> tuple[Warehouse, Adapter, list[float], list[int]]:
    """A warehouse on a stand-in adapter whose macro raises `failures`, then returns "done"."""
    adapter, slept, calls = Adapter(), list[float](), list[int]()
    warehouse = Warehouse(adapter, manifest=None, sleep=slept.append)
    errors = iter(failures)

    def macro(**kwargs: Any) -> str:
        calls.append(1)
        error = next(errors, None)
        if error:
            raise error
        return "done"

    monkeypatch.setattr(warehouse, "_package_macro", lambda name: macro)
    return warehouse, adapter, slept, calls


def test_a_lost_connection_is_retried_on_a_new_one_after_the_reconnect_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lost = [RuntimeError("dbt wrapped it"), OperationalError("server closed the connection")]
    lost[0].__cause__ = OperationalError("terminating connection")
    warehouse, adapter, slept, calls = warehouse_whose_macro(monkeypatch, *lost)
    assert warehouse.run_macro("insert_alert_history") == "done"
    assert (len(calls), slept, adapter.connections.closed) == (3, [*RECONNECT_WAITS[:2]], 2)


def test_a_connection_lost_for_good_fails_once_the_waits_run_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lost = [OperationalError(f"lost {n}") for n in range(len(RECONNECT_WAITS) + 1)]
    warehouse, _, slept, calls = warehouse_whose_macro(monkeypatch, *lost)
    with pytest.raises(WarehouseError, match=f"insert_alert_history failed: lost {len(lost) - 1}"):
        warehouse.run_macro("insert_alert_history")
    assert (len(calls), slept) == (len(lost), list(RECONNECT_WAITS))


def test_only_a_lost_connection_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse, adapter, slept, calls = warehouse_whose_macro(monkeypatch, ValueError("bad sql"))
    with pytest.raises(WarehouseError, match="insert_alert_history failed: bad sql"):
        warehouse.run_macro("insert_alert_history")
    assert (len(calls), slept, adapter.connections.closed) == (1, [], 0)
