{#- INSERT rows (dicts keyed by column name) into relation, chunk_size per statement (none:
    the warehouse's statement_chunk_size), each chunk committed unless commit=false; with
    conflict_key, a row whose key is already there is skipped (ON CONFLICT: PostgreSQL and
    DuckDB). -#}
{% macro _insert_rows(relation, columns, rows, chunk_size=none, conflict_key=none, commit=true) %}
  {%- for chunk in rows | batch(chunk_size or sqlsentinel.statement_chunk_size() or rows | length or 1) -%}
    {%- call statement('sqlsentinel_insert') -%}
      insert into {{ relation }} ({{ columns | map(attribute=0) | join(', ') }})
      {{ sqlsentinel._rows_source(chunk, columns) }}
      {%- if conflict_key is not none %}
      on conflict ({{ conflict_key }}) do nothing
      {%- endif %}
    {%- endcall -%}
    {%- if commit -%}{%- do adapter.commit() -%}{%- endif -%}
  {%- endfor -%}
  {{ return(rows | length) }}
{% endmacro %}

{#- The rows as a source an INSERT reads from, in column order. -#}
{% macro _rows_source(rows, columns) %}
  {{ return(adapter.dispatch('_rows_source', 'sqlsentinel')(rows, columns)) }}
{% endmacro %}

{% macro default___rows_source(rows, columns) %}
  {%- set source -%}
    values
    {%- for values in sqlsentinel._row_literals(rows, columns) %}
    ({{ values }}){{ "," if not loop.last }}
    {%- endfor %}
  {%- endset -%}
  {{ return(source) }}
{% endmacro %}

{#- DuckDB runs in sentinel's own process, and a VALUES list costs it about 50 KB of memory
    a row while it plans the statement: the rows go in as one JSON text instead. from_json
    reads a row's columns by name (a key it does not name is ignored, one missing is null),
    so the rows are serialised as they come, with no loop over them in Jinja. -#}
{% macro duckdb___rows_source(rows, columns) %}
  {%- set shape = {} -%}
  {%- for name, type in columns -%}{%- do shape.update({name: type}) -%}{%- endfor -%}
  {%- set literals = sqlsentinel.string_literals([tojson(rows), tojson([shape])]) -%}
  {{ return("select unnest(from_json(" ~ literals | join(", ") ~ "), recursive := true)") }}
{% endmacro %}

{#- PostgreSQL: the rows as one JSON text too, read by name into typed columns
    (json_to_recordset), instead of a literal per value rendered in Jinja. The text is an
    escape string (E'...'), so JSON's backslashes survive a server that still has
    standard_conforming_strings off. -#}
{% macro postgres___rows_source(rows, columns) %}
  {%- set literal = "E'" ~ tojson(rows).replace('\\', '\\\\').replace("'", "''") ~ "'" -%}
  {%- set shape = [] -%}
  {%- for name, type in columns -%}{%- do shape.append(name ~ " " ~ type) -%}{%- endfor -%}
  {{ return("select " ~ columns | map(attribute=0) | join(", ") ~ " from json_to_recordset("
            ~ literal ~ ") as sentinel_rows(" ~ shape | join(", ") ~ ")") }}
{% endmacro %}

{#- Redshift would fall back to postgres__, but it has no json_to_recordset. -#}
{% macro redshift___rows_source(rows, columns) %}
  {{ return(sqlsentinel.default___rows_source(rows, columns)) }}
{% endmacro %}

{#- MERGE rows into relation, skipping those whose `key` is already there: for warehouses
    without ON CONFLICT (BigQuery, Snowflake, Redshift). -#}
{% macro _merge_new_rows(relation, columns, rows, key, chunk_size=none, commit=true) %}
  {%- set rendered = sqlsentinel._row_literals(rows, columns, as_select=true) -%}
  {%- set names = columns | map(attribute=0) | list -%}
  {%- for chunk in rendered | batch(chunk_size or sqlsentinel.statement_chunk_size() or rendered | length or 1) -%}
    {%- call statement('sqlsentinel_merge') -%}
      merge into {{ relation }} as sentinel_target
      using (
        {%- for values in chunk %}
        select {{ values }}
        {{ "union all" if not loop.last }}
        {%- endfor %}
      ) as sentinel_source
      on sentinel_target.{{ key }} = sentinel_source.{{ key }}
      when not matched then insert ({{ names | join(', ') }})
      values ({% for name in names %}sentinel_source.{{ name }}{{ ", " if not loop.last }}{% endfor %})
    {%- endcall -%}
    {%- if commit -%}{%- do adapter.commit() -%}{%- endif -%}
  {%- endfor -%}
  {{ return(rows | length) }}
{% endmacro %}

{#- Every row's values as SQL literals, in column order, comma-separated: one text per row
    (with as_select, each cast to its column's type and named after it). Each distinct text
    is quoted once, by one string_literals call, and each distinct timestamp written once:
    run ids, statuses, run times and the like repeat in every row. -#}
{% macro _row_literals(rows, columns, as_select=false) %}
  {%- set timestamp_type = dbt.type_timestamp() -%}
  {%- set texts, stamps = [], [] -%}
  {%- for name, type in columns -%}
    {%- do (stamps if type == timestamp_type else texts).extend(rows | map(attribute=name, default=none) | reject('none') | reject('number') | map('string')) -%}
  {%- endfor -%}
  {%- set distinct = texts | unique(case_sensitive=true) | list -%}
  {%- set quoted = dict(zip(distinct, sqlsentinel.string_literals(distinct))) -%}
  {%- set timestamps = {} -%}
  {%- for stamp in stamps | unique(case_sensitive=true) -%}
    {%- do timestamps.update({stamp: sqlsentinel.timestamp_literal(stamp)}) -%}
  {%- endfor -%}
  {%- set rendered = [] -%}
  {%- for row in rows -%}
    {%- set values -%}
      {%- for name, type in columns -%}
        {%- set value = row[name] -%}
        {{- "cast(" if as_select -}}
        {%- if value is none or value is undefined -%} null
        {%- elif value is number -%} {{ value }}
        {%- elif type == timestamp_type -%} {{ timestamps[value | string] }}
        {%- else -%} {{ quoted[value | string] }}
        {%- endif -%}
        {{- " as " ~ type ~ ") as " ~ name if as_select -}}
        {{- ", " if not loop.last -}}
      {%- endfor -%}
    {%- endset -%}
    {%- do rendered.append(values) -%}
  {%- endfor -%}
  {{ return(rendered) }}
{% endmacro %}
