{#- SQL reading silences that end after `ends_after`, newest first. -#}
{% macro select_silences_sql(ends_after) %}
  {{ return(adapter.dispatch('select_silences_sql', 'sqlsentinel')(ends_after)) }}
{% endmacro %}

{% macro default__select_silences_sql(ends_after) %}
  {%- set relation = sqlsentinel.silences_relation() -%}
  {%- set sql -%}
    select {{ sqlsentinel.silence_columns() | map(attribute=0) | join(', ') }}
    from {{ relation }}
    where ends_at > {{ sqlsentinel.timestamp_literal(ends_after) }}
    order by created_at desc, silence_id
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
