{#- The relation of the notification outbox (it may not exist yet). -#}
{% macro notifications_relation() %}
  {{ return(adapter.dispatch('notifications_relation', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__notifications_relation() %}
  {{ return(sqlsentinel.sentinel_relation('sentinel_notifications')) }}
{% endmacro %}
