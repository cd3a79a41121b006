{#- The relation of the alert history table (it may not exist yet). -#}
{% macro history_relation() %}
  {{ return(api.Relation.create(
      database=target.database,
      schema=sqlsentinel.sentinel_schema(),
      identifier='sentinel_alert_history',
      type='table')) }}
{% endmacro %}
