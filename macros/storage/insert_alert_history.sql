{#- Append result rows (dicts keyed by column name) to the history table, chunk_size rows per
    INSERT, each committed; with commit=false the caller commits (to write more in the same
    transaction). -#}
{% macro insert_alert_history(rows, chunk_size=500, commit=true) %}
  {{ return(adapter.dispatch('insert_alert_history', 'sqlsentinel')(rows, chunk_size, commit)) }}
{% endmacro %}

{% macro default__insert_alert_history(rows, chunk_size, commit) %}
  {%- set relation = sqlsentinel.ensure_alert_history() -%}
  {%- set columns = sqlsentinel.alert_history_columns() -%}
  {{ return(sqlsentinel._insert_rows(relation, columns, rows, chunk_size, none, commit)) }}
{% endmacro %}
