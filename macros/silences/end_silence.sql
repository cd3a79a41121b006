{#- End a silence now: its ends_at becomes `now` if that is earlier. -#}
{% macro end_silence(silence_id, now, ended_by) %}
  {{ return(adapter.dispatch('end_silence', 'sqlsentinel')(silence_id, now, ended_by)) }}
{% endmacro %}

{% macro default__end_silence(silence_id, now, ended_by) %}
  {%- set relation = sqlsentinel.ensure_silences() -%}
  {%- call statement('sqlsentinel_end_silence', fetch_result=false) -%}
    update {{ relation }}
    set ends_at = {{ sqlsentinel.timestamp_literal(now) }},
        ended_by = {{ sqlsentinel._sql_value(ended_by, dbt.type_string()) }}
    where silence_id = {{ sqlsentinel._sql_value(silence_id, dbt.type_string()) }}
      and ends_at > {{ sqlsentinel.timestamp_literal(now) }}
  {%- endcall -%}
  {%- do adapter.commit() -%}
  {{ return(true) }}
{% endmacro %}
