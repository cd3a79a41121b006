"""Ask the warehouse for no more rows than the status contract can use.

An alert may return any number of rows, but more than `max_instances` is an error, so the
run needs at most `max_instances + 1` of them. Fetching only that many from a cursor is not
enough: PostgreSQL's driver, for one, receives the whole result before the first fetch
(1,000,000 rows cost ~170 MB). Where the dialect has `LIMIT`, the query is wrapped so that
the warehouse itself stops.
"""

from __future__ import annotations

from sqlsentinel_dbt.engine.dialects import dialect_of

_HAS_LIMIT = {
    "athena",
    "bigquery",
    "clickhouse",
    "databricks",
    "duckdb",
    "materialize",
    "mysql",
    "postgres",
    "redshift",
    "snowflake",
    "spark",
    "trino",
}


def bounded_sql(sql: str, limit: int, adapter_type: str) -> str:
    """`sql` wrapped to return at most `limit` rows; unchanged where LIMIT is unknown."""
    if adapter_type not in _HAS_LIMIT:
        return sql
    # The newlines keep a trailing `-- comment` from swallowing the closing parenthesis.
    inner = _without_final_semicolon(sql, adapter_type)
    return f"select * from (\n{inner}\n) as sentinel_bounded limit {limit}"


def _without_final_semicolon(sql: str, adapter_type: str) -> str:
    if ";" not in sql:  # most queries: nothing to look for, so no tokenizing
        return sql
    import sqlglot  # only here: a warm run imports no parser otherwise
    from sqlglot import TokenType
    from sqlglot.errors import SqlglotError

    try:
        tokens = sqlglot.tokenize(sql, read=dialect_of(adapter_type))
    except SqlglotError:
        return sql
    if tokens and tokens[-1].token_type is TokenType.SEMICOLON:
        return sql[: tokens[-1].start]
    return sql
