{#- SQL reading the notification log: the newest row that is not dead per group and channel,
    for the named alerts (changes run_alerts queued, not yet decided, are not in the log),
    with `announced_at`: when the newest message of the group on the channel was decided
    (bookkeeping and held-back rows are no message; repeats count from a message).
    A row with no created_at sorts last, so it cannot stand as the newest for ever. -#}
{% macro select_last_notifications_sql(alert_names) %}
  {{ return(adapter.dispatch('select_last_notifications_sql', 'sqlsentinel')(alert_names)) }}
{% endmacro %}

{% macro default__select_last_notifications_sql(alert_names) %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- set sql -%}
    select group_key, channel, notification_id, firing_keys, silenced_keys, created_at,
           announced_at
    from (
      select group_key, channel, notification_id, firing_keys, silenced_keys, created_at,
             max(case when status not in ('skipped', 'suppressed') then created_at end) over (
               partition by group_key, channel
             ) as announced_at,
             row_number() over (
               partition by group_key, channel
               order by case when created_at is null then 1 else 0 end, created_at desc,
                        notification_id
             ) as sentinel_recency
      from {{ relation }}
      where status <> 'dead' and kind <> 'pending'
        and alert_name in ({{ sqlsentinel.string_literals(alert_names) | join(', ') }})
    ) as latest
    where sentinel_recency = 1
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
