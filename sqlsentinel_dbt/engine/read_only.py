"""Refuse an alert query that is not a read, before it reaches the warehouse.

The compiled SQL is parsed with sqlglot in the adapter's dialect. One statement that is a
query (`SELECT`, `WITH … SELECT`, set operations, `VALUES`) passes; anything else, or a
query that hides a write (a data-modifying CTE, `SELECT … INTO`), is refused, and so is
SQL that cannot be parsed, since it cannot be shown to be a read. This guards against
mistakes; a read-only warehouse role for sqlsentinel is still the real boundary (a
function can have side effects that no parser sees).
"""

from __future__ import annotations

import logging

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from sqlsentinel_dbt.engine.dialects import dialect_of
from sqlsentinel_dbt.errors import WriteRefused

__all__ = ["WriteRefused", "check_read_only", "check_statements", "dialect_of", "parse_sql"]

_WRITES = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Copy,
    exp.Command,
    exp.Into,
)


# Statements dbt itself sends around reads (transactions) or that only describe objects.
_INTROSPECTION = (exp.Transaction, exp.Commit, exp.Rollback, exp.Show, exp.Describe)
_INTROSPECTION_COMMANDS = {"BEGIN", "SHOW", "DESCRIBE", "DESC"}


def check_read_only(sql: str, adapter_type: str) -> None:
    """Raise WriteRefused, saying why, unless `sql` is exactly one read query."""
    check_statements(parse_sql(sql, adapter_type))


def check_compile_time_statements(statements: list[exp.Expr]) -> None:
    """Like check_statements, for what an alert's Jinja runs while it compiles.

    Transaction control (dbt's own BEGIN and ROLLBACK around reads), SHOW and DESCRIBE
    pass too: introspection macros on some warehouses use them, and none of them writes.
    """
    if len(statements) == 1 and _introspection(statements[0]):
        return
    check_statements(statements)


def _introspection(statement: exp.Expr) -> bool:
    if isinstance(statement, exp.Command):
        return str(statement.this).upper() in _INTROSPECTION_COMMANDS
    return isinstance(statement, _INTROSPECTION)


def parse_sql(sql: str, adapter_type: str) -> list[exp.Expr]:
    """The statements in `sql`, parsed in the adapter's dialect; WriteRefused if it can't be."""
    return _parse(sql, dialect_of(adapter_type))


def check_statements(statements: list[exp.Expr]) -> None:
    """Raise WriteRefused unless the parsed `statements` are exactly one read query."""
    if not statements:
        raise WriteRefused("the query is empty")
    if len(statements) > 1:
        kinds = ", ".join(_kind(s) for s in statements)
        raise WriteRefused(
            f"the query holds {len(statements)} statements ({kinds}); an alert is one query"
        )
    statement = statements[0]
    if not isinstance(statement, exp.Query | exp.Values):
        raise WriteRefused(f"{_kind(statement)} is not a read query: an alert must be a SELECT")
    for node in statement.walk():
        if isinstance(node, _WRITES):
            raise WriteRefused(f"the query contains {_kind(node)}, which writes: refused")


def _parse(sql: str, dialect: str | None) -> list[exp.Expr]:
    # sqlglot logs a warning when it falls back to an opaque Command; that is refused anyway.
    parser_log = logging.getLogger("sqlglot")
    level = parser_log.level
    parser_log.setLevel(logging.ERROR)
    try:
        return [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WriteRefused(
            f"sqlsentinel could not parse the query as {dialect or 'generic'} SQL, so it "
            f"cannot check that it only reads: {first_line}"
        ) from exc
    finally:
        parser_log.setLevel(level)


def _kind(node: exp.Expr) -> str:
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    if isinstance(node, exp.Into):
        return "SELECT … INTO"
    return {"truncatetable": "TRUNCATE"}.get(node.key, node.key.upper())
