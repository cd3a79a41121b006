{#- SQL reading outbox rows: those `claimed_by` a claimer in `status`, or of one `kind`
    (`pending`: the changes to be decided), or the newest ones. -#}
{% macro select_notifications_sql(claimed_by=none, status='sending', limit=none, kind=none) %}
  {{ return(adapter.dispatch('select_notifications_sql', 'sqlsentinel')(claimed_by, status, limit, kind)) }}
{% endmacro %}

{% macro default__select_notifications_sql(claimed_by, status, limit, kind=none) %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- set conditions = [] -%}
  {%- if claimed_by is not none -%}
    {%- do conditions.append("claimed_by = '" ~ claimed_by ~ "' and status = '" ~ status ~ "'") -%}
  {%- endif -%}
  {%- if kind is not none -%}
    {%- do conditions.append("kind = " ~ sqlsentinel.string_literals([kind]) | first) -%}
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
