{#- Create the schema and table `relation` with `columns` if the table is missing, and tell
    dbt's relation cache (or get_relation will not see it); true when it was created. -#}
{% macro _create_table(relation, columns, primary_key=none) %}
  {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none -%}
    {{ return(false) }}
  {%- endif -%}
  {%- do adapter.create_schema(relation) -%}
  {%- call statement('sqlsentinel_create_table') -%}
    create table if not exists {{ relation }} (
      {%- for name, type in columns %}
      {{ name }} {{ type }}
      {{- " not null primary key" if name == primary_key }}{{ "," if not loop.last }}
      {%- endfor %}
    )
  {%- endcall -%}
  {%- do adapter.cache_added(relation) -%}
  {%- do adapter.commit() -%}
  {{ return(true) }}
{% endmacro %}
