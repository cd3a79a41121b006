{#- Create the sentinel schema and the history table if they are missing; return the relation. -#}
{% macro ensure_alert_history() %}
  {{ return(adapter.dispatch('ensure_alert_history', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__ensure_alert_history() %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
    {%- do adapter.create_schema(relation) -%}
    {%- set columns = sqlsentinel.alert_history_columns() -%}
    {%- call statement('sqlsentinel_create_alert_history') -%}
      create table if not exists {{ relation }} (
        {%- for name, type in columns %}
        {{ name }} {{ type }}{{ "," if not loop.last }}
        {%- endfor %}
      )
    {%- endcall -%}
    {#- Tell dbt's relation cache, or get_relation will not see the new table. -#}
    {%- do adapter.cache_added(relation) -%}
    {%- do adapter.commit() -%}
  {%- endif -%}
  {{ return(relation) }}
{% endmacro %}
