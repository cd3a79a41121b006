{#- Create the sentinel schema and the outbox table if they are missing; return the relation.
    notification_id is the idempotency key, and its primary key is what makes two runs that
    decide the same change write one row. -#}
{% macro ensure_notifications() %}
  {{ return(adapter.dispatch('ensure_notifications', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__ensure_notifications() %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
    {%- do adapter.create_schema(relation) -%}
    {%- call statement('sqlsentinel_create_notifications') -%}
      create table if not exists {{ relation }} (
        {%- for name, type in sqlsentinel.notification_columns() %}
        {{ name }} {{ type }}
        {{- " not null primary key" if name == 'notification_id' }}{{ "," if not loop.last }}
        {%- endfor %}
      )
    {%- endcall -%}
    {%- do adapter.cache_added(relation) -%}
    {%- do adapter.commit() -%}
  {%- endif -%}
  {{ return(relation) }}
{% endmacro %}
