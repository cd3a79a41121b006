{#- SQL reading the newest state of every instance of the named alerts that is not OK. Rows
    without a state (errors) are skipped, so an error keeps the state before it. A row with
    no started_at sorts last (PostgreSQL puts NULLs first in a descending order), so it
    cannot hide every later row of its instance for ever. -#}
{% macro select_latest_states_sql(alert_names) %}
  {{ return(adapter.dispatch('select_latest_states_sql', 'sqlsentinel')(alert_names)) }}
{% endmacro %}

{% macro default__select_latest_states_sql(alert_names) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set sql -%}
    select alert_name, alert_key, state, state_since, state_count, severity
    from (
      select alert_name, alert_key, state, state_since, state_count, severity,
             row_number() over (
               partition by alert_name, alert_key
               order by case when started_at is null then 1 else 0 end, started_at desc
             ) as sentinel_recency
      from {{ relation }}
      where state is not null
        and alert_name in ({{ sqlsentinel.string_literals(alert_names) | join(', ') }})
    ) as latest
    where sentinel_recency = 1 and state <> 'ok'
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
