{#- A readable summary of a run_alerts run on stdout: one line per result, then totals. -#}
{% macro _print_summary(run, results, problems, dry_run) %}
  {%- set counts = {} -%}
  {%- for result in results -%}
    {%- do counts.update({result.status: counts.get(result.status, 0) + 1}) -%}
  {%- endfor -%}
  {%- do print('sqlsentinel: ' ~ results | rejectattr('status', 'eq', 'MISSING') | list | length ~ ' results: '
      ~ counts.get('ALERT', 0) ~ ' alerting, ' ~ counts.get('OK', 0) ~ ' ok, '
      ~ counts.get('ERROR', 0) ~ ' errors (run ' ~ run.run_id ~ (', dry run: nothing written' if dry_run else '') ~ ')') -%}
  {%- for result in results -%}
    {%- set name = result.alert ~ ('[' ~ result.key ~ ']' if result.key is not none else '') -%}
    {%- set state = result.state.state if result.state else '-' -%}
    {%- set values = [] -%}
    {%- if result.actual_value is not none -%}{%- do values.append('actual=' ~ result.actual_value) -%}{%- endif -%}
    {%- if result.threshold is not none -%}{%- do values.append('threshold=' ~ result.threshold) -%}{%- endif -%}
    {%- if result.error -%}{%- do values.append(result.error) -%}{%- endif -%}
    {%- do print('  ' ~ '%-8s %-6s %-40s %-11s %s' | format(result.status, result.severity, name, state, values | join(' '))) -%}
  {%- endfor -%}
  {%- for problem in problems -%}
    {%- do print('  INVALID  ' ~ problem) -%}
  {%- endfor -%}
{% endmacro %}

{#- Fail the operation (dbt exits 1) when a result errored, an alert was invalid, or one
    fires at or above `fail_on`. -#}
{% macro _fail_run(results, problems, fail_on) %}
  {%- set rank = {'warn': 1, 'error': 2} -%}
  {%- set failing = [] -%}
  {%- for result in results -%}
    {%- set fires = result.status == 'ALERT' and fail_on != 'never' and rank[result.severity] >= rank[fail_on] -%}
    {%- if (result.status == 'ERROR' or fires) and result.alert not in failing -%}
      {%- do failing.append(result.alert) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if failing or problems -%}
    {%- do exceptions.raise_compiler_error('sqlsentinel: ' ~ (failing | length + problems | length)
        ~ ' alert(s) failed the run (fail_on: ' ~ fail_on ~ '): ' ~ (failing + problems) | join(', ')) -%}
  {%- endif -%}
{% endmacro %}
