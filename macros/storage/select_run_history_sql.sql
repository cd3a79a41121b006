{#- SQL reading every history row one run wrote: of one alert if `alert_name` is given, of
    a list of them if `alert_names` is. -#}
{% macro select_run_history_sql(run_id, alert_name=none, alert_names=none) %}
  {{ return(adapter.dispatch('select_run_history_sql', 'sqlsentinel')(run_id, alert_name, alert_names)) }}
{% endmacro %}

{% macro default__select_run_history_sql(run_id, alert_name, alert_names=none) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set literals = sqlsentinel.string_literals([run_id, alert_name or '']) -%}
  {%- set sql -%}
    select {{ sqlsentinel.alert_history_columns() | map(attribute=0) | join(', ') }}
    from {{ relation }}
    where run_id = {{ literals[0] }}
    {%- if alert_name is not none %} and alert_name = {{ literals[1] }}{% endif %}
    {%- if alert_names %} and alert_name in ({{ sqlsentinel.string_literals(alert_names) | join(', ') }}){% endif %}
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
