{#- Set columns (a dict of name -> value) on the rows `ids` that `claimer` still holds, and
    count an attempt; a row whose lease another run took over is left alone. -#}
{% macro update_notifications(ids, claimer, values) %}
  {{ return(adapter.dispatch('update_notifications', 'sqlsentinel')(ids, claimer, values)) }}
{% endmacro %}

{% macro default__update_notifications(ids, claimer, values) %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- set types = dict(sqlsentinel.notification_columns()) -%}
  {%- for chunk in ids | batch(sqlsentinel.statement_chunk_size() or ids | length or 1) -%}
    {%- call statement('sqlsentinel_update_notifications') -%}
      update {{ relation }}
      set attempts = attempts + 1
        {%- for name, value in values.items() -%}
        , {{ name }} = {{ sqlsentinel._sql_value(value, types[name]) }}
        {%- endfor %}
      where {{ sqlsentinel._held_by(claimer, chunk) }}
    {%- endcall -%}
    {%- do adapter.commit() -%}
  {%- endfor -%}
  {{ return(ids | length) }}
{% endmacro %}
