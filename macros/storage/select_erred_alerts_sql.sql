{#- SQL reading which of the named alerts errored when last evaluated: the name of each
    whose newest row that is not SKIPPED (a skipped check was not evaluated) is an ERROR.
    Its error notification fires until it evaluates again, so the hook queues a decision
    for it even when it now passes. A row with no started_at sorts last, as in
    select_latest_states_sql. -#}
{% macro select_erred_alerts_sql(alert_names) %}
  {{ return(adapter.dispatch('select_erred_alerts_sql', 'sqlsentinel')(alert_names)) }}
{% endmacro %}

{% macro default__select_erred_alerts_sql(alert_names) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set sql -%}
    select alert_name
    from (
      select alert_name, status,
             row_number() over (
               partition by alert_name
               order by case when started_at is null then 1 else 0 end, started_at desc
             ) as sentinel_recency
      from {{ relation }}
      where status <> 'SKIPPED'
        and alert_name in ({{ sqlsentinel.string_literals(alert_names) | join(', ') }})
    ) as latest
    where sentinel_recency = 1 and status = 'ERROR'
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
