{#- The schema that holds sqlsentinel's tables: var `sqlsentinel_schema`, else <target schema>_sentinel. -#}
{% macro sentinel_schema() %}
  {{ return(adapter.dispatch('sentinel_schema', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__sentinel_schema() %}
  {{ return(var('sqlsentinel_schema', target.schema ~ '_sentinel')) }}
{% endmacro %}
