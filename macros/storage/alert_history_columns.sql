{#- Columns of sentinel_alert_history, in order: the one definition used by DDL and inserts. -#}
{% macro alert_history_columns() %}
  {{ return(adapter.dispatch('alert_history_columns', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__alert_history_columns() %}
  {{ return([
      ('run_id', dbt.type_string()),
      ('invocation_id', dbt.type_string()),
      ('project_name', dbt.type_string()),
      ('target_name', dbt.type_string()),
      ('alert_name', dbt.type_string()),
      ('alert_key', sqlsentinel.type_long_text()),
      ('status', dbt.type_string()),
      ('state', dbt.type_string()),
      ('state_since', dbt.type_timestamp()),
      ('state_count', dbt.type_bigint()),
      ('severity', dbt.type_string()),
      ('actual_value', sqlsentinel.type_double()),
      ('threshold', sqlsentinel.type_double()),
      ('context', sqlsentinel.type_long_text()),
      ('error', sqlsentinel.type_long_text()),
      ('started_at', dbt.type_timestamp()),
      ('duration_ms', dbt.type_bigint()),
      ('dbt_node', dbt.type_string()),
  ]) }}
{% endmacro %}
