{#- SQL reading outbox rows: those `claimed_by` a claimer in `status`, or the newest ones. -#}
{% macro select_notifications_sql(claimed_by=none, status='sending', limit=none) %}
  {{ return(adapter.dispatch('select_notifications_sql', 'sqlsentinel')(claimed_by, status, limit)) }}
{% endmacro %}

{% macro default__select_notifications_sql(claimed_by, status, limit) %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- set sql -%}
    select {{ sqlsentinel.notification_columns() | map(attribute=0) | join(', ') }}
    from {{ relation }}
    {%- if claimed_by is not none %}
    where claimed_by = '{{ claimed_by }}' and status = '{{ status }}'
    {%- endif %}
    order by created_at desc, notification_id
    {%- if limit is not none %}
    limit {{ limit | int }}
    {%- endif %}
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
