{#- SQL counting the outbox rows created from `since` (text, UTC) on, per alert, kind and
    status, for the dashboard's noise view. -#}
{% macro select_notification_counts_sql(since) %}
  {{ return(adapter.dispatch('select_notification_counts_sql', 'sqlsentinel')(since)) }}
{% endmacro %}

{% macro default__select_notification_counts_sql(since) %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- set sql -%}
    select alert_name, kind, status, count(*) as notifications
    from {{ relation }}
    where created_at >= {{ sqlsentinel.timestamp_literal(since) }}
    group by alert_name, kind, status
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
