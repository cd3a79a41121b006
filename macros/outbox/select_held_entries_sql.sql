{#- SQL reading the log entries that hold instances back: per group and channel, the newest
    row that is not dead, where it is `suppressed` or `skipped` and holds keys back (a
    silence, a mute window, inhibition). `sentinel notify` decides such a group again once
    the mute window that held it has ended. -#}
{% macro select_held_entries_sql() %}
  {{ return(adapter.dispatch('select_held_entries_sql', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__select_held_entries_sql() %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- set sql -%}
    select notification_id, run_id, channel, alert_name, payload, created_at
    from (
      select notification_id, run_id, channel, alert_name, payload, created_at, status,
             silenced_keys,
             row_number() over (
               partition by group_key, channel
               order by case when created_at is null then 1 else 0 end, created_at desc,
                        notification_id
             ) as sentinel_recency
      from {{ relation }}
      where status <> 'dead' and kind <> 'pending'
    ) as latest
    where sentinel_recency = 1 and status in ('suppressed', 'skipped') and silenced_keys <> '[]'
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
