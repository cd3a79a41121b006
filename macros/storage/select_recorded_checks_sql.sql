{#- SQL reading which checks the dbt invocations recorded in the history, one row each: a
    check of dbt's by its `dbt_node`, an `alert` test by its name (its `dbt_node` is null).
    A build whose rows are there is not recorded again (docs/dbt_results.md). -#}
{% macro select_recorded_checks_sql(invocation_ids) %}
  {{ return(adapter.dispatch('select_recorded_checks_sql', 'sqlsentinel')(invocation_ids)) }}
{% endmacro %}

{% macro default__select_recorded_checks_sql(invocation_ids) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set sql -%}
    select distinct invocation_id, alert_name, dbt_node
    from {{ relation }}
    where invocation_id in ({{ sqlsentinel.string_literals(invocation_ids) | join(', ') }})
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
