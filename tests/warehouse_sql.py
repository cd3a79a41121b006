"""Plain SQL against a test project's warehouse, beside sqlsentinel (to plant bad rows)."""

from __future__ import annotations

from typing import Any

from tests.conftest import PG, Project


def execute(project: Project, sql: str) -> None:
    """Run one statement."""
    query(project, sql, fetch=False)


def query(project: Project, sql: str, *, fetch: bool = True) -> list[dict[str, Any]]:
    """The rows of one statement, as dicts."""
    if project.warehouse == "duckdb":
        import duckdb

        with duckdb.connect(str(project.root / "warehouse.duckdb")) as connection:
            cursor = connection.execute(sql)
            return _dicts(cursor) if fetch else []
    import psycopg2

    with psycopg2.connect(**PG) as connection, connection.cursor() as cursor:
        cursor.execute(sql)  # no parameters: a `%` in the SQL stays as written
        return _dicts(cursor) if fetch else []


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
