{#- A text value as a SQL string literal (the rules per warehouse: string_literals). -#}
{% macro string_literal(value) %}
  {{ return(adapter.dispatch('string_literal', 'sqlsentinel')(value)) }}
{% endmacro %}

{% macro default__string_literal(value) %}
  {{ return(sqlsentinel.string_literals([value])[0]) }}
{% endmacro %}
