{#- Warehouse values (as dbt's agate tables hold them) turned into plain values, the way
    sqlsentinel_dbt/engine/values.py does for the CLI. -#}

{#- A reserved column as a finite float: {'value': x} (none for NULL, NaN and infinity), or
    {'problem': why} for a value that is not a number. -#}
{% macro _to_number(value, column) %}
  {%- if value is none -%}
    {{ return({'value': none}) }}
  {%- elif value is boolean -%}
    {{ return({'problem': '`' ~ column ~ '` must be a number, got the boolean ' ~ value}) }}
  {%- endif -%}
  {%- set number = value | float(default=none) -%}
  {%- if number is none -%}
    {{ return({'problem': '`' ~ column ~ '` must be a number, got ' ~ sqlsentinel._short(value)}) }}
  {%- endif -%}
  {{ return({'value': number if sqlsentinel._finite(number) else none}) }}
{% endmacro %}

{#- NaN and infinity times zero are NaN, never 0. -#}
{% macro _finite(number) %}
  {{ return(number * 0 == 0) }}
{% endmacro %}

{#- A JSON-safe form of any value: numbers, text, ISO dates, lists and mappings. -#}
{% macro _json_value(value) %}
  {%- if value is none or value is boolean or value is integer or value is string -%}
    {{ return(value) }}
  {%- elif value is number -%}
    {%- set number = value | float -%}
    {{ return(number if sqlsentinel._finite(number) else none) }}
  {%- elif value.isoformat is defined -%}
    {{ return(value.isoformat()) }}
  {%- elif value.total_seconds is defined -%}
    {{ return(value.total_seconds()) }}
  {%- elif value is mapping -%}
    {%- set out = {} -%}
    {%- for k, v in value.items() -%}
      {%- do out.update({k | string: sqlsentinel._json_value(v)}) -%}
    {%- endfor -%}
    {{ return(out) }}
  {%- elif value is iterable -%}
    {{ return(sqlsentinel._json_list(value)) }}
  {%- endif -%}
  {{ return(value | string) }}
{% endmacro %}

{% macro _json_list(values) %}
  {%- set out = [] -%}
  {%- for v in values -%}
    {%- do out.append(sqlsentinel._json_value(v)) -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}

{#- The text of a key value, the same on every run and warehouse: 5.0 is '5'. -#}
{% macro _key_text(value) %}
  {%- if value is none -%}
    {{ return('null') }}
  {%- elif value is boolean or value is integer or value is string -%}
    {{ return(value | string) }}
  {%- elif value is number -%}
    {%- set number = value | float -%}
    {{ return((value | int | string) if sqlsentinel._finite(number) and value == value | int else number | string) }}
  {%- endif -%}
  {{ return(sqlsentinel._json_value(value) | string) }}
{% endmacro %}

{#- A value as Python's repr shows it, cut to 60 characters, for error messages. -#}
{% macro _short(value) %}
  {%- set text = ("'" ~ value ~ "'") if value is string else (value | string) -%}
  {{ return(text if text | length <= 60 else text[:57] ~ '...') }}
{% endmacro %}
