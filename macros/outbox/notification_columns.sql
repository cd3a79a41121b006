{#- Columns of sentinel_notifications, in order: the one definition used by DDL and inserts. -#}
{% macro notification_columns() %}
  {{ return(adapter.dispatch('notification_columns', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__notification_columns() %}
  {{ return([
      ('notification_id', dbt.type_string()),
      ('run_id', dbt.type_string()),
      ('created_at', dbt.type_timestamp()),
      ('updated_at', dbt.type_timestamp()),
      ('channel', dbt.type_string()),
      ('group_key', sqlsentinel.type_long_text()),
      ('alert_name', dbt.type_string()),
      ('kind', dbt.type_string()),
      ('status', dbt.type_string()),
      ('firing_keys', sqlsentinel.type_long_text()),
      ('silenced_keys', sqlsentinel.type_long_text()),
      ('resolved_keys', sqlsentinel.type_long_text()),
      ('payload', sqlsentinel.type_long_text()),
      ('attempts', dbt.type_bigint()),
      ('next_attempt_at', dbt.type_timestamp()),
      ('last_error', sqlsentinel.type_long_text()),
      ('sent_at', dbt.type_timestamp()),
      ('claimed_by', dbt.type_string()),
      ('claimed_until', dbt.type_timestamp()),
  ]) }}
{% endmacro %}
