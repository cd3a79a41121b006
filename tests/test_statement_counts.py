"""What a run sends to the warehouse does not grow with its alerts, counted where it lands.

The same project runs with 3 and with 30 alerts, every alert firing on 20 keys, with a
channel (the run queues its notifications, sending none). The warehouse's own log of the
statements it received (tests/query_log.py) shows, for each run:

- one INSERT into the history, whatever the number of rows (20 x N), and one into the
  outbox when there is something to queue;
- exactly one statement per alert, its query, with no transaction around it;
- besides the alerts' queries, the same statements, as many and of the same kinds, for 3
  alerts as for 30.

Each project runs twice: the first run creates the tables, the second finds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from sqlsentinel_dbt.dbt import DbtArgs, Warehouse
from sqlsentinel_dbt.notify.pending import Deciding, decide_pending
from sqlsentinel_dbt.runtime import Sentinel
from tests.private_postgres import PrivatePostgres, private_postgres
from tests.query_log import (
    LOG_SETTINGS,
    DuckDBQueryLog,
    Statement,
    postgres_statements,
    transactions,
)

SMALL, LARGE = 3, 30
KEYS = 20  # rows per alert: 600 for 30 alerts, more than a chunk where inserts are chunked
MARK = "counted_alert_query"  # in every alert's SQL, to tell its statements from the rest
HISTORY, OUTBOX = "sentinel_alert_history", "sentinel_notifications"


def write_project(root: Path, alerts: int, output: dict[str, Any]) -> DbtArgs:
    """A dbt project with no models: `alerts` firing alerts, a webhook channel for all."""
    (root / "alerts").mkdir(parents=True)
    project = {"name": "counted", "version": "1.0.0", "profile": "counted"}
    (root / "dbt_project.yml").write_text(yaml.safe_dump(project))
    # One thread: the connections a run opens are the same whatever its alerts.
    profile = {"counted": {"target": "ci", "outputs": {"ci": {**output, "threads": 1}}}}
    (root / "profiles.yml").write_text(yaml.safe_dump(profile))
    keys = ", ".join(["('it''s')", *(f"('k{j}')" for j in range(KEYS - 1))])
    query = f"select /* {MARK} */ key, 'ALERT' as status, {{i}} as actual_value\n"
    query += f"from (values {keys}) as k(key)"
    declared = [{"name": f"alert_{i:02d}", "query": query.format(i=i)} for i in range(alerts)]
    (root / "alerts" / "counted.yml").write_text(yaml.safe_dump({"alerts": declared}))
    channel = {"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/never-sent"}
    sentinel = {"channels": [channel], "routes": [{"notify": ["hook"]}]}
    (root / "sentinel.yml").write_text(yaml.safe_dump(sentinel))
    return DbtArgs(project_dir=str(root), profiles_dir=str(root))


def alert_query(statement: Statement) -> bool:
    """An alert's query, however the engine wraps it (the outbox's INSERTs quote it too)."""
    return MARK in statement.sql and not statement.inserts_into(OUTBOX)


@dataclass(frozen=True)
class Run:
    """What one run sent, split into the alerts' transactions and everything else."""

    statements: list[Statement]

    @property
    def alert_queries(self) -> list[Statement]:
        return [s for s in self.statements if alert_query(s)]

    @property
    def alert_transactions(self) -> list[list[Statement]]:
        return [t for t in transactions(self.statements) if any(map(alert_query, t))]

    @property
    def the_rest(self) -> list[Statement]:
        """Every statement outside the alerts' transactions: the run's own work."""
        rest = [t for t in transactions(self.statements) if not any(map(alert_query, t))]
        return [s for t in rest for s in t]

    def inserts_into(self, table: str) -> list[Statement]:
        return [s for s in self.statements if s.inserts_into(table)]


Logged = Callable[[Callable[[], object]], list[Statement]]
"""Runs a callable and returns the statements the warehouse received meanwhile."""


def two_runs(sentinel: Sentinel, logged: Logged) -> list[Run]:
    """Run every alert twice, queueing notifications without sending them."""
    return [Run(logged(lambda: sentinel.execute(sentinel.plan(), send=False))) for _ in "12"]


def check_counts(small: list[Run], large: list[Run]) -> None:
    for runs, alerts in ((small, SMALL), (large, LARGE)):
        for run in runs:
            assert len(run.alert_queries) == alerts
            assert len(run.inserts_into(HISTORY)) == 1  # KEYS x N rows, one statement
            # Exactly one statement per alert: its query, with no BEGIN or ROLLBACK around.
            assert [len(t) for t in run.alert_transactions] == [1] * alerts
        first, second = runs
        assert len(first.inserts_into(OUTBOX)) == 1  # every alert's first notification
        assert second.inserts_into(OUTBOX) == []  # still firing: nothing new to queue
    for few, many in zip(small, large, strict=True):
        assert [s.verb for s in many.the_rest] == [s.verb for s in few.the_rest]


def check_rows(sentinel: Sentinel, alerts: int) -> None:
    """The single INSERTs carried every row: KEYS rows a run each, one notification each."""
    assert len(sentinel.history(limit=10_000)) == KEYS * alerts * 2
    assert len(sentinel.notifications_log(limit=10_000)) == alerts


