{#- SQL reading outbox rows: those `claimed_by` a claimer in `status`, or of one `kind`
    (`pending`: the changes to be decided), or in one of `in_status` (a status or a list:
    `digest` and `digesting`, the rows waiting for their digest), or of one `alert_name`, or
    the newest ones. -#}
{% macro select_notifications_sql(claimed_by=none, status='sending', limit=none, kind=none, in_status=none, alert_name=none) %}
  {{ return(adapter.dispatch('select_notifications_sql', 'sqlsentinel')(claimed_by, status, limit, kind, in_status, alert_name)) }}
{% endmacro %}

{% macro default__select_notifications_sql(claimed_by, status, limit, kind=none, in_status=none, alert_name=none) %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- set conditions = [] -%}
  {%- if claimed_by is not none -%}
    {%- do conditions.append("claimed_by = '" ~ claimed_by ~ "' and status = '" ~ status ~ "'") -%}
  {%- endif -%}
  {%- if kind is not none -%}
    {%- do conditions.append("kind = " ~ sqlsentinel.string_literals([kind]) | first) -%}
  {%- endif -%}
  {%- if in_status is not none -%}
    {%- set statuses = [in_status] if in_status is string else in_status -%}
    {%- do conditions.append("status in (" ~ sqlsentinel.string_literals(statuses) | join(', ') ~ ")") -%}
  {%- endif -%}
  {%- if alert_name is not none -%}
    {%- do conditions.append("alert_name = " ~ sqlsentinel.string_literal(alert_name)) -%}
  {%- endif -%}
  {%- set sql -%}
    select {{ sqlsentinel.notification_columns() | map(attribute=0) | join(', ') }}
    from {{ relation }}
    {%- if conditions %}
    where {{ conditions | join(' and ') }}
    {%- endif %}
    order by created_at desc, notification_id
    {%- if limit is not none %}
    limit {{ limit | int }}
    {%- endif %}
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
