{#- The demo's "today" as a date literal. -#}
{% macro as_of() %}cast('{{ var("as_of_date") }}' as date){% endmacro %}
