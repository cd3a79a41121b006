{#- Create the sentinel schema and the threads table if they are missing; return the relation. -#}
{% macro ensure_threads() %}
  {{ return(adapter.dispatch('ensure_threads', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__ensure_threads() %}
  {%- set relation = sqlsentinel.threads_relation() -%}
  {%- do sqlsentinel.create_sentinel_table(relation, sqlsentinel.thread_columns()) -%}
  {{ return(relation) }}
{% endmacro %}
