{#- A UTC timestamp the program wrote as text (`YYYY-MM-DD HH:MM:SS.ffffff`, always that
    long) as a SQL value of the warehouse's timestamp type. -#}
{% macro timestamp_literal(text) %}
  {{ return(adapter.dispatch('timestamp_literal', 'sqlsentinel')(text)) }}
{% endmacro %}

{% macro default__timestamp_literal(text) %}
  {{ return('cast(' ~ sqlsentinel.string_literal(text) ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{% endmacro %}

{#- SQLite has no timestamp type: its `cast(... as timestamp)` turns the text into a number
    (the year). Kept as text of one fixed length, timestamps compare in time order. -#}
{% macro sqlite__timestamp_literal(text) %}
  {{ return(sqlsentinel.string_literal(text)) }}
{% endmacro %}
