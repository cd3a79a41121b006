"""Shape an alert's query before it is sent: drop its final semicolon, bound its rows.

An alert may return any number of rows, but more than `max_instances` is an error, so the
run needs at most `max_instances + 1` of them. Fetching only that many from a cursor is not
enough: PostgreSQL's driver, for one, receives the whole result before the first fetch
(1,000,000 rows cost ~170 MB). Where the dialect has `LIMIT`, the query is wrapped so that
the warehouse itself stops.

`dbt run-operation sqlsentinel.run_alerts` shapes its queries with the same rules, in
macros: `_without_final_semicolon` and `bounded_sql` (macros/engine/). The adapters that
get the wrap are HAS_LIMIT here and `_limit_adapters` there; tests hold the two equal, and
compare what both engines send on DuckDB, PostgreSQL and the BigQuery stand-in.
"""

from __future__ import annotations

from sqlsentinel_dbt.engine.dialects import dialect_of

HAS_LIMIT = frozenset(
    {
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
)
"""The adapters whose SQL has LIMIT: the same list as macros/engine/bounded_sql.sql's."""


def bounded_sql(sql: str, limit: int, adapter_type: str) -> str:
    """`sql` without its final semicolon, wrapped to return at most `limit` rows.

    Only where the adapter is in HAS_LIMIT: elsewhere only the semicolon goes.
    """
    inner = without_final_semicolon(sql, adapter_type)
    if adapter_type not in HAS_LIMIT:
        return inner
    # The newlines keep a trailing `-- comment` from swallowing the closing parenthesis.
    return f"select * from (\n{inner}\n) as sentinel_bounded limit {limit}"


def without_final_semicolon(sql: str, adapter_type: str) -> str:
    """`sql` without the semicolons that end it, and the whitespace and comments after them.

    sqlglot's tokenizer for the adapter's dialect tells a semicolon in a string, a quoted
    name or a comment (which stays) from one that ends the statement; SQL it cannot
    tokenize (an unterminated string) is left as it is, for the warehouse to judge.
    """
    if ";" not in sql:  # most queries: nothing to look for, so no tokenizing
        return sql
    import sqlglot  # only here: a warm run imports no parser otherwise
    from sqlglot import TokenType
    from sqlglot.errors import SqlglotError

    try:
        tokens = sqlglot.tokenize(sql, read=dialect_of(adapter_type))
    except SqlglotError:
        return sql
    end = None
    while tokens and tokens[-1].token_type is TokenType.SEMICOLON:
        end = tokens.pop().start  # comments are no tokens: they go with the semicolon
    return sql if end is None else sql[:end]
