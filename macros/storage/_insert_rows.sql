{#- INSERT rows (dicts keyed by column name) into relation, chunk_size per statement, each
    chunk committed unless commit=false; with conflict_key, a row whose key is already there
    is skipped. -#}
{% macro _insert_rows(relation, columns, rows, chunk_size=500, conflict_key=none, commit=true) %}
  {%- for chunk in rows | batch(chunk_size) -%}
    {%- call statement('sqlsentinel_insert') -%}
      insert into {{ relation }} ({{ columns | map(attribute=0) | join(', ') }}) values
      {%- for row in chunk %}
      ({%- for name, type in columns -%}
        {{ sqlsentinel._sql_value(row.get(name), type) }}{{ ", " if not loop.last }}
      {%- endfor -%}){{ "," if not loop.last }}
      {%- endfor %}
      {%- if conflict_key is not none %}
      on conflict ({{ conflict_key }}) do nothing
      {%- endif %}
    {%- endcall -%}
    {%- if commit -%}{%- do adapter.commit() -%}{%- endif -%}
  {%- endfor -%}
  {{ return(rows | length) }}
{% endmacro %}
