{#- SQL reading each instance's changes of state from `since` (text, UTC) on, for the
    dashboard's noise view: alert, key, the state entered, the state before it and when.
    The state before is looked for from `look_back_from` on (text, UTC; none: the whole
    table), so that a long history is not read whole; it is null at an instance's first
    evaluation in that window. Rows without a state (ERROR, SKIPPED) keep the state before
    them, so they are left out before comparing. -#}
{% macro select_state_changes_sql(since, look_back_from=none) %}
  {{ return(adapter.dispatch('select_state_changes_sql', 'sqlsentinel')(since, look_back_from)) }}
{% endmacro %}

{% macro default__select_state_changes_sql(since, look_back_from=none) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set sql -%}
    select alert_name, alert_key, state, previous_state, started_at
    from (
      select alert_name, alert_key, state, started_at,
             lag(state) over (
               partition by alert_name, alert_key order by started_at, run_id
             ) as previous_state
      from {{ relation }}
      where state is not null and started_at is not null
      {%- if look_back_from is not none %}
        and started_at >= {{ sqlsentinel.timestamp_literal(look_back_from) }}
      {%- endif %}
    ) as evaluated
    where started_at >= {{ sqlsentinel.timestamp_literal(since) }}
      and (previous_state is null or previous_state <> state)
    order by alert_name, alert_key, started_at
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
