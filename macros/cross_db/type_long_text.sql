{#- Unbounded text for keys, error messages and JSON context. -#}
{% macro type_long_text() %}
  {{ return(adapter.dispatch('type_long_text', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__type_long_text() %}
  {{ return(dbt.type_string()) }}
{% endmacro %}

{#- Redshift's bare varchar holds 256 bytes; error messages and JSON context need more. -#}
{% macro redshift__type_long_text() %}
  {{ return('varchar(max)') }}
{% endmacro %}
