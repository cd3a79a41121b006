{#- Add one silence (a dict keyed by column name). -#}
{% macro insert_silence(row) %}
  {{ return(adapter.dispatch('insert_silence', 'sqlsentinel')(row)) }}
{% endmacro %}

{% macro default__insert_silence(row) %}
  {%- set relation = sqlsentinel.ensure_silences() -%}
  {{ return(sqlsentinel._insert_rows(relation, sqlsentinel.silence_columns(), [row])) }}
{% endmacro %}
