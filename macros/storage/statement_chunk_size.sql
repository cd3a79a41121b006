{#- How many rows (or ids) one statement may carry on this warehouse; none: any number, so
    a bulk write is one statement however many rows it has. -#}
{% macro statement_chunk_size() %}
  {{ return(adapter.dispatch('statement_chunk_size', 'sqlsentinel')()) }}
{% endmacro %}

{#- BigQuery caps a query's text at 1 MB, Snowflake advises as much, others are unknown. -#}
{% macro default__statement_chunk_size() %}
  {{ return(500) }}
{% endmacro %}

{#- PostgreSQL takes a statement of up to 1 GB: no need to split one. -#}
{% macro postgres__statement_chunk_size() %}
  {{ return(none) }}
{% endmacro %}

{#- DuckDB has no limit on a statement's size either. -#}
{% macro duckdb__statement_chunk_size() %}
  {{ return(none) }}
{% endmacro %}

{#- Redshift caps a statement at 16 MB, where postgres__ (its fallback) would not split. -#}
{% macro redshift__statement_chunk_size() %}
  {{ return(500) }}
{% endmacro %}
