{#- A double-precision float for actual_value and threshold. -#}
{% macro type_double() %}
  {{ return(adapter.dispatch('type_double', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__type_double() %}
  {{ return(dbt.type_float()) }}
{% endmacro %}

{#- DuckDB's FLOAT is 4-byte single precision; metric values need 8 bytes. -#}
{% macro duckdb__type_double() %}
  {{ return('double') }}
{% endmacro %}
