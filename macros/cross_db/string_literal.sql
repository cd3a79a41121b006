{#- A text value as a SQL string literal. -#}
{% macro string_literal(value) %}
  {{ return(adapter.dispatch('string_literal', 'sqlsentinel')(value)) }}
{% endmacro %}

{% macro default__string_literal(value) %}
  {{ return("'" ~ dbt.escape_single_quotes(value | string) ~ "'") }}
{% endmacro %}

{#- BigQuery reads a backslash in a string literal as an escape (JSON's `\"` must survive)
    and allows no raw line breaks in one; dbt's escape_single_quotes handles only quotes. -#}
{% macro bigquery__string_literal(value) %}
  {%- set text = (value | string).replace('\\', '\\\\').replace("'", "\\'") -%}
  {{ return("'" ~ text.replace('\n', '\\n').replace('\r', '\\r') ~ "'") }}
{% endmacro %}

{#- Snowflake reads backslashes in string literals as escapes too. -#}
{% macro snowflake__string_literal(value) %}
  {{ return(sqlsentinel.bigquery__string_literal(value)) }}
{% endmacro %}
