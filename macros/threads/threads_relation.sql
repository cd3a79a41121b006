{#- The relation of the threads table (it may not exist yet). -#}
{% macro threads_relation() %}
  {{ return(adapter.dispatch('threads_relation', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__threads_relation() %}
  {{ return(sqlsentinel.sentinel_relation('sentinel_threads')) }}
{% endmacro %}
