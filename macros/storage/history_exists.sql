{#- True when the history table exists. -#}
{% macro history_exists() %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {{ return(adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none) }}
{% endmacro %}
