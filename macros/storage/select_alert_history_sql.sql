{#- SQL reading the newest history rows, optionally of one alert. -#}
{% macro select_alert_history_sql(alert_name=none, limit=50) %}
  {{ return(adapter.dispatch('select_alert_history_sql', 'sqlsentinel')(alert_name, limit)) }}
{% endmacro %}

{% macro default__select_alert_history_sql(alert_name, limit) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set sql -%}
    select {{ sqlsentinel.alert_history_columns() | map(attribute=0) | join(', ') }}
    from {{ relation }}
    {%- if alert_name is not none %}
    where alert_name = {{ sqlsentinel.string_literal(alert_name) }}
    {%- endif %}
    order by started_at desc, alert_name, alert_key
    limit {{ limit | int }}
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
