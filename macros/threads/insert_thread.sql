{#- Record a thread a group opened (a dict keyed by column name). -#}
{% macro insert_thread(row) %}
  {{ return(adapter.dispatch('insert_thread', 'sqlsentinel')(row)) }}
{% endmacro %}

{% macro default__insert_thread(row) %}
  {%- set relation = sqlsentinel.ensure_threads() -%}
  {{ return(sqlsentinel._insert_rows(relation, sqlsentinel.thread_columns(), [row])) }}
{% endmacro %}
