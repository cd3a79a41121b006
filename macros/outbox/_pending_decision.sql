{#- The outbox row by which run_alerts hands one alert's results of one run to
    `sentinel notify`, which routes them to channels (it reads the channel files, which dbt
    cannot) and decides what to send. It carries the start of the alert's query as this run
    sent it, so the notification shows that, not the query compiled again later. See
    docs/decisions/0002. A dbt check (record_dbt_results) is declared nowhere `sentinel
    notify` looks, so its row also carries the alert's fields (`dbt_check`: description,
    owner, tags, dbt_node, resource_type), from which notify builds the alert. -#}
{% macro _pending_decision(run_id, alert_name, sql, now, dbt_check=none) %}
  {%- set stamp = sqlsentinel._timestamp_text(now) -%}
  {%- set payload = {'run_id': run_id, 'alert': alert_name, 'sql': sql[:2000]} -%}
  {%- if dbt_check -%}{%- do payload.update({'dbt_check': dbt_check}) -%}{%- endif -%}
  {{ return({
      'notification_id': local_md5('pending|' ~ run_id ~ '|' ~ alert_name),
      'run_id': run_id,
      'created_at': stamp,
      'updated_at': stamp,
      'channel': '',
      'group_key': alert_name,
      'alert_name': alert_name,
      'kind': 'pending',
      'status': 'undecided',
      'firing_keys': '[]',
      'silenced_keys': '[]',
      'resolved_keys': '[]',
      'payload': tojson(payload),
      'attempts': 0,
      'next_attempt_at': stamp}) }}
{% endmacro %}
