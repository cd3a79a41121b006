{#- Create the schema and table `relation` with `columns` if the table is missing, and tell
    dbt's relation cache (or get_relation will not see it); true when it was created. -#}
{% macro create_sentinel_table(relation, columns, primary_key=none) %}
  {{ return(adapter.dispatch('create_sentinel_table', 'sqlsentinel')(relation, columns, primary_key)) }}
{% endmacro %}

{% macro default__create_sentinel_table(relation, columns, primary_key) %}
  {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none -%}
    {{ return(false) }}
  {%- endif -%}
  {%- do adapter.create_schema(relation) -%}
  {%- call statement('sqlsentinel_create_table') -%}
    {{ adapter.dispatch('create_sentinel_table_sql', 'sqlsentinel')(relation, columns, primary_key) }}
  {%- endcall -%}
  {%- do adapter.cache_added(relation) -%}
  {%- do adapter.commit() -%}
  {{ return(true) }}
{% endmacro %}

{% macro default__create_sentinel_table_sql(relation, columns, primary_key) %}
  create table if not exists {{ relation }} (
    {%- for name, type in columns %}
    {{ name }} {{ type }}{{ " not null primary key" if name == primary_key }}{{ "," if not loop.last }}
    {%- endfor %}
  )
{% endmacro %}

{#- BigQuery declares keys only as table constraints, and never enforces them. -#}
{% macro bigquery__create_sentinel_table_sql(relation, columns, primary_key) %}
  {%- set parts = [] -%}
  {%- for name, type in columns -%}
    {%- do parts.append(name ~ ' ' ~ type ~ (' not null' if name == primary_key else '')) -%}
  {%- endfor -%}
  {%- if primary_key -%}
    {%- do parts.append('primary key (' ~ primary_key ~ ') not enforced') -%}
  {%- endif -%}
  create table if not exists {{ relation }} (
    {{ parts | join(',\n    ') }}
  )
{% endmacro %}
