{#- SQL reading every history row one run wrote (for one alert, if `alert_name` is given). -#}
{% macro select_run_history_sql(run_id, alert_name=none) %}
  {{ return(adapter.dispatch('select_run_history_sql', 'sqlsentinel')(run_id, alert_name)) }}
{% endmacro %}

{% macro default__select_run_history_sql(run_id, alert_name) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set literals = sqlsentinel.string_literals([run_id, alert_name or '']) -%}
  {%- set sql -%}
    select {{ sqlsentinel.alert_history_columns() | map(attribute=0) | join(', ') }}
    from {{ relation }}
    where run_id = {{ literals[0] }}
    {%- if alert_name is not none %} and alert_name = {{ literals[1] }}{% endif %}
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
