{#- Date arithmetic the alerts and models share, through dbt's cross-database macros; SQLite
    (whose dbt adapter has no working datediff, nor a dateadd that goes back in time) gets
    its own date functions. -#}

{#- The as-of date, `days` days earlier. -#}
{% macro days_before_as_of(days) %}
  {{- return(adapter.dispatch('days_before_as_of', 'sqlsentinel_demo')(days)) -}}
{% endmacro %}

{% macro default__days_before_as_of(days) %}{{ dbt.dateadd('day', -days, as_of()) }}{% endmacro %}

{% macro sqlite__days_before_as_of(days) %}date({{ as_of() }}, '-{{ days }} days'){% endmacro %}

{#- Whole days from `start` to `end`. -#}
{% macro days_between(start, end) %}
  {{- return(adapter.dispatch('days_between', 'sqlsentinel_demo')(start, end)) -}}
{% endmacro %}

{% macro default__days_between(start, end) %}{{ dbt.datediff(start, end, 'day') }}{% endmacro %}

{% macro sqlite__days_between(start, end) %}cast(julianday({{ end }}) - julianday({{ start }}) as integer){% endmacro %}

{#- The day of a timestamp. -#}
{% macro day_of(moment) %}
  {{- return(adapter.dispatch('day_of', 'sqlsentinel_demo')(moment)) -}}
{% endmacro %}

{% macro default__day_of(moment) %}cast({{ moment }} as date){% endmacro %}

{% macro sqlite__day_of(moment) %}date({{ moment }}){% endmacro %}
