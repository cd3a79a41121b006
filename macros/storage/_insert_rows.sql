{#- INSERT rows (dicts keyed by column name) into relation, chunk_size per statement, each
    chunk committed unless commit=false; with conflict_key, a row whose key is already there
    is skipped (ON CONFLICT: PostgreSQL and DuckDB). -#}
{% macro _insert_rows(relation, columns, rows, chunk_size=500, conflict_key=none, commit=true) %}
  {#- Resolve the dispatch once: it is called for every text cell. -#}
  {%- set literal = adapter.dispatch('string_literal', 'sqlsentinel') -%}
  {%- set timestamp_type = dbt.type_timestamp() -%}
  {%- for chunk in rows | batch(chunk_size) -%}
    {%- call statement('sqlsentinel_insert') -%}
      insert into {{ relation }} ({{ columns | map(attribute=0) | join(', ') }}) values
      {%- for row in chunk %}
      ({{ sqlsentinel._row_literals(row, columns, literal, timestamp_type) | join(', ') }}){{ "," if not loop.last }}
      {%- endfor %}
      {%- if conflict_key is not none %}
      on conflict ({{ conflict_key }}) do nothing
      {%- endif %}
    {%- endcall -%}
    {%- if commit -%}{%- do adapter.commit() -%}{%- endif -%}
  {%- endfor -%}
  {{ return(rows | length) }}
{% endmacro %}

{#- MERGE rows into relation, skipping those whose `key` is already there: for warehouses
    without ON CONFLICT (BigQuery, Snowflake, Redshift). -#}
{% macro _merge_new_rows(relation, columns, rows, key, chunk_size=500, commit=true) %}
  {%- set literal = adapter.dispatch('string_literal', 'sqlsentinel') -%}
  {%- set timestamp_type = dbt.type_timestamp() -%}
  {%- set names = columns | map(attribute=0) | list -%}
  {%- for chunk in rows | batch(chunk_size) -%}
    {%- call statement('sqlsentinel_merge') -%}
      merge into {{ relation }} as sentinel_target
      using (
        {%- for row in chunk %}
        select
          {%- for value in sqlsentinel._row_literals(row, columns, literal, timestamp_type) %}
          cast({{ value }} as {{ columns[loop.index0][1] }}) as {{ names[loop.index0] }}{{ "," if not loop.last }}
          {%- endfor %}
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

{#- One row's values as SQL literals, in column order. -#}
{% macro _row_literals(row, columns, literal, timestamp_type) %}
  {%- set values = [] -%}
  {%- for name, type in columns -%}
    {%- set value = row.get(name) -%}
    {%- if value is none -%}
      {%- do values.append('null') -%}
    {%- elif value is number -%}
      {%- do values.append(value | string) -%}
    {%- elif type == timestamp_type -%}
      {%- do values.append("cast('" ~ value ~ "' as " ~ type ~ ")") -%}
    {%- else -%}
      {%- do values.append(literal(value)) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(values) }}
{% endmacro %}
