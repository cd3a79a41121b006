{#- `sql` (a query without its final semicolon) wrapped to return at most `limit` rows, so
    the warehouse itself stops there: run_alerts asks for max_instances + 1 rows, enough to
    tell "too many" apart. An adapter whose SQL has no LIMIT (not in _limit_adapters) gets
    the query as it is; shim this macro to bound it there (`select top N ...`).
    sqlsentinel_dbt/engine/bounded.py does the same for `sentinel dbt-run`. -#}
{% macro bounded_sql(sql, limit) %}
  {{ return(adapter.dispatch('bounded_sql', 'sqlsentinel')(sql, limit)) }}
{% endmacro %}

{% macro default__bounded_sql(sql, limit) %}
  {%- if adapter.type() not in sqlsentinel._limit_adapters() -%}
    {{ return(sql) }}
  {%- endif -%}
  {#- The newlines keep a trailing `-- comment` from swallowing the closing parenthesis. -#}
  {{ return('select * from (\n' ~ sql ~ '\n) as sentinel_bounded limit ' ~ (limit | int)) }}
{% endmacro %}

{#- The adapters whose SQL has LIMIT: HAS_LIMIT of sqlsentinel_dbt/engine/bounded.py, which
    a test holds equal to this list. -#}
{% macro _limit_adapters() %}
  {{ return(['athena', 'bigquery', 'clickhouse', 'databricks', 'duckdb', 'materialize', 'mysql',
             'postgres', 'redshift', 'snowflake', 'spark', 'trino']) }}
{% endmacro %}
