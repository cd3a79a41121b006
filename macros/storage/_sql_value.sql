{#- One value as a SQL literal of the given column type. -#}
{% macro _sql_value(value, type) %}
  {%- if value is none -%} null
  {%- elif value is number -%} {{ value }}
  {%- elif type == dbt.type_timestamp() -%} {{ sqlsentinel.timestamp_literal(value) }}
  {%- else -%} {{ sqlsentinel.string_literal(value) }}
  {%- endif -%}
{% endmacro %}
