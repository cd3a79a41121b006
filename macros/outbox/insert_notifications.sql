{#- Append outbox rows (dicts keyed by column name); a row whose notification_id is already
    there is skipped, so a change decided by two runs at once is queued once. -#}
{% macro insert_notifications(rows, chunk_size=500) %}
  {{ return(adapter.dispatch('insert_notifications', 'sqlsentinel')(rows, chunk_size)) }}
{% endmacro %}

{% macro default__insert_notifications(rows, chunk_size) %}
  {%- set relation = sqlsentinel.ensure_notifications() -%}
  {%- set columns = sqlsentinel.notification_columns() -%}
  {%- for chunk in rows | batch(chunk_size) -%}
    {%- call statement('sqlsentinel_insert_notifications') -%}
      insert into {{ relation }} ({{ columns | map(attribute=0) | join(', ') }}) values
      {%- for row in chunk %}
      ({%- for name, type in columns -%}
        {{ sqlsentinel._sql_value(row.get(name), type) }}{{ ", " if not loop.last }}
      {%- endfor -%}){{ "," if not loop.last }}
      {%- endfor %}
      on conflict (notification_id) do nothing
    {%- endcall -%}
    {%- do adapter.commit() -%}
  {%- endfor -%}
  {{ return(rows | length) }}
{% endmacro %}
