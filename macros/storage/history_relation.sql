{#- The relation of the alert history table (it may not exist yet). -#}
{% macro history_relation() %}
  {{ return(adapter.dispatch('history_relation', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__history_relation() %}
  {{ return(sqlsentinel.sentinel_relation('sentinel_alert_history')) }}
{% endmacro %}
