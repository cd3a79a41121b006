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

{#- Snowflake folds unquoted names to upper case, and lists them so (`show objects`): a
    relation cached in lower case would be an "approximate match" for dbt's next lookup. -#}
{% macro snowflake__sentinel_relation(identifier) %}
  {{ return(api.Relation.create(
      database=target.database | upper,
      schema=sqlsentinel.sentinel_schema() | upper,
      identifier=identifier | upper,
      type='table')) }}
{% endmacro %}
