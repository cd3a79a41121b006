{#- True when the outbox table exists. -#}
{% macro notifications_exist() %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {{ return(adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none) }}
{% endmacro %}
