{#- One value as a SQL literal of the given column type. -#}
{% macro _sql_value(value, type) %}
  {%- if value is none -%} null
  {%- elif value is number -%} {{ value }}
  {%- elif type == dbt.type_timestamp() -%} cast('{{ value }}' as {{ type }})
  {%- else -%} {{ sqlsentinel.string_literal(value) }}
  {%- endif -%}
{% endmacro %}
