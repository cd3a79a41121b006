{#- The relation of the schedule claims table (it may not exist yet). -#}
{% macro schedule_claims_relation() %}
  {{ return(adapter.dispatch('schedule_claims_relation', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__schedule_claims_relation() %}
  {{ return(sqlsentinel.sentinel_relation('sentinel_schedule_claims')) }}
{% endmacro %}
