{#- Text values as SQL string literals, in order: the adapter's escaping is resolved once for
    the whole list, not for every value (a bulk insert quotes thousands of them). -#}
{% macro string_literals(values) %}
  {{ return(adapter.dispatch('string_literals', 'sqlsentinel')(values)) }}
{% endmacro %}

{% macro default__string_literals(values) %}
  {%- set escape = adapter.dispatch('escape_single_quotes', 'dbt') -%}
  {%- set literals = [] -%}
  {%- for value in values -%}
    {%- do literals.append("'" ~ escape(value | string) ~ "'") -%}
  {%- endfor -%}
  {{ return(literals) }}
{% endmacro %}

{#- BigQuery reads a backslash in a string literal as an escape (JSON's `\"` must survive)
    and allows no raw line breaks in one; dbt's escape_single_quotes handles only quotes. -#}
{% macro bigquery__string_literals(values) %}
  {%- set literals = [] -%}
  {%- for value in values -%}
    {%- set text = (value | string).replace('\\', '\\\\').replace("'", "\\'") -%}
    {%- do literals.append("'" ~ text.replace('\n', '\\n').replace('\r', '\\r') ~ "'") -%}
  {%- endfor -%}
  {{ return(literals) }}
{% endmacro %}

{#- Snowflake reads backslashes in string literals as escapes too. -#}
{% macro snowflake__string_literals(values) %}
  {{ return(sqlsentinel.bigquery__string_literals(values)) }}
{% endmacro %}


{#- Redshift (PostgreSQL 8 underneath) reads a backslash in a string literal as an escape:
    each is doubled; quotes are doubled as everywhere, line breaks kept as they are. -#}
{% macro redshift__string_literals(values) %}
  {%- set literals = [] -%}
  {%- for value in values -%}
    {%- do literals.append("'" ~ (value | string).replace('\\', '\\\\').replace("'", "''") ~ "'") -%}
  {%- endfor -%}
  {{ return(literals) }}
{% endmacro %}
