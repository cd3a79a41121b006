{#- dbt's warn_if / error_if conditions on a count of failing rows (`!=0`, `>10`, `>=5`):
    [operator, bound], or none when the text is not one. -#}
{% macro _condition(text) %}
  {%- set match = modules.re.fullmatch('\\s*(==|=|!=|<>|>=|<=|>|<)\\s*(-?\\d+(?:\\.\\d+)?)\\s*', text | string) -%}
  {{ return([match.group(1), match.group(2) | float] if match else none) }}
{% endmacro %}

{#- Whether `count` satisfies a condition already checked by _condition. -#}
{% macro _condition_holds(text, count) %}
  {%- set op, bound = sqlsentinel._condition(text) -%}
  {%- if op in ('==', '=') -%} {{ return(count == bound) }}
  {%- elif op in ('!=', '<>') -%} {{ return(count != bound) }}
  {%- elif op == '>=' -%} {{ return(count >= bound) }}
  {%- elif op == '<=' -%} {{ return(count <= bound) }}
  {%- elif op == '>' -%} {{ return(count > bound) }}
  {%- else -%} {{ return(count < bound) }}
  {%- endif -%}
{% endmacro %}
