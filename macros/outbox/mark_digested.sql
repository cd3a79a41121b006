{#- Mark the rows `ids` that `claimer` holds for a digest (`digesting`) as `digested`, once
    the digest that lists them is queued. -#}
{% macro mark_digested(ids, claimer, now) %}
  {{ return(adapter.dispatch('mark_digested', 'sqlsentinel')(ids, claimer, now)) }}
{% endmacro %}

{% macro default__mark_digested(ids, claimer, now) %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- for chunk in ids | batch(sqlsentinel.statement_chunk_size() or ids | length or 1) -%}
    {%- call statement('sqlsentinel_mark_digested') -%}
      update {{ relation }}
      set status = 'digested', updated_at = {{ sqlsentinel.timestamp_literal(now) }}
      where status = 'digesting' and {{ sqlsentinel._held_by(claimer, chunk) }}
    {%- endcall -%}
    {%- do adapter.commit() -%}
  {%- endfor -%}
  {{ return(ids | length) }}
{% endmacro %}
