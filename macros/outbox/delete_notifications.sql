{#- Delete the rows `ids` that `claimer` still holds: pending decisions, once decided. -#}
{% macro delete_notifications(ids, claimer) %}
  {{ return(adapter.dispatch('delete_notifications', 'sqlsentinel')(ids, claimer)) }}
{% endmacro %}

{% macro default__delete_notifications(ids, claimer) %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- for chunk in ids | batch(sqlsentinel.statement_chunk_size() or ids | length or 1) -%}
    {%- call statement('sqlsentinel_delete_notifications') -%}
      delete from {{ relation }} where {{ sqlsentinel._held_by(claimer, chunk) }}
    {%- endcall -%}
    {%- do adapter.commit() -%}
  {%- endfor -%}
  {{ return(ids | length) }}
{% endmacro %}
