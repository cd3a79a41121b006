{#- Create the sentinel schema and the silences table if they are missing; return the relation. -#}
{% macro ensure_silences() %}
  {{ return(adapter.dispatch('ensure_silences', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__ensure_silences() %}
  {%- set relation = sqlsentinel.silences_relation() -%}
  {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
    {%- do adapter.create_schema(relation) -%}
    {%- call statement('sqlsentinel_create_silences') -%}
      create table if not exists {{ relation }} (
        {%- for name, type in sqlsentinel.silence_columns() %}
        {{ name }} {{ type }}{{ "," if not loop.last }}
        {%- endfor %}
      )
    {%- endcall -%}
    {%- do adapter.cache_added(relation) -%}
    {%- do adapter.commit() -%}
  {%- endif -%}
  {{ return(relation) }}
{% endmacro %}
