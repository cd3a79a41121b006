{#- SQL reading the values one alert recorded since `since` (text as the macros cast to a
    timestamp): key, when, value, newest first. An anomaly alert without a `bucket` column
    learns its series from them (docs/anomalies.md#points-in-time). -#}
{% macro select_alert_values_sql(alert_name, since) %}
  {{ return(adapter.dispatch('select_alert_values_sql', 'sqlsentinel')(alert_name, since)) }}
{% endmacro %}

{% macro default__select_alert_values_sql(alert_name, since) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set sql -%}
    select alert_key, started_at, actual_value
    from {{ relation }}
    where alert_name = {{ sqlsentinel.string_literal(alert_name) }}
      and started_at >= {{ sqlsentinel.timestamp_literal(since) }}
      and status in ('OK', 'ALERT')
      and actual_value is not null
    order by started_at desc
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
