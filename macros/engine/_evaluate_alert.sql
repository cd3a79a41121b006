{#- Run one alert's query and judge its rows: a list of results (dicts shaped like
    sqlsentinel_dbt/engine/result.py's AlertResult). An alert whose config is invalid gets
    an ERROR result and is not run. dbt's Jinja cannot catch exceptions, so a query that
    fails to compile or to run stops the operation (see docs/decisions/0002). A `rendered`
    dict, when given, receives the query as rendered (as `sentinel dbt-run` records it, final
    semicolon included), under `sql`. -#}
{% macro _evaluate_alert(alert, problems, rendered=none) %}
  {%- set started_at = sqlsentinel._utc_now() -%}
  {%- set base = {
      'alert': alert.name, 'status': 'OK', 'severity': alert.severity, 'key': none,
      'actual_value': none, 'threshold': none, 'context': {}, 'error': none,
      'started_at': started_at, 'duration_ms': 0, 'no_data': false, 'state': none} -%}
  {%- if problems -%}
    {%- do base.update({'severity': 'error' if alert.severity not in ('warn', 'error') else alert.severity}) -%}
    {{ return([sqlsentinel._error_result(base, 'invalid alert: ' ~ problems | join('; '))]) }}
  {%- endif -%}
  {{ log('sqlsentinel: running alert ' ~ alert.name, info=false) }}
  {%- set sql = render(alert['query']) | trim -%}
  {%- if rendered is not none -%}
    {%- do rendered.update({'sql': sql}) -%}
  {%- endif -%}
  {#- Shaped as sqlsentinel_dbt/engine/runner.py shapes it: without its final semicolon, then
      counted (failing_rows), or bounded to max_instances + 1 rows, enough to tell it is too
      many. -#}
  {%- set sql = sqlsentinel._without_final_semicolon(sql) -%}
  {%- if alert.mode == 'failing_rows' -%}
    {%- set sql = sqlsentinel._failing_rows_sql(sql) -%}
  {%- else -%}
    {%- set sql = sqlsentinel.bounded_sql(sql, alert.max_instances + 1) -%}
  {%- endif -%}
  {%- set table = run_query(sql) -%}
  {%- set elapsed = sqlsentinel._utc_now() - started_at -%}
  {%- do base.update({'duration_ms': (elapsed.total_seconds() * 1000) | round | int}) -%}
  {%- if alert.mode == 'failing_rows' -%}
    {{ return(sqlsentinel._failing_rows_results(alert, table, base)) }}
  {%- endif -%}
  {{ return(sqlsentinel._status_results(alert, table, base)) }}
{% endmacro %}

{#- Now, in UTC, without a zone: how every sqlsentinel timestamp is stored. -#}
{% macro _utc_now() %}
  {{ return(modules.datetime.datetime.now(modules.pytz.utc).replace(tzinfo=none)) }}
{% endmacro %}
