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
  {{ return(sqlsentinel._create_table(relation, columns, primary_key)) }}
{% endmacro %}

{#- dbt-sqlite attaches each schema's file to a connection as it opens (each thread has its
    own), and its create_schema fails on a schema already attached: attach it here only if
    this connection lacks it (another process, or another thread, may have created it). -#}
{% macro sqlite__create_sentinel_table(relation, columns, primary_key) %}
  {%- if relation.schema not in run_query('pragma database_list').columns['name'].values() -%}
    {%- do adapter.create_schema(relation) -%}
  {%- endif -%}
  {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none -%}
    {{ return(false) }}
  {%- endif -%}
  {{ return(sqlsentinel._create_table(relation, columns, primary_key)) }}
{% endmacro %}

{% macro _create_table(relation, columns, primary_key) %}
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
