"""The sqlglot dialect of each dbt adapter, kept apart so that naming one imports no parser."""

from __future__ import annotations

# dbt adapter type -> sqlglot dialect, where the names differ or sqlglot has one.
_DIALECTS = {
    "athena": "athena",
    "bigquery": "bigquery",
    "clickhouse": "clickhouse",
    "databricks": "databricks",
    "duckdb": "duckdb",
    "fabric": "tsql",
    "materialize": "materialize",
    "mysql": "mysql",
    "oracle": "oracle",
    "postgres": "postgres",
    "redshift": "redshift",
    "snowflake": "snowflake",
    "spark": "spark",
    "sqlserver": "tsql",
    "synapse": "tsql",
    "teradata": "teradata",
    "trino": "trino",
}


def dialect_of(adapter_type: str) -> str | None:
    """The sqlglot dialect for a dbt adapter type (None: sqlglot's generic SQL)."""
    return _DIALECTS.get(adapter_type)
