{#- The relation of the notification outbox (it may not exist yet). -#}
{% macro notifications_relation() %}
  {{ return(api.Relation.create(
      database=target.database,
      schema=sqlsentinel.sentinel_schema(),
      identifier='sentinel_notifications',
      type='table')) }}
{% endmacro %}
