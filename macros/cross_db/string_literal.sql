{#- A text value as a SQL string literal (the rules per warehouse: string_literals). -#}
{% macro string_literal(value) %}
  {{ return(sqlsentinel.string_literals([value])[0]) }}
{% endmacro %}
