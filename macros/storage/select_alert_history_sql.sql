{#- SQL reading the newest history rows, optionally of one alert, optionally only those
    started at or after `since` (text, UTC); `limit` none reads them all. -#}
{% macro select_alert_history_sql(alert_name=none, limit=50, since=none) %}
  {{ return(adapter.dispatch('select_alert_history_sql', 'sqlsentinel')(alert_name, limit, since)) }}
{% endmacro %}

{% macro default__select_alert_history_sql(alert_name, limit, since=none) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set conditions = [] -%}
  {%- if alert_name is not none -%}
    {%- do conditions.append("alert_name = " ~ sqlsentinel.string_literal(alert_name)) -%}
  {%- endif -%}
  {%- if since is not none -%}
    {%- do conditions.append("started_at >= cast(" ~ sqlsentinel.string_literal(since) ~ " as " ~ dbt.type_timestamp() ~ ")") -%}
  {%- endif -%}
  {%- set sql -%}
    select {{ sqlsentinel.alert_history_columns() | map(attribute=0) | join(', ') }}
    from {{ relation }}
    {%- if conditions %}
    where {{ conditions | join(' and ') }}
    {%- endif %}
    order by started_at desc, alert_name, alert_key
    {%- if limit is not none %}
    limit {{ limit | int }}
    {%- endif %}
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
