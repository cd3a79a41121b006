{#- Mark the rows `ids` that wait for a digest (`digest`) as `digested`, once the digest that
    lists them is queued; a row another run marked already is left as it is. -#}
{% macro mark_digested(ids, now) %}
  {{ return(adapter.dispatch('mark_digested', 'sqlsentinel')(ids, now)) }}
{% endmacro %}

{% macro default__mark_digested(ids, now) %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- for chunk in ids | batch(sqlsentinel.statement_chunk_size() or ids | length or 1) -%}
    {%- call statement('sqlsentinel_mark_digested') -%}
      update {{ relation }}
      set status = 'digested', updated_at = cast('{{ now }}' as {{ dbt.type_timestamp() }})
      where status = 'digest'
        and notification_id in ({{ sqlsentinel.string_literals(chunk) | join(', ') }})
    {%- endcall -%}
    {%- do adapter.commit() -%}
  {%- endfor -%}
  {{ return(ids | length) }}
{% endmacro %}
