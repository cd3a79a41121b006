{#- `dbt run-operation sqlsentinel.run_alerts --args '{select: tag:finance, fail_on: error}'`

    Evaluates the alerts declared in node meta with dbt alone (for dbt Cloud jobs and other
    places where only dbt runs): the same status contract and state machine as
    `sentinel dbt-run`, results appended to the history table, changes queued in the outbox
    for `sentinel notify` to route and deliver. Prints a summary, and fails (so the job's
    own notifications fire) when an alert errors or fires at or above `fail_on` (`warn`,
    `error` or `never`). `dry_run: true` evaluates and prints without writing. A `select` or
    `exclude` term that matches no alert fails it before anything runs, unless
    `allow_empty_selection: true`. -#}
{% macro run_alerts(select=none, exclude=none, fail_on='error', dry_run=false, allow_empty_selection=false) %}
  {{ return(adapter.dispatch('run_alerts', 'sqlsentinel')(select, exclude, fail_on, dry_run, allow_empty_selection)) }}
{% endmacro %}

{% macro default__run_alerts(select, exclude, fail_on, dry_run, allow_empty_selection) %}
  {{ return(sqlsentinel._run_meta_alerts(select, exclude, fail_on, dry_run, allow_empty_selection)) }}
{% endmacro %}

{#- run_alerts' work; with fail=false (the on-run-end hook, which must not fail the dbt
    command) it reports what fired or errored but does not raise. -#}
{% macro _run_meta_alerts(select, exclude, fail_on, dry_run, allow_empty_selection, fail=true) %}
  {%- if not execute -%}
    {{ return('') }}
  {%- endif -%}
  {%- if fail_on not in ('warn', 'error', 'never') -%}
    {%- do exceptions.raise_compiler_error("sqlsentinel.run_alerts: fail_on must be warn, error or never, got '" ~ fail_on ~ "'") -%}
  {%- endif -%}
  {%- set declared = sqlsentinel._named_alerts(sqlsentinel._meta_alerts()) -%}
  {%- set enabled = declared.alerts | selectattr('alert.enabled', 'ne', false) | list -%}
  {%- set candidates = enabled | map(attribute='alert') | list -%}
  {%- set wrong = [] if allow_empty_selection else sqlsentinel._selection_problems(candidates, select, exclude) -%}
  {%- if wrong -%}
    {%- do exceptions.raise_compiler_error('sqlsentinel.run_alerts: ' ~ wrong | join('; ')
        ~ '; nothing was run (allow_empty_selection: true allows a selection of none)') -%}
  {%- endif -%}
  {%- set chosen_alerts = sqlsentinel._select_alerts(candidates, select, exclude) -%}
  {%- set chosen = enabled | selectattr('alert.name', 'in', chosen_alerts | map(attribute='name') | list) | list -%}
  {%- set now = sqlsentinel._utc_now() -%}
  {%- set run = {
      'run_id': local_md5(invocation_id ~ '|' ~ now),
      'invocation_id': invocation_id,
      'project_name': project_name,
      'target_name': target.name} -%}
  {%- if not dry_run and chosen -%}
    {%- do sqlsentinel.ensure_alert_history() -%}
    {%- do sqlsentinel.ensure_notifications() -%}
  {%- endif -%}
  {%- set prior = sqlsentinel._latest_states(chosen | map(attribute='alert.name') | list) -%}
  {%- set outcome = [] -%}
  {%- for item in chosen -%}
    {%- set alert = item.alert -%}
    {%- set rendered = {'sql': ''} -%}
    {%- set results = sqlsentinel._evaluate_alert(alert, item.problems, rendered) -%}
    {%- set tracked = sqlsentinel._track_alert(alert, prior.get(alert.name, {}), results, now) -%}
    {%- set changed = tracked.results + tracked.missing -%}
    {%- if not dry_run -%}
      {%- do sqlsentinel._record_alert_run(run, alert.name, rendered.sql, changed, now) -%}
    {%- endif -%}
    {%- do outcome.extend(changed) -%}
  {%- endfor -%}
  {%- do sqlsentinel._print_summary(run, outcome, declared.problems, dry_run, fail_on) -%}
  {%- if fail -%}
    {%- do sqlsentinel._fail_run(outcome, declared.problems, fail_on) -%}
  {%- endif -%}
  {{ return(outcome) }}
{% endmacro %}

{#- Alerts whose names are valid and unique, and problems for the others (which cannot
    have history, so they fail the run instead). -#}
{% macro _named_alerts(found) %}
  {%- set alerts = [] -%}
  {%- set problems = [] -%}
  {%- set names = [] -%}
  {%- for item in found -%}
    {%- set name = item.alert.name -%}
    {%- set where = item.alert.path ~ ' (meta of ' ~ item.alert.node_id ~ ')' -%}
    {%- if name is not string or not modules.re.fullmatch('[A-Za-z0-9_][A-Za-z0-9_-]*', name) -%}
      {%- do problems.append(where ~ ': ' ~ (item.problems | join('; ') or 'the alert has no valid name')) -%}
    {%- elif name in names -%}
      {%- do problems.append(where ~ ": alert '" ~ name ~ "' is declared twice; alert names must be unique") -%}
    {%- else -%}
      {%- do names.append(name) -%}
      {%- do alerts.append(item) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return({'alerts': alerts, 'problems': problems}) }}
{% endmacro %}

{#- Append one alert's rows to the history and queue them for `sentinel notify`, in one
    transaction where the warehouse has them, each alert as soon as it is evaluated: if a
    later alert's query fails, dbt stops the operation, and what ran is kept. `sql` is the
    query the run sent, for the notification to show. -#}
{% macro _record_alert_run(run, alert_name, sql, results, now) %}
  {%- set rows = [] -%}
  {%- for result in results -%}
    {%- do rows.append(sqlsentinel._history_row(run, result)) -%}
  {%- endfor -%}
  {#- run_alerts ensured both tables before the first alert ran. -#}
  {%- do sqlsentinel.insert_alert_history(rows, commit=false, ensure=false) -%}
  {%- set pending = sqlsentinel._pending_decision(run.run_id, alert_name, sql, now) -%}
  {%- do sqlsentinel.insert_notifications([pending], commit=false, ensure=false) -%}
  {%- do adapter.commit() -%}
{% endmacro %}
