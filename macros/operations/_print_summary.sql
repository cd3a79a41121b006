{#- A readable summary of a run_alerts run on stdout: first what fired or errored (when
    anything did), then the totals, then one line per result. -#}
{% macro _print_summary(run, results, problems, dry_run, fail_on='error') %}
  {%- set counts = {} -%}
  {%- for result in results -%}
    {%- do counts.update({result.status: counts.get(result.status, 0) + 1}) -%}
  {%- endfor -%}
  {%- set verdict = sqlsentinel._run_verdict(results, problems, fail_on) -%}
  {%- if verdict -%}
    {%- do print(verdict) -%}
  {%- endif -%}
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

{#- Whether the run fails: a result errored, an alert was invalid, or one fires at or
    above `fail_on`. -#}
{% macro _run_fails(results, problems, fail_on) %}
  {%- set rank = {'warn': 1, 'error': 2} -%}
  {%- for result in results -%}
    {%- if result.status == 'ERROR' or (result.status == 'ALERT' and fail_on != 'never' and rank[result.severity] >= rank[fail_on]) -%}
      {{ return(true) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(problems | length > 0) }}
{% endmacro %}

{#- One line saying which alerts fired (at which severity), errored or are invalid, and
    whether that fails the run; none when all is well. It is the first line the summary
    prints and the message the operation fails with. -#}
{% macro _run_verdict(results, problems, fail_on) %}
  {%- set fired = {'error': [], 'warn': []} -%}
  {%- set errored = [] -%}
  {%- for result in results -%}
    {%- if result.status == 'ALERT' and result.alert not in fired[result.severity] -%}
      {%- do fired[result.severity].append(result.alert) -%}
    {%- elif result.status == 'ERROR' and result.alert not in errored -%}
      {%- do errored.append(result.alert) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set firing = [] -%}
  {%- for name in fired.error -%}{%- do firing.append(name ~ ' (error)') -%}{%- endfor -%}
  {%- for name in fired.warn if name not in fired.error -%}{%- do firing.append(name ~ ' (warn)') -%}{%- endfor -%}
  {%- set parts = [] -%}
  {%- if firing -%}
    {%- do parts.append(firing | length ~ (' alert fired: ' if firing | length == 1 else ' alerts fired: ') ~ firing | join(', ')) -%}
  {%- endif -%}
  {%- if errored -%}
    {%- do parts.append(errored | length ~ (' alert errored: ' if errored | length == 1 else ' alerts errored: ') ~ errored | join(', ')) -%}
  {%- endif -%}
  {%- if problems -%}
    {%- do parts.append(problems | length ~ (' alert is invalid: ' if problems | length == 1 else ' alerts are invalid: ') ~ problems | join('; ')) -%}
  {%- endif -%}
  {%- if not parts -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set outcome = 'the run fails' if sqlsentinel._run_fails(results, problems, fail_on) else 'the run passes' -%}
  {{ return('sqlsentinel: ' ~ parts | join('; ') ~ '; ' ~ outcome ~ ' (fail_on: ' ~ fail_on ~ ')') }}
{% endmacro %}

{#- Fail the operation (dbt exits 1) when `_run_fails`, with the verdict as the message.
    dbt puts a header of its own before any exception's message, so the verdict is also the
    first line the summary prints. `raise_compiler_error` would make that header
    "Compilation Error in macro run_alerts" with a macro stack after the message, which
    reads as a bug in the package; `raise_dependency_error` raises dbt's plain runtime
    error ("Runtime Error in macro run_alerts", then the verdict, nothing after it). -#}
{% macro _fail_run(results, problems, fail_on) %}
  {%- if sqlsentinel._run_fails(results, problems, fail_on) -%}
    {%- do exceptions.raise_dependency_error(sqlsentinel._run_verdict(results, problems, fail_on)) -%}
  {%- endif -%}
{% endmacro %}
