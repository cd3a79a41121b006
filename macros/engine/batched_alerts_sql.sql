{#- One statement that evaluates several alerts: each query's rows, turned into JSON text
    beside the query's position in `queries`, combined with UNION ALL. `queries` are
    alert queries already shaped to run alone (bounded, or counted for failing_rows).
    None where the adapter cannot turn a row into JSON (no `sentinel_row_json` for it):
    the alerts then run one query each. sqlsentinel_dbt/engine/batches.py reads the
    result back (docs/performance.md, "Batched evaluation"). -#}
{% macro batched_alerts_sql(queries) %}
  {{ return(adapter.dispatch('batched_alerts_sql', 'sqlsentinel')(queries)) }}
{% endmacro %}

{% macro default__batched_alerts_sql(queries) %}
  {%- set row_json = sqlsentinel.sentinel_row_json('sentinel_row') -%}
  {%- if row_json is none -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set parts = [] -%}
  {%- for sql in queries -%}
    {#- The newlines keep a trailing `-- comment` from swallowing the closing parenthesis. -#}
    {%- do parts.append('select ' ~ loop.index0 ~ ' as sentinel_index, ' ~ row_json
        ~ ' as sentinel_row_json from (\n' ~ sql ~ '\n) as sentinel_row') -%}
  {%- endfor -%}
  {{ return(parts | join('\nunion all\n')) }}
{% endmacro %}

{#- An expression for the row of the relation `alias` as JSON text whose keys are its
    columns, in their order; none where the adapter has no such function. Shim it for
    another adapter to let its alerts be batched. -#}
{% macro sentinel_row_json(alias) %}
  {{ return(adapter.dispatch('sentinel_row_json', 'sqlsentinel')(alias)) }}
{% endmacro %}

{% macro default__sentinel_row_json(alias) %}
  {{ return(none) }}
{% endmacro %}

{% macro duckdb__sentinel_row_json(alias) %}
  {{ return('cast(to_json(' ~ alias ~ ') as varchar)') }}
{% endmacro %}

{#- json, not jsonb: jsonb would sort the columns and drop all but one of a repeated name. -#}
{% macro postgres__sentinel_row_json(alias) %}
  {{ return('cast(row_to_json(' ~ alias ~ ') as text)') }}
{% endmacro %}

{#- Redshift has no function that turns a whole row into JSON (and would otherwise get
    PostgreSQL's row_to_json through dispatch). -#}
{% macro redshift__sentinel_row_json(alias) %}
  {{ return(none) }}
{% endmacro %}

{% macro bigquery__sentinel_row_json(alias) %}
  {{ return('to_json_string(' ~ alias ~ ')') }}
{% endmacro %}

{#- Snowflake's objects keep no column order, and drop NULLs unless told to keep them. The
    relation is the only one in its FROM, so `*` is its columns. -#}
{% macro snowflake__sentinel_row_json(alias) %}
  {{ return('to_json(object_construct_keep_null(*))') }}
{% endmacro %}
