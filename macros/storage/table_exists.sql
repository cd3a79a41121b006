{#- True when the table `identifier` exists in the sentinel schema. -#}
{% macro table_exists(identifier) %}
  {{ return(adapter.dispatch('table_exists', 'sqlsentinel')(identifier)) }}
{% endmacro %}

{% macro default__table_exists(identifier) %}
  {%- set relation = sqlsentinel.sentinel_relation(identifier) -%}
  {{ return(adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none) }}
{% endmacro %}
