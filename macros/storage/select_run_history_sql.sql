{#- SQL reading every history row one run wrote for one alert. -#}
{% macro select_run_history_sql(run_id, alert_name) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set literal = adapter.dispatch('string_literal', 'sqlsentinel') -%}
  {%- set sql -%}
    select {{ sqlsentinel.alert_history_columns() | map(attribute=0) | join(', ') }}
    from {{ relation }}
    where run_id = {{ literal(run_id) }} and alert_name = {{ literal(alert_name) }}
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
