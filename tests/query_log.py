"""The statements a warehouse received, as the warehouse itself logged them.

DuckDB logs every statement of a database instance once `enable_logging('QueryLog')` is
called. The log belongs to that instance, so sentinel runs in the test's process
(`Sentinel.open`) and the log is read through the same warehouse before it is closed:
`DuckDBQueryLog`.

PostgreSQL logs every statement with `log_statement = 'all'`. That is a server setting, so a
server of the test's own (tests/private_postgres.py) is started with `LOG_SETTINGS`, and its
log file is read: `postgres_statements`.

Either way a statement comes with its connection and its transaction, so a test can tell
an alert's query, with whatever framed it (BEGIN, ROLLBACK), from the run's own work.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlsentinel_dbt.dbt import Warehouse

_DBT_COMMENT = re.compile(r"^/\*.*?\*/\s*", re.DOTALL)  # dbt's query comment, if any
_CONTROL = {"begin", "begin transaction", "commit", "rollback"}


@dataclass(frozen=True)
class Statement:
    """One statement as the warehouse received it."""

    connection: str
    transaction: str
    """The warehouse's id of the transaction it ran in: BEGIN, what follows and the COMMIT
    or ROLLBACK share one; a statement run outside such a block has one of its own."""
    sql: str
    """Whitespace collapsed, dbt's leading query comment removed."""

    @property
    def control(self) -> bool:
        """BEGIN, COMMIT or ROLLBACK."""
        return self.sql.lower().rstrip(";") in _CONTROL

    @property
    def verb(self) -> str:
        """The first word, lower case: `insert`, `select`, `begin` ..."""
        return self.sql.split(" ", 1)[0].lower()

    def inserts_into(self, table: str) -> bool:
        """An INSERT into `table` (any schema)."""
        return re.match(rf'insert into \S*\b"?{table}"?\s', self.sql, re.IGNORECASE) is not None


def statement(connection: object, transaction: object, sql: str) -> Statement:
    """A logged statement, its SQL tidied for matching."""
    text = " ".join(_DBT_COMMENT.sub("", sql.strip()).split())
    return Statement(str(connection), str(transaction), text)


def transactions(statements: Sequence[Statement]) -> list[list[Statement]]:
    """The statements grouped by transaction, in the order each transaction began."""
    grouped: dict[tuple[str, str], list[Statement]] = {}
    for s in statements:
        grouped.setdefault((s.connection, s.transaction), []).append(s)
    return list(grouped.values())


class DuckDBQueryLog:
    """DuckDB's own log of the statements one database instance ran."""

    _START = "select 'query_log:start' as query_log_mark"
    _END = "select 'query_log:end' as query_log_mark"

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse

    def _rows(self, sql: str) -> list[tuple[object, ...]]:
        return self._warehouse.fetch(sql, limit=None, timeout=60, name="test:query_log").rows

    def start(self) -> None:
        """Log from now on; `statements` returns what came after this call."""
        self._rows("CALL enable_logging('QueryLog')")
        self._rows(self._START)

    def statements(self) -> list[Statement]:
        """Every statement between `start` and this call, in the order they ran.

        A mark before and one after, each in its own transaction, bound them: the queries
        that enable and read the log are left out, with whatever framed them.
        """
        self._rows(self._END)
        logged = self._rows(
            "select connection_id, transaction_id, message from duckdb_logs"
            " where type = 'QueryLog' order by query_id"
        )
        found = [
            statement(connection, transaction, str(sql)) for connection, transaction, sql in logged
        ]
        start = _last_transaction(found, self._START)
        end = _last_transaction(found, self._END)
        first = found.index(next(s for s in found if _in(s, start)))
        last = found.index(next(s for s in found if _in(s, end)))
        return [s for s in found[first:last] if not _in(s, start)]


def _last_transaction(statements: Sequence[Statement], sql: str) -> tuple[str, str]:
    """The (connection, transaction) of the last statement that is `sql`."""
    found = [s for s in statements if s.sql == sql]
    assert found, f"not in the log: {sql}"
    return found[-1].connection, found[-1].transaction


def _in(statement: Statement, transaction: tuple[str, str]) -> bool:
    return (statement.connection, statement.transaction) == transaction


# Every statement, with its session (the backend's pid) and virtual transaction id.
LOG_SETTINGS = {"log_statement": "all", "log_line_prefix": "@@ %p %v @@ "}
_LOG_LINE = re.compile(r"^@@ (\d+) (\S*) @@ ", re.MULTILINE)


def postgres_statements(server_log: Path, since: int = 0) -> list[Statement]:
    """The statements a server started with LOG_SETTINGS logged after byte `since`.

    A backend writes the line before it runs the statement, so by the time the client has
    its answer the statement is in the file.
    """
    text = server_log.read_bytes()[since:].decode()
    found = []
    starts = list(_LOG_LINE.finditer(text))
    for this, following in zip(starts, [*starts[1:], None], strict=True):
        body = text[this.end() : following.start() if following else len(text)]
        if body.startswith("LOG:  statement: "):
            found.append(statement(this[1], this[2], body.removeprefix("LOG:  statement: ")))
    return found
