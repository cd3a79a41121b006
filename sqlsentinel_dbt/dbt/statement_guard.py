"""Check every statement that alert Jinja sends to the warehouse while it compiles.

`run_query`, `statement`, `adapter.get_columns_in_relation`, `dbt_utils.star` and the like
all reach the warehouse through one of two methods of the adapter's connection manager:
`add_query` (every SQL adapter: dbt's `execute`, `BEGIN`, introspection macros) or
`raw_execute` (BigQuery). The guard wraps both on the adapter in use; while a thread is
compiling an alert, each statement goes through that alert's check first, and a refused
statement is never sent. Other threads (alert queries, history writes) pass untouched.

Some adapters change the warehouse through their client's API rather than SQL (BigQuery's
`drop_relation`, `copy_table`, `load_dataframe`): while compiling, the adapter methods
that change something are refused by name, whatever the adapter does underneath.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlsentinel_dbt.errors import Refused

StatementCheck = Callable[[str], None]
"""Raises ValueError, saying why, to refuse a statement."""

_ENTRY_POINTS = ("add_query", "raw_execute")
# Adapter methods, callable from Jinja as `adapter.<name>`, that change the warehouse.
_CHANGING_METHODS = (
    "add_time_ingestion_partition_column",
    "alter_column_type",
    "alter_table_add_columns",
    "alter_table_add_remove_columns",
    "copy_table",
    "create_schema",
    "drop_relation",
    "drop_schema",
    "expand_target_column_types",
    "grant_access_to",
    "load_dataframe",
    "rename_relation",
    "run_sql_for_tests",
    "sync_struct_columns",
    "truncate_relation",
    "update_columns",
    "update_table_description",
    "upload_file",
)


class StatementGuard:
    """Wraps an adapter's statement entry points with a per-thread check."""

    def __init__(self, adapter: Any) -> None:
        self._local = threading.local()
        connections = adapter.connections
        for name in _ENTRY_POINTS:
            original = getattr(connections, name, None)
            if original is not None:
                setattr(connections, name, self._guarded(original))
        for name in _CHANGING_METHODS:
            original = getattr(adapter, name, None)
            if original is not None:
                setattr(adapter, name, self._refused_while_compiling(name, original))

    @contextmanager
    def checking(self, check: StatementCheck) -> Iterator[None]:
        """Check each statement this thread sends until the block ends.

        Raises Refused after the block when a statement was refused inside it, even if
        the macro that sent it swallowed the error.
        """
        self._local.check, self._local.refused = check, None
        try:
            yield
        except Exception:
            # dbt may have wrapped the refusal into an error of its own: report the refusal.
            if self._local.refused is not None:
                raise self._local.refused from None
            raise
        finally:
            self._local.check = None
        if self._local.refused is not None:
            raise self._local.refused

    def _refuse(self, why: str) -> Refused:
        refused = Refused(f"a statement run while compiling was refused: {why}")
        self._local.refused = self._local.refused or refused
        return refused

    def _refused_while_compiling(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def refused_while_compiling(*args: Any, **kwargs: Any) -> Any:
            if getattr(self._local, "check", None) is not None:
                raise self._refuse(f"adapter.{name} changes the warehouse")
            return method(*args, **kwargs)

        return refused_while_compiling

    def _guarded(self, send: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(sql: str, *args: Any, **kwargs: Any) -> Any:
            check: StatementCheck | None = getattr(self._local, "check", None)
            if check is not None:
                try:
                    check(sql)
                except ValueError as exc:
                    raise self._refuse(str(exc)) from exc
            return send(sql, *args, **kwargs)

        return guarded
