{#- SQL reading the runs `claimer` holds and has not finished: alert_name, due_at, run_id. -#}
{% macro select_claimed_runs_sql(claimer) %}
  {{ return(adapter.dispatch('select_claimed_runs_sql', 'sqlsentinel')(claimer)) }}
{% endmacro %}

{% macro default__select_claimed_runs_sql(claimer) %}
  {%- set sql -%}
    select alert_name, due_at, run_id
    from {{ sqlsentinel.schedule_claims_relation() }}
    where claimed_by = {{ sqlsentinel.string_literal(claimer) }} and done_at is null
    order by due_at, alert_name
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
