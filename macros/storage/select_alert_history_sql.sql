{#- SQL reading the newest history rows, optionally of one alert, optionally only those
    started at or after `since` (text, UTC); `limit` none reads them all. With
    `newest_per_alert`, at most that many of each alert (the newest): a report's pages. -#}
{% macro select_alert_history_sql(alert_name=none, limit=50, since=none, newest_per_alert=none) %}
  {{ return(adapter.dispatch('select_alert_history_sql', 'sqlsentinel')(alert_name, limit, since, newest_per_alert)) }}
{% endmacro %}

{% macro default__select_alert_history_sql(alert_name, limit, since=none, newest_per_alert=none) %}
  {%- set relation = sqlsentinel.history_relation() -%}
  {%- set columns = sqlsentinel.alert_history_columns() | map(attribute=0) | join(', ') -%}
  {%- set conditions = [] -%}
  {%- if alert_name is not none -%}
    {%- do conditions.append("alert_name = " ~ sqlsentinel.string_literal(alert_name)) -%}
  {%- endif -%}
  {%- if since is not none -%}
    {%- do conditions.append("started_at >= " ~ sqlsentinel.timestamp_literal(since)) -%}
  {%- endif -%}
  {%- set sql -%}
    select {{ columns }}
    from (
      select {{ columns }}
      {%- if newest_per_alert is not none %},
             row_number() over (
               partition by alert_name
               order by case when started_at is null then 1 else 0 end, started_at desc, alert_key
             ) as sentinel_rank
      {%- endif %}
      from {{ relation }}
      {%- if conditions %}
      where {{ conditions | join(' and ') }}
      {%- endif %}
    ) as history
    {%- if newest_per_alert is not none %}
    where sentinel_rank <= {{ newest_per_alert | int }}
    {%- endif %}
    order by started_at desc, alert_name, alert_key
    {%- if limit is not none %}
    limit {{ limit | int }}
    {%- endif %}
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
