{#- SQL reading every history row one run wrote for one alert. -#}
{% macro select_run_history_sql(run_id, alert_name) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set escape = adapter.dispatch('escape_single_quotes', 'dbt') -%}
  {%- set sql -%}
    select {{ sqlsentinel.alert_history_columns() | map(attribute=0) | join(', ') }}
    from {{ relation }}
    where run_id = '{{ escape(run_id) }}' and alert_name = '{{ escape(alert_name) }}'
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
