{#- Mark a thread resolved at `resolved_at`: the group's next notification opens a new one. -#}
{% macro resolve_thread(channel, conversation, root_ts, resolved_at) %}
  {{ return(adapter.dispatch('resolve_thread', 'sqlsentinel')(channel, conversation, root_ts, resolved_at)) }}
{% endmacro %}

{% macro default__resolve_thread(channel, conversation, root_ts, resolved_at) %}
  {%- set relation = sqlsentinel.ensure_threads() -%}
  {%- set text = dbt.type_string() -%}
  {%- call statement('sqlsentinel_resolve_thread', fetch_result=false) -%}
    update {{ relation }}
    set resolved_at = {{ sqlsentinel.timestamp_literal(resolved_at) }}
    where channel = {{ sqlsentinel._sql_value(channel, text) }}
      and conversation = {{ sqlsentinel._sql_value(conversation, text) }}
      and root_ts = {{ sqlsentinel._sql_value(root_ts, text) }}
      and resolved_at is null
  {%- endcall -%}
  {%- do adapter.commit() -%}
  {{ return(true) }}
{% endmacro %}
