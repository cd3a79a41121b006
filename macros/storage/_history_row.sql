{#- One history row (column name -> value) for a tracked result; `run` holds run_id,
    invocation_id, project_name and target_name. Mirrors sqlsentinel_dbt/store/history.py. -#}
{% macro _history_row(run, result) %}
  {%- set state = result.state -%}
  {%- set row = run.copy() -%}
  {%- do row.update({
      'alert_name': result.alert,
      'alert_key': result.key,
      'status': result.status,
      'state': state.state if state else none,
      'state_since': sqlsentinel._timestamp_text(state.since) if state and state.since else none,
      'state_count': state.count if state else none,
      'severity': result.severity,
      'actual_value': result.actual_value,
      'threshold': result.threshold,
      'context': tojson(result.context, sort_keys=true),
      'error': result.error,
      'started_at': sqlsentinel._timestamp_text(result.started_at) if result.started_at else none,
      'duration_ms': result.duration_ms,
      'dbt_node': result.get('dbt_node')}) -%}
  {{ return(row) }}
{% endmacro %}

{#- A naive UTC datetime as the text the macros cast to a timestamp. -#}
{% macro _timestamp_text(moment) %}
  {{ return(moment.strftime('%Y-%m-%d %H:%M:%S.%f')) }}
{% endmacro %}
