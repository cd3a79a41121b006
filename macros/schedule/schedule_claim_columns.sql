{#- Columns of sentinel_schedule_claims, in order: one row per alert and due time that a
    replicated daemon claimed (docs/daemon.md, "Replicas"). claim_id (the alert and due
    time) is its primary key, so one due time is claimed once. -#}
{% macro schedule_claim_columns() %}
  {{ return(adapter.dispatch('schedule_claim_columns', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__schedule_claim_columns() %}
  {{ return([
      ('claim_id', dbt.type_string()),
      ('alert_name', dbt.type_string()),
      ('due_at', dbt.type_timestamp()),
      ('run_id', dbt.type_string()),
      ('claimed_by', dbt.type_string()),
      ('claimed_until', dbt.type_timestamp()),
      ('done_at', dbt.type_timestamp()),
  ]) }}
{% endmacro %}
