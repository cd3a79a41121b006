{#- Append result rows (dicts keyed by column name) to the history table, chunk_size rows per
    INSERT (none: as many as the warehouse takes in one, see statement_chunk_size), each
    committed; with commit=false the caller commits (to write more in the same transaction).
    ensure=false skips creating the table, for a caller that ensured it in the same run. -#}
{% macro insert_alert_history(rows, chunk_size=none, commit=true, ensure=true) %}
  {{ return(adapter.dispatch('insert_alert_history', 'sqlsentinel')(rows, chunk_size, commit, ensure)) }}
{% endmacro %}

{% macro default__insert_alert_history(rows, chunk_size, commit, ensure) %}
  {%- set relation = sqlsentinel.ensure_alert_history() if ensure else sqlsentinel.history_relation() -%}
  {%- set columns = sqlsentinel.alert_history_columns() -%}
  {{ return(sqlsentinel._insert_rows(relation, columns, rows, chunk_size, none, commit)) }}
{% endmacro %}
