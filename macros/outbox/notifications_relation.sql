{#- The relation of the notification outbox (it may not exist yet). -#}
{% macro notifications_relation() %}
  {{ return(sqlsentinel.sentinel_relation('sentinel_notifications')) }}
{% endmacro %}
