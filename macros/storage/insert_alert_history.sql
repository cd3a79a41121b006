{#- Append result rows (dicts keyed by column name) to the history table, chunk_size rows per
    INSERT, each committed; with commit=false the caller commits (to write more in the same
    transaction). -#}
{% macro insert_alert_history(rows, chunk_size=500, commit=true) %}
  {{ return(adapter.dispatch('insert_alert_history', 'sqlsentinel')(rows, chunk_size, commit)) }}
{% endmacro %}

{% macro default__insert_alert_history(rows, chunk_size, commit) %}
  {%- set relation = sqlsentinel.ensure_alert_history() -%}
  {%- set columns = sqlsentinel.alert_history_columns() -%}
  {%- set timestamp_type = dbt.type_timestamp() -%}
  {#- Resolve the dispatch once: it is called for every text cell. -#}
  {%- set escape = adapter.dispatch('escape_single_quotes', 'dbt') -%}
  {%- for chunk in rows | batch(chunk_size) -%}
    {%- set insert_sql -%}
      insert into {{ relation }} ({{ columns | map(attribute=0) | join(', ') }}) values
      {%- for row in chunk %}
      (
        {%- for name, type in columns -%}
          {%- set value = row.get(name) -%}
          {%- if value is none -%} null
          {%- elif value is number -%} {{ value }}
          {%- elif type == timestamp_type -%} cast('{{ value }}' as {{ type }})
          {%- else -%} '{{ escape(value) }}'
          {%- endif -%}
          {{- ", " if not loop.last -}}
        {%- endfor -%}
      ){{ "," if not loop.last }}
      {%- endfor %}
    {%- endset -%}
    {%- call statement('sqlsentinel_insert_alert_history') -%}{{ insert_sql }}{%- endcall -%}
    {#- Commit each chunk here so callers (the CLI, run-operation) need not know about it. -#}
    {%- if commit -%}{%- do adapter.commit() -%}{%- endif -%}
  {%- endfor -%}
  {{ return(rows | length) }}
{% endmacro %}
