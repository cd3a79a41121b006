{#- SQL reading every history row one run wrote for one alert. -#}
{% macro select_run_history_sql(run_id, alert_name) %}
  {{ return(adapter.dispatch('select_run_history_sql', 'sqlsentinel')(run_id, alert_name)) }}
{% endmacro %}

{% macro default__select_run_history_sql(run_id, alert_name) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set literals = sqlsentinel.string_literals([run_id, alert_name]) -%}
  {%- set sql -%}
    select {{ sqlsentinel.alert_history_columns() | map(attribute=0) | join(', ') }}
    from {{ relation }}
    where run_id = {{ literals[0] }} and alert_name = {{ literals[1] }}
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
