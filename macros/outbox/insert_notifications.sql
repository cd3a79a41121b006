{#- Append outbox rows (dicts keyed by column name); a row whose notification_id is already
    there is skipped, so a change decided by two runs at once is queued once. -#}
{% macro insert_notifications(rows, chunk_size=500, commit=true) %}
  {{ return(adapter.dispatch('insert_notifications', 'sqlsentinel')(rows, chunk_size, commit)) }}
{% endmacro %}

{% macro default__insert_notifications(rows, chunk_size, commit) %}
  {%- set relation = sqlsentinel.ensure_notifications() -%}
  {%- set columns = sqlsentinel.notification_columns() -%}
  {{ return(sqlsentinel._insert_rows(relation, columns, rows, chunk_size, 'notification_id', commit)) }}
{% endmacro %}
