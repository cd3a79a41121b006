{#- SQL reading the newest evaluation of every instance of every alert, for overviews (the
    dashboard, `sentinel report`): one row per alert and key with its status, state,
    values, when it ran, in which run and (for dbt's checks) on which dbt node. A row
    with no started_at sorts last, as in select_latest_states_sql. With `alert_name`, of that
    alert only (its page). -#}
{% macro select_latest_results_sql(alert_name=none) %}
  {{ return(adapter.dispatch('select_latest_results_sql', 'sqlsentinel')(alert_name)) }}
{% endmacro %}

{% macro default__select_latest_results_sql(alert_name=none) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set sql -%}
    select alert_name, alert_key, status, state, state_since, severity, actual_value,
           threshold, error, started_at, run_id, dbt_node
    from (
      select alert_name, alert_key, status, state, state_since, severity, actual_value,
             threshold, error, started_at, run_id, dbt_node,
             row_number() over (
               partition by alert_name, alert_key
               order by case when started_at is null then 1 else 0 end, started_at desc
             ) as sentinel_recency
      from {{ relation }}
      {%- if alert_name is not none %}
      where alert_name = {{ sqlsentinel.string_literal(alert_name) }}
      {%- endif %}
    ) as latest
    where sentinel_recency = 1
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
