{#- Create the sentinel schema and the history table if they are missing, add columns a newer
    version of the package defines (history is never rebuilt); return the relation. -#}
{% macro ensure_alert_history() %}
  {{ return(adapter.dispatch('ensure_alert_history', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__ensure_alert_history() %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set columns = sqlsentinel.alert_history_columns() -%}
  {%- if not sqlsentinel.create_sentinel_table(relation, columns) -%}
    {%- do sqlsentinel._add_missing_columns(relation, columns) -%}
  {%- endif -%}
  {{ return(relation) }}
{% endmacro %}

{% macro _add_missing_columns(relation, columns) %}
  {%- set existing = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
  {%- set missing = [] -%}
  {%- for name, type in columns if name not in existing -%}
    {%- do missing.append(api.Column.create(name, type)) -%}
  {%- endfor -%}
  {%- if missing -%}
    {%- do alter_relation_add_remove_columns(relation, missing, none) -%}
    {%- do adapter.commit() -%}
  {%- endif -%}
{% endmacro %}
