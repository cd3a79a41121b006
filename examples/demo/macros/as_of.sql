{#- The demo's "today" as a date. -#}
{% macro as_of() %}
  {{- return(adapter.dispatch('as_of', 'sqlsentinel_demo')()) -}}
{% endmacro %}

{% macro default__as_of() %}cast('{{ var("as_of_date") }}' as date){% endmacro %}

{#- SQLite has no date type: dates are ISO text, which compares in date order. -#}
{% macro sqlite__as_of() %}'{{ var("as_of_date") }}'{% endmacro %}
