{#- A table in the sentinel schema (it may not exist yet). -#}
{% macro sentinel_relation(identifier) %}
  {{ return(adapter.dispatch('sentinel_relation', 'sqlsentinel')(identifier)) }}
{% endmacro %}

{% macro default__sentinel_relation(identifier) %}
  {{ return(api.Relation.create(
      database=target.database,
      schema=sqlsentinel.sentinel_schema(),
      identifier=identifier,
      type='table')) }}
{% endmacro %}
