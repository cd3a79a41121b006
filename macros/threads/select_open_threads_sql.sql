{#- SQL reading the threads of `channel` still open, oldest first. -#}
{% macro select_open_threads_sql(channel) %}
  {{ return(adapter.dispatch('select_open_threads_sql', 'sqlsentinel')(channel)) }}
{% endmacro %}

{% macro default__select_open_threads_sql(channel) %}
  {%- set relation = sqlsentinel.threads_relation() -%}
  {%- set sql -%}
    select {{ sqlsentinel.thread_columns() | map(attribute=0) | join(', ') }}
    from {{ relation }}
    where channel = {{ sqlsentinel._sql_value(channel, dbt.type_string()) }}
      and resolved_at is null
    order by opened_at, root_ts
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
