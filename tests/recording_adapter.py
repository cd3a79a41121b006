"""A stand-in for a warehouse we have no server of: dbt's real adapter, no connection.

The adapter's connection manager opens a handle of ours instead of connecting. Each
statement the adapter sends is recorded and parsed with sqlglot in the warehouse's
dialect; one that does not parse is refused, as the warehouse would refuse it. A query
answers no rows, with the columns its select list names (`show objects`, Snowflake's
listing, with the columns dbt-snowflake reads). Nothing leaves the process: the profile
points at 127.0.0.1 besides.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

# The managers whose `open` connects, per adapter type.
MANAGERS = {
    "snowflake": ("dbt.adapters.snowflake.connections", "SnowflakeConnectionManager"),
    "redshift": ("dbt.adapters.redshift.connections", "RedshiftConnectionManager"),
}
SNOWFLAKE_SHOW = ["created_on", "name", "database_name", "schema_name", "kind", "is_dynamic",
                  "is_iceberg"]  # fmt: skip


class Refused(Exception):
    """What the warehouse says of a statement it cannot parse."""


@dataclass
class Recorded:
    """What the adapter sent, and what the stand-in refused."""

    dialect: str
    statements: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


class _Cursor:
    rowcount = 0
    redshift_rowcount = 0
    sfqid = "stand-in"
    sqlstate = None

    def __init__(self, recorded: Recorded) -> None:
        self._recorded = recorded
        self.description: list[tuple[str, ...]] | None = None

    def execute(self, sql: str, bindings: Any = None, *args: Any, **kwargs: Any) -> _Cursor:
        self._recorded.statements.append(sql)
        self.description = None
        if sql.strip().lower().startswith("show "):
            self.description = [(c,) for c in SNOWFLAKE_SHOW]
            return self
        try:
            tree = sqlglot.parse_one(sql, read=self._recorded.dialect)
        except sqlglot.errors.ParseError as exc:
            self._recorded.refused.append((sql, str(exc)))
            raise Refused(f"syntax error: {exc}") from exc
        if isinstance(tree, exp.Query):
            self.description = [(name,) for name in tree.named_selects]
        return self

    def fetchall(self) -> list[Any]:
        return []

    def fetchone(self) -> Any:
        return None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        return []

    def close(self) -> None:
        return None


class _Handle:
    autocommit = True

    def __init__(self, recorded: Recorded) -> None:
        self._recorded = recorded

    def cursor(self) -> _Cursor:
        return _Cursor(self._recorded)

    def commit(self) -> None:
        return None

    def rollback(self) -> None:
        return None

    def close(self) -> None:
        return None


@contextmanager
def recording(adapter_type: str, dialect: str) -> Iterator[Recorded]:
    """While open, every connection of `adapter_type` is the stand-in's."""
    module, name = MANAGERS[adapter_type]
    manager = getattr(importlib.import_module(module), name)
    recorded = Recorded(dialect)
    original = manager.__dict__["open"]

    def open_stand_in(cls: Any, connection: Any) -> Any:
        connection.handle = _Handle(recorded)
        connection.state = "open"
        return connection

    manager.open = classmethod(open_stand_in)
    try:
        yield recorded
    finally:
        manager.open = original
