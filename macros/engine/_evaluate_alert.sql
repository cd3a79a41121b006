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
  {%- set sql = render(sqlsentinel._in_hook_refs(alert['query'])) | trim -%}
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

{#- In an on-run-end hook (record_dbt_results), dbt refuses a ref() the hook did not declare
    when it was parsed, which an alert's query never is: there, ref() calls in the query
    are resolved from `graph` instead (_graph_ref). Elsewhere the query is left as it is. -#}
{% macro _in_hook_refs(query) %}
  {%- if query is string and model is mapping and model.get('resource_type') == 'operation'
        and '-on-run-end-' in (model.get('unique_id') or '') -%}
    {{ return(modules.re.sub('(?<![\\w.])ref\\s*\\(', 'sqlsentinel._graph_ref(', query)) }}
  {%- endif -%}
  {{ return(query) }}
{% endmacro %}

{#- ref() as `graph` resolves it: the relation of the model, seed or snapshot named so
    (`ref('name')`, `ref('package', 'name')`, with `v`/`version`). -#}
{% macro _graph_ref(first, second=none, v=none, version=none) %}
  {%- set name = second if second is not none else first -%}
  {%- set package = first if second is not none else none -%}
  {%- set wanted = v if v is not none else version -%}
  {%- set found = [] -%}
  {%- for node in graph.nodes.values() if node.resource_type in ('model', 'seed', 'snapshot')
        and node.name == name and (package is none or node.package_name == package) -%}
    {%- if (wanted is none and (node.version is none or node.version == node.latest_version))
          or (wanted is not none and node.version | string == wanted | string) -%}
      {%- do found.append(node) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if not found or not found[0].relation_name -%}
    {%- do exceptions.raise_compiler_error("sqlsentinel: ref('" ~ name ~ "') in an alert's query names no model, seed or snapshot with a relation") -%}
  {%- endif -%}
  {{ return(found[0].relation_name) }}
{% endmacro %}
