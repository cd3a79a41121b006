{#- The per-instance state machine of docs/alerts.md#states, as sqlsentinel_dbt/engine/state.py
    runs it: advance every instance of `alert` by this run's `results`, given `prior`
    (key -> {'state', 'since', 'count', 'severity'}, non-OK instances only). Returns
    {'results': results with 'state' set, 'missing': MISSING results for known non-OK keys
    the query no longer returned}. An ERROR result, or no data with keep_last, leaves every
    state as it was. -#}
{% macro _track_alert(alert, prior, results, now) %}
  {%- set keeps_last = results | selectattr('status', 'in', ['ERROR', 'SKIPPED']) | list
      or (alert.on_no_data == 'keep_last' and results | selectattr('no_data') | list) -%}
  {%- if keeps_last -%}
    {{ return({'results': results, 'missing': []}) }}
  {%- endif -%}
  {%- set ok = {'state': 'ok', 'since': none, 'count': 0, 'severity': 'error'} -%}
  {%- set tracked = [] -%}
  {%- for result in results -%}
    {%- set before = prior.get(result.key, ok) -%}
    {%- set state = sqlsentinel._advance_state(alert, before, result.status, now) -%}
    {%- do state.update({'severity': result.severity if result.status == 'ALERT' else before.severity}) -%}
    {%- set advanced = result.copy() -%}
    {%- do advanced.update({'state': state}) -%}
    {%- do tracked.append(advanced) -%}
  {%- endfor -%}
  {%- set seen = results | map(attribute='key') | list -%}
  {%- set missing = [] -%}
  {%- for key, before in prior.items() if key not in seen and before.state != 'ok' -%}
    {%- set state = sqlsentinel._advance_state(alert, before, 'MISSING', now) -%}
    {%- do state.update({'severity': before.severity}) -%}
    {%- do missing.append({
        'alert': alert.name, 'status': 'MISSING', 'severity': before.severity, 'key': key,
        'actual_value': none, 'threshold': none, 'context': {}, 'error': none,
        'started_at': now, 'duration_ms': 0, 'no_data': false, 'state': state}) -%}
  {%- endfor -%}
  {{ return({'results': tracked, 'missing': missing}) }}
{% endmacro %}

{#- The next state of one instance that was `prior` and now evaluated to `seen` (ALERT, OK
    or MISSING). -#}
{% macro _advance_state(alert, prior, seen, now) %}
  {%- set state = prior.state -%}
  {%- set since = prior.since or now -%}
  {%- if seen == 'ALERT' -%}
    {%- if state == 'ok' -%}
      {{ return(sqlsentinel._pending_or_firing(alert, now, 1, now)) }}
    {%- elif state == 'pending' -%}
      {{ return(sqlsentinel._pending_or_firing(alert, since, prior.count + 1, now)) }}
    {%- elif state == 'recovering' -%}
      {{ return({'state': 'firing', 'since': now, 'count': 0}) }}
    {%- endif -%}
    {{ return({'state': 'firing', 'since': since, 'count': 0}) }}  {#- still firing; absences reset -#}
  {%- endif -%}
  {%- if seen == 'MISSING' and state == 'firing' -%}
    {%- if prior.count + 1 >= alert.missing_evaluations_to_resolve -%}
      {{ return({'state': 'ok', 'since': now, 'count': 0}) }}
    {%- endif -%}
    {{ return({'state': 'firing', 'since': since, 'count': prior.count + 1}) }}
  {%- endif -%}
  {#- OK, or absent while pending or recovering. -#}
  {%- if state == 'firing' and alert.keep_firing_for_seconds > 0 -%}
    {{ return({'state': 'recovering', 'since': now, 'count': 0}) }}
  {%- elif state == 'recovering' and (now - since).total_seconds() < alert.keep_firing_for_seconds -%}
    {{ return(prior.copy()) }}
  {%- elif state == 'ok' -%}
    {{ return(prior.copy()) }}
  {%- endif -%}
  {{ return({'state': 'ok', 'since': now, 'count': 0}) }}
{% endmacro %}

{% macro _pending_or_firing(alert, since, count, now) %}
  {%- if (now - since).total_seconds() >= alert.for_seconds and count >= alert.for_evaluations -%}
    {{ return({'state': 'firing', 'since': now, 'count': 0}) }}
  {%- endif -%}
  {{ return({'state': 'pending', 'since': since, 'count': count}) }}
{% endmacro %}
