{#- Columns of sentinel_silences, in order. -#}
{% macro silence_columns() %}
  {{ return(adapter.dispatch('silence_columns', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__silence_columns() %}
  {{ return([
      ('silence_id', dbt.type_string()),
      ('matcher', dbt.type_string()),
      ('alert_key', sqlsentinel.type_long_text()),
      ('starts_at', dbt.type_timestamp()),
      ('ends_at', dbt.type_timestamp()),
      ('reason', sqlsentinel.type_long_text()),
      ('created_by', dbt.type_string()),
      ('created_at', dbt.type_timestamp()),
      ('ended_by', dbt.type_string()),
  ]) }}
{% endmacro %}