def duckdb_runs(root: Path, alerts: int) -> list[Run]:
    output = {"type": "duckdb", "path": str(root / "warehouse.duckdb"), "schema": "main"}
    with Sentinel.open(write_project(root, alerts, output)) as sentinel:
        log = DuckDBQueryLog(sentinel.project.warehouse)

        def logged(run: Callable[[], object]) -> list[Statement]:
            log.start()
            run()
            return log.statements()

        runs = two_runs(sentinel, logged)
        check_rows(sentinel, alerts)
    return runs


def test_duckdb_statements_do_not_grow_with_the_alerts(tmp_path: Path) -> None:
    small = duckdb_runs(tmp_path / "small", SMALL)
    large = duckdb_runs(tmp_path / "large", LARGE)
    check_counts(small, large)
    # All a run sends besides its alerts' queries, once the tables exist: a change shows
    # here as a changed list, not only as a count.
    first, second = large
    assert [s.verb for s in second.the_rest if not s.control] == [
        "select",  # the connection check
        "select",  # the history table's columns (ensure, once per run)
        "select",  # the states before the run
        "insert",  # the history
        "select",  # the outbox's last notifications (nothing new to queue)
    ]
    assert len(first.the_rest) >= len(second.the_rest)  # the first also creates the tables


@pytest.fixture(scope="module")
def logging_server() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this module's own that logs every statement it receives."""
    with private_postgres(LOG_SETTINGS) as running:
        yield running


def postgres_runs(root: Path, server: PrivatePostgres, alerts: int) -> list[Run]:
    schema = f"counted_{alerts}"
    output = {"type": "postgres", **server.connection, "password": "", "schema": schema}
    with Sentinel.open(write_project(root, alerts, output)) as sentinel:

        def logged(run: Callable[[], object]) -> list[Statement]:
            since = server.log.stat().st_size
            run()
            return postgres_statements(server.log, since)

        runs = two_runs(sentinel, logged)
        check_rows(sentinel, alerts)
    return runs


@pytest.mark.postgres
def test_postgres_statements_do_not_grow_with_the_alerts(
    tmp_path: Path, logging_server: PrivatePostgres
) -> None:
    small = postgres_runs(tmp_path / "small", logging_server, SMALL)
    large = postgres_runs(tmp_path / "large", logging_server, LARGE)
    check_counts(small, large)


def test_a_chunk_size_splits_the_insert(tmp_path: Path) -> None:
    """Where a warehouse caps a statement's size, the rows go in chunks (here forced)."""
    output = {"type": "duckdb", "path": str(tmp_path / "warehouse.duckdb"), "schema": "main"}
    with Sentinel.open(write_project(tmp_path / "chunks", 1, output)) as sentinel:
        warehouse: Warehouse = sentinel.project.warehouse
        log = DuckDBQueryLog(warehouse)
        warehouse.run_macro("ensure_alert_history")
        rows = [{"run_id": "r", "alert_name": f"a{i}", "status": "OK"} for i in range(5)]
        log.start()
        written = warehouse.run_macro("insert_alert_history", rows=rows, chunk_size=2, ensure=False)
        statements = log.statements()
        assert written == 5
        assert warehouse.run_macro("statement_chunk_size") is None  # DuckDB: no cap
        assert len(sentinel.history(limit=10)) == 5
    assert [s.verb for s in statements] == ["begin", "insert", "commit"] * 3


def deciding_statements(root: Path, alerts: int) -> list[Statement]:
    """What deciding one run's pending changes sends, for `alerts` alerts.

    The run is a CLI run (it writes the history); a pending row per alert is then queued
    as `run_alerts` and the `record_dbt_results` hook queue theirs, and decided.
    """
    output = {"type": "duckdb", "path": str(root / "warehouse.duckdb"), "schema": "main"}
    with Sentinel.open(write_project(root, alerts, output)) as sentinel:
        sentinel.execute(sentinel.plan(), send=False)
        [run_id] = {row["run_id"] for row in sentinel.history(limit=10_000)}
        warehouse = sentinel.project.warehouse
        now = sentinel.notifier.clock()
        pending = [
            warehouse.run_macro(
                "_pending_decision",
                run_id=run_id,
                alert_name=f"alert_{i:02d}",
                sql="select 1",
                now=now,
            )
            for i in range(alerts)
        ]
        warehouse.run_macro("insert_notifications", rows=pending)
        log = DuckDBQueryLog(warehouse)
        settings = sentinel.config.settings
        deciding = Deciding(
            [d.alert for d in sentinel.config.alerts], sentinel.config.routes, settings.claim_lease
        )
        log.start()
        decide_pending(sentinel.stores, deciding, now)
        statements = log.statements()
        left = [r for r in sentinel.stores.outbox.read() if r["kind"] == "pending"]
    assert left == []  # every change was decided
    return statements


def test_deciding_a_runs_pending_changes_does_not_grow_with_its_alerts(tmp_path: Path) -> None:
    """`sentinel notify` decides a run's changes together: a hook that recorded a thousand
    dbt checks costs the same few queries as one that recorded three."""
    few = deciding_statements(tmp_path / "small", SMALL)
    many = deciding_statements(tmp_path / "large", LARGE)
    verbs = [s.verb for s in many if not s.control]
    assert verbs == [s.verb for s in few if not s.control]
    assert sum("sentinel_alert_history" in s.sql for s in many) == 1  # the run's results, once
    assert len([s for s in many if s.verb == "delete"]) == 1  # the pending rows, at once
