"""Check every statement that alert Jinja sends to the warehouse while it compiles.

`run_query`, `statement`, `adapter.get_columns_in_relation`, `dbt_utils.star` and the like
all reach the warehouse through one of two methods of the adapter's connection manager:
`add_query` (every SQL adapter: dbt's `execute`, `BEGIN`, introspection macros) or
`raw_execute` (BigQuery). The guard wraps both on the adapter in use; while a thread is
compiling an alert, each statement goes through that alert's check first, and a refused
statement is never sent. Other threads (alert queries, history writes) pass untouched.
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


class StatementGuard:
    """Wraps an adapter's statement entry points with a per-thread check."""

    def __init__(self, adapter: Any) -> None:
        self._local = threading.local()
        connections = adapter.connections
        for name in _ENTRY_POINTS:
            original = getattr(connections, name, None)
            if original is not None:
                setattr(connections, name, self._guarded(original))

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

    def _guarded(self, send: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(sql: str, *args: Any, **kwargs: Any) -> Any:
            check: StatementCheck | None = getattr(self._local, "check", None)
            if check is not None:
                try:
                    check(sql)
                except ValueError as exc:
                    refused = Refused(f"a statement run while compiling was refused: {exc}")
                    self._local.refused = self._local.refused or refused
                    raise refused from exc
            return send(sql, *args, **kwargs)

        return guarded
