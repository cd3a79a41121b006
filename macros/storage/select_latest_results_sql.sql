{#- SQL reading the newest evaluation of every instance of every alert, for overviews (the
    dashboard, `sentinel report`): one row per alert and key with its status, state,
    values, when it ran and in which run. A row with no started_at sorts last, as in
    select_latest_states_sql. -#}
{% macro select_latest_results_sql() %}
  {{ return(adapter.dispatch('select_latest_results_sql', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__select_latest_results_sql() %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set sql -%}
    select alert_name, alert_key, status, state, state_since, severity, actual_value,
           threshold, error, started_at, run_id
    from (
      select alert_name, alert_key, status, state, state_since, severity, actual_value,
             threshold, error, started_at, run_id,
             row_number() over (
               partition by alert_name, alert_key
               order by case when started_at is null then 1 else 0 end, started_at desc
             ) as sentinel_recency
      from {{ relation }}
    ) as latest
    where sentinel_recency = 1
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
