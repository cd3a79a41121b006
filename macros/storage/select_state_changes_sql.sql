{#- SQL reading each instance's changes of state from `since` (text, UTC) on, for the
    dashboard's noise view: alert, key, the state entered, the state before it (null at an
    instance's first evaluation) and when. Rows without a state (ERROR, SKIPPED) keep the
    state before them, so they are left out before comparing. -#}
{% macro select_state_changes_sql(since) %}
  {{ return(adapter.dispatch('select_state_changes_sql', 'sqlsentinel')(since)) }}
{% endmacro %}

{% macro default__select_state_changes_sql(since) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set sql -%}
    select alert_name, alert_key, state, previous_state, started_at
    from (
      select alert_name, alert_key, state, started_at,
             lag(state) over (
               partition by alert_name, alert_key order by started_at
             ) as previous_state
      from {{ relation }}
      where state is not null and started_at is not null
    ) as evaluated
    where started_at >= cast({{ sqlsentinel.string_literal(since) }} as {{ dbt.type_timestamp() }})
      and (previous_state is null or previous_state <> state)
    order by alert_name, alert_key, started_at
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
