{#- Relative change from `previous` to `current`, null when previous is zero. -#}
{% macro pct_change(current, previous) %}
  ({{ current }} - {{ previous }}) / nullif({{ previous }}, 0)
{% endmacro %}
