"""Run SQL on the profile's adapter: bounded fetches, per-query timeouts, package macros."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from sqlsentinel_dbt.dbt.deadlines import Deadlines
from sqlsentinel_dbt.dbt.session import DBT_LOCK, dbt_message
from sqlsentinel_dbt.errors import SentinelError, WarehouseError
from sqlsentinel_dbt.retrying import Sleep, retry_raising

logger = logging.getLogger(__name__)
# Every query of a thread runs on one dbt connection under one name: renaming it per
# query would make dbt log an event each time.
_CONNECTION_NAME = "sentinel"


class QueryError(SentinelError):
    """An alert query failed on the warehouse."""


class QueryTimeout(QueryError):
    """An alert query ran past its timeout and was cancelled on the warehouse."""


@dataclass(frozen=True)
class QueryResult:
    """Column names as the warehouse returned them, and at most `limit` rows."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


# Seconds to wait before each new attempt after a lost connection (31.5 s in all).
RECONNECT_WAITS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


@contextmanager
def _outside_transaction(handle: Any) -> Iterator[None]:
    """Let one read run on its own, with no transaction around it, where the driver can.

    A DB-API driver with an `autocommit` switch (psycopg2, redshift_connector) otherwise
    opens a transaction before the statement, which has to be rolled back after it. The
    switch is set back afterwards, so dbt's own use of the connection is unchanged.
    DuckDB runs a statement on its own already.
    """
    previous = getattr(handle, "autocommit", None)
    if previous is not False:  # no switch, or one that is a method (Snowflake's): as is
        yield
        return
    try:
        handle.autocommit = True
    except Exception:  # the driver has a transaction of its own open: end it first
        handle.rollback()
        handle.autocommit = True
    try:
        yield
    finally:
        handle.autocommit = previous


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is a driver's lost-connection error.

    DB-API drivers raise OperationalError for a connection cut by the server and
    InterfaceError for one already closed; dbt wraps them, so the chain is searched.
    """
    seen: BaseException | None = exc
    while seen is not None:
        names = {cls.__name__ for cls in type(seen).__mro__}
        if names & {"OperationalError", "InterfaceError"}:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class Warehouse:
    """The adapter's connections, one per worker thread, kept open for the whole run."""

    def __init__(self, adapter: Any, manifest: Any, *, sleep: Sleep = time.sleep) -> None:
        self._adapter = adapter
        self._sleep = sleep  # between reconnection attempts; tests pass one that does not wait
        self._manifest = manifest
        self._macro_context: dict[str, Any] | None = None
        self._package_macros: dict[str, Any] = {}
        self._pools: dict[tuple[str, int], ThreadPoolExecutor] = {}
        self._pools_lock = threading.Lock()
        self._users = 0
        self._users_lock = threading.Lock()
        self._release_when_idle = False
        self._deadlines = Deadlines()

    def release_when_idle(self) -> bool:
        """Let go of a DuckDB database file whenever nothing uses the warehouse.

        DuckDB lets one process open a file for writing at a time, and dbt-duckdb keeps
        it open for the life of the process. A long-lived process (the daemon, `serve`)
        calls this so that `dbt run` or `sentinel report` can open the file between its
        runs; the file is opened again, in a few milliseconds, by the next query. True
        when it applies (a DuckDB file; not `:memory:` or MotherDuck, nor a server).
        """
        self._release_when_idle = self._holds_a_file()
        return self._release_when_idle

    def _holds_a_file(self) -> bool:
        if self.adapter_type != "duckdb":
            return False
        path = str(getattr(self._adapter.config.credentials, "path", ":memory:"))
        return path != ":memory:" and not path.startswith("md:")

    @contextmanager
    def in_use(self) -> Iterator[None]:
        """Keep the warehouse open while the block runs (a whole run, say).

        Every query and macro call is inside one; when the last one ends and
        `release_when_idle` applies, the database file is released.
        """
        with self._users_lock:
            self._users += 1
        try:
            yield
        finally:
            with self._users_lock:  # no new user starts while the file is being released
                self._users -= 1
                if self._users == 0 and self._release_when_idle:
                    self._release_connections()

    def thread_pool(self, purpose: str, size: int) -> ThreadPoolExecutor:
        """Worker threads for `purpose`, kept for the life of this warehouse.

        Each thread keeps its own connection (dbt's are per thread), so a long-lived
        process (the daemon) reuses a fixed set of them instead of opening new ones, and
        leaving the old ones open, with every run.
        """
        with self._pools_lock:
            pool = self._pools.get((purpose, size))
            if pool is None:
                pool = ThreadPoolExecutor(
                    max_workers=size, thread_name_prefix=f"sentinel-{purpose}"
                )
                self._pools[(purpose, size)] = pool
            return pool

    @property
    def adapter(self) -> Any:
        """Dbt's adapter (for the rest of sqlsentinel_dbt/dbt/ only)."""
        return self._adapter

    def acquire(self, name: str) -> None:
        """Give the calling thread a connection; dbt opens it on its first statement."""
        self._adapter.acquire_connection(name)

    def end_reads(self) -> None:
        """Leave the calling thread's connection with no transaction open.

        Whatever a read left open is rolled back, an aborted transaction too; a broken
        connection is dropped, so the thread's next statement opens a new one.
        """
        connection = self._adapter.connections.get_if_exists()
        if connection is not None and connection.state == "open":
            self._recover(connection)

    @property
    def adapter_type(self) -> str:
        """Dbt's name for the adapter: `duckdb`, `postgres`, ..."""
        return str(self._adapter.type())

    def check_connection(self) -> None:
        """Run `select 1`; raise WarehouseError if the warehouse cannot be reached."""
        try:
            self.fetch("select 1 as ok", limit=1, timeout=60, name="sentinel:check")
        except QueryError as exc:
            raise WarehouseError(f"cannot reach the warehouse: {exc}") from exc

    def fetch(self, sql: str, *, limit: int | None, timeout: float, name: str) -> QueryResult:
        """Run `sql`, return its columns and at most `limit` rows (None: all of them).

        The query is cancelled on the warehouse after `timeout` seconds. `name` says what
        the query is for, in the debug log.
        """
        with self.in_use():
            return self._timed_fetch(sql, limit=limit, timeout=timeout, name=name)

    def _timed_fetch(
        self, sql: str, *, limit: int | None, timeout: float, name: str
    ) -> QueryResult:
        connection = self._adapter.acquire_connection(_CONNECTION_NAME)

        def cancel() -> None:
            # Some adapters cancel through a query of their own (PostgreSQL runs
            # pg_terminate_backend), which needs a connection on the watcher's thread.
            self._adapter.acquire_connection("sentinel:cancel")
            try:
                self._adapter.connections.cancel(connection)
            finally:
                self._adapter.release_connection()

        logger.debug("%s: %s", name, sql)
        deadline = self._deadlines.schedule(timeout, cancel)
        try:
            result = self._fetch(connection, sql, limit)
        except Exception as exc:  # the driver's errors differ per adapter
            if not deadline.cancel():
                self._discard(connection)
                raise QueryTimeout(f"cancelled after the {timeout:g}s timeout") from exc
            if connection_lost(exc):  # a new connection for this thread's next query
                self._discard(connection)
            else:
                self._recover(connection)
            raise QueryError(dbt_message(exc)) from exc
        if not deadline.cancel():  # cancelled just as it finished: the result stands
            self._discard(connection)  # but the connection may be gone (terminated)
        return result

    def _fetch(self, connection: Any, sql: str, limit: int | None) -> QueryResult:
        connections = self._adapter.connections
        if not hasattr(connections, "add_query"):
            # Adapters without a DB-API cursor (BigQuery) go through agate.
            _, table = self._adapter.execute(sql, fetch=True, limit=limit)
            return QueryResult(list(table.column_names), [tuple(row) for row in table.rows])
        if connection.transaction_open:  # whatever left it open ends first: alerts only read
            self._end_transaction()
        # Straight to the driver's cursor, inside dbt's error handling: add_query would
        # open a transaction (BEGIN, then ROLLBACK: three statements per alert) and build
        # dbt's structured log events, about 2 ms a query in all.
        with connections.exception_handler(sql), _outside_transaction(connection.handle):
            cursor = connection.handle.cursor()
            cursor.execute(sql)
            columns = [str(col[0]) for col in cursor.description or []]
            fetched = cursor.fetchall() if limit is None else cursor.fetchmany(limit)
        rows = [tuple(row) for row in fetched] if columns else []
        return QueryResult(columns, rows)

    def _discard(self, connection: Any) -> None:
        try:
            self._adapter.connections.close(connection)
        except Exception:  # a killed connection may fail to close; it is dropped either way
            self._adapter.connections.clear_thread_connection()

    def run_macro(self, macro_name: str, **kwargs: Any) -> Any:
        """Call a macro of the sqlsentinel package on this thread's connection.

        The package's writing macros commit their own work; whatever a macro left open
        (reads on a transactional warehouse) is rolled back. When the connection turns
        out to be lost (the server restarted, the session was killed), the macro runs
        again on a new connection, waiting up to about 30 s for the server to return:
        every writing macro is idempotent (inserts skip rows already there), so history
        and outbox writes survive the fault.
        """
        with self.in_use():
            return self._run_macro(macro_name, **kwargs)

    def _run_macro(self, macro_name: str, **kwargs: Any) -> Any:
        def attempt() -> Any:
            connection = self._adapter.acquire_connection("sentinel:store")
            with DBT_LOCK:
                try:
                    result = self._package_macro(macro_name)(**kwargs)
                    self._end_transaction()
                    return result
                except Exception as exc:
                    if connection_lost(exc):  # the next attempt opens a new one
                        self._discard(connection)
                    raise

        try:
            return retry_raising(attempt, connection_lost, RECONNECT_WAITS, sleep=self._sleep)
        except Exception as exc:
            raise WarehouseError(f"{macro_name} failed: {dbt_message(exc)}") from exc

    def _package_macro(self, macro_name: str) -> Any:
        """The package's macro `macro_name`, to call in the context its macros share.

        dbt's `execute_macro` builds a new macro context for every call, with a generator
        for each macro of the project and its packages (thousands, with some packages).
        The package's macros share one context instead, built on first use, as the macros
        one `dbt run-operation` calls do; each macro is looked up in the manifest once.
        Called under DBT_LOCK.
        """
        from dbt.context.providers import generate_runtime_macro_context
        from dbt_common.clients.jinja import CallableMacroGenerator
        from dbt_common.exceptions import DbtRuntimeError

        known = self._package_macros.get(macro_name)
        if known is not None:
            return known
        config = self._adapter.config
        macro = self._manifest.find_macro_by_name(macro_name, config.project_name, "sqlsentinel")
        if macro is None:
            message = f'dbt could not find a macro with the name "{macro_name}" in sqlsentinel'
            raise DbtRuntimeError(message)
        if self._macro_context is None:
            self._macro_context = generate_runtime_macro_context(
                macro, config, self._manifest, "sqlsentinel"
            )
        generator = CallableMacroGenerator(macro, self._macro_context)
        self._package_macros[macro_name] = generator
        return generator

    def _recover(self, connection: Any) -> None:
        """After a failed query, leave the thread's connection usable for the next alert.

        A failed statement aborts the transaction (DuckDB and PostgreSQL both refuse
        anything but ROLLBACK after it). dbt rolls back on errors, but dbt-duckdb before
        1.11 has no rollback() on its handle: dbt then marks the transaction closed
        although it is still open and aborted, so roll it back with SQL.
        """
        try:
            if not hasattr(connection.handle, "rollback"):
                with suppress(Exception):  # "no transaction is active" is fine too
                    connection.handle.cursor().execute("rollback")
                connection.transaction_open = False
            else:
                self._end_transaction()
        except Exception:  # the connection itself is broken: drop it, the next fetch reopens
            self._discard(connection)

    def _end_transaction(self) -> None:
        """Roll back whatever this thread's connection has open."""
        connections = self._adapter.connections
        connection = connections.get_if_exists()
        no_rollback = connection is not None and not hasattr(connection.handle, "rollback")
        if no_rollback and connection.transaction_open:
            # dbt-duckdb before 1.11 gives its handle no rollback(): dbt logs the failure
            # and carries on with the transaction still open, so the next BEGIN fails.
            connection.handle.cursor().execute("rollback")
            connection.transaction_open = False
            return
        connections.rollback_if_open()

    def close(self) -> None:
        """Close every connection this run opened, and release the database file."""
        with self._pools_lock:
            for pool in self._pools.values():
                pool.shutdown(wait=True)
            self._pools.clear()
        self._release_connections()

    def _close_connections(self) -> None:
        """Dbt's cleanup_connections, one connection at a time.

        sqlite3 refuses to close a connection from a thread other than the one that
        opened it (each worker thread opened its own): such a handle is left for the
        garbage collector to close, and the other connections still close.
        """
        manager = self._adapter.connections
        with manager.lock:
            for connection in list(manager.thread_connections.values()):
                try:
                    manager.close(connection)
                except Exception as exc:
                    logger.debug("connection %s left to be collected: %s", connection.name, exc)
            manager.thread_connections.clear()

    def _release_connections(self) -> None:
        """Close every thread's connection; on DuckDB, close the database file too.

        dbt-duckdb keeps its database open for the whole process, which would hold
        DuckDB's file lock against `dbt build` or another `sentinel` until this process
        exits; `close_all_connections` lets go of it. The environment it held is closed
        now, rather than whenever it is collected, unless some other project in this
        process still has a connection on it.
        """
        self._close_connections()
        manager = type(self._adapter.connections)
        release = getattr(manager, "close_all_connections", None)
        if release is None:
            return
        environment = None
        with suppress(Exception):  # no environment: nothing is open
            environment = manager.env()
        release()
        unused = getattr(environment, "handle_count", None) == 0
        if environment is not None and unused and hasattr(environment, "close"):
            environment.close()
