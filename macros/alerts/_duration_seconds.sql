{#- Seconds for a duration written as `90`, `1.5`, `"30s"`, `"5m"`, `"1h30m"`; none when it
    is not one. Mirrors sqlsentinel_dbt/config/duration.py. -#}
{% macro _duration_seconds(value) %}
  {%- if value is boolean -%}
    {{ return(none) }}
  {%- elif value is number -%}
    {#- NaN is the one number not equal to itself -#}
    {{ return(value if value == value and value >= 0 else none) }}
  {%- elif value is not string -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set text = value | trim | lower -%}
  {%- if modules.re.fullmatch('\\d+(\\.\\d+)?', text) -%}
    {{ return(text | float) }}
  {%- endif -%}
  {%- set units = {'ms': 0.001, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800} -%}
  {%- set parts = modules.re.findall('(\\d+(?:\\.\\d+)?)(ms|s|m|h|d|w)', text) -%}
  {%- set rebuilt = [] -%}
  {%- set seconds = [] -%}
  {%- for number, unit in parts -%}
    {%- do rebuilt.append(number ~ unit) -%}
    {%- do seconds.append((number | float) * units[unit]) -%}
  {%- endfor -%}
  {{ return(seconds | sum if parts and rebuilt | join('') == text else none) }}
{% endmacro %}
