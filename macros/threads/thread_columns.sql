{#- Columns of sentinel_threads, in order: one row per Slack thread a group opened. -#}
{% macro thread_columns() %}
  {{ return(adapter.dispatch('thread_columns', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__thread_columns() %}
  {{ return([
      ('channel', dbt.type_string()),
      ('group_key', sqlsentinel.type_long_text()),
      ('conversation', dbt.type_string()),
      ('root_ts', dbt.type_string()),
      ('opened_at', dbt.type_timestamp()),
      ('resolved_at', dbt.type_timestamp()),
  ]) }}
{% endmacro %}
