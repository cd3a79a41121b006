{#- One alert from node meta, every field defaulted as sqlsentinel_dbt/config/models.py does,
    plus the problems that keep it from running: {'alert': {...}, 'problems': [...]}.
    The checks are the ones evaluation depends on; `sentinel validate` does them all. -#}
{% macro _alert_config(raw, node_id, path) %}
  {%- set defaults = {
      'description': '', 'severity': 'error', 'tags': [], 'enabled': true, 'schedule': none,
      'timezone': none, 'owner': none, 'runbook': none, 'meta': {}, 'timeout': 300, 'key_columns': [], 'on_no_data': 'ok',
      'mode': 'status', 'warn_if': '!=0', 'error_if': '!=0', 'for': 0, 'for_evaluations': 1,
      'keep_firing_for': 0, 'missing_evaluations_to_resolve': 2, 'repeat_interval': '4h',
      'send_resolved': true, 'notify': [], 'message': none, 'group_by': ['alert'],
      'max_instances': 1000, 'anomaly': none} -%}
  {%- set problems = [] -%}
  {%- if raw is not mapping -%}
    {{ return({'alert': {'name': none}, 'problems': ['must be a mapping of fields']}) }}
  {%- endif -%}
  {%- set alert = {} -%}
  {%- do alert.update(defaults) -%}
  {%- do alert.update(raw) -%}
  {%- do alert.update({'node_id': node_id, 'path': path}) -%}
  {%- for field in raw if field not in defaults and field not in ('name', 'query') -%}
    {%- do problems.append("unknown field '" ~ field ~ "'") -%}
  {%- endfor -%}
  {%- do problems.extend(sqlsentinel._alert_identity_problems(alert)) -%}
  {%- do problems.extend(sqlsentinel._alert_choice_problems(alert)) -%}
  {%- do problems.extend(sqlsentinel._alert_number_problems(alert)) -%}
  {%- do alert.update({'key_columns': alert.key_columns | map('lower') | list}) -%}
  {{ return({'alert': alert, 'problems': problems}) }}
{% endmacro %}

{% macro _alert_identity_problems(alert) %}
  {%- set problems = [] -%}
  {%- set word = '[A-Za-z0-9_][A-Za-z0-9_-]*' -%}
  {%- if alert.name is not string or not modules.re.fullmatch(word, alert.name) or alert.name | length > 200 -%}
    {%- do problems.append("field 'name': a name is letters, digits, `_` and `-`, starting with a letter or digit") -%}
  {%- endif -%}
  {%- if alert['query'] is not string or not alert['query'] | trim -%}
    {%- do problems.append("field 'query' is required: a SELECT that returns a `status` column") -%}
  {%- endif -%}
  {%- if alert.tags is string or alert.tags is not iterable or alert.tags | reject('string') | list -%}
    {%- do problems.append("field 'tags' must be a list of words") -%}
  {%- else -%}
    {%- for tag in alert.tags if not modules.re.fullmatch(word, tag) -%}
      {%- do problems.append("field 'tags': tag '" ~ tag ~ "' must be letters, digits, `_` or `-`") -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if alert.key_columns is string or alert.key_columns is not iterable or alert.key_columns | reject('string') | list -%}
    {%- do problems.append("field 'key_columns' must be a list of column names") -%}
    {%- do alert.update({'key_columns': []}) -%}
  {%- endif -%}
  {%- if alert.enabled is not boolean -%}
    {%- do problems.append("field 'enabled' must be true or false") -%}
  {%- endif -%}
  {{ return(problems) }}
{% endmacro %}

{% macro _alert_choice_problems(alert) %}
  {%- set problems = [] -%}
  {%- set choices = {
      'severity': ['warn', 'error'],
      'on_no_data': ['ok', 'alert', 'error', 'keep_last'],
      'mode': ['status', 'failing_rows', 'anomaly']} -%}
  {%- for field, allowed in choices.items() if alert[field] not in allowed -%}
    {%- do problems.append("field '" ~ field ~ "' must be one of " ~ allowed | join(', ') ~ ", got '" ~ alert[field] ~ "'") -%}
  {%- endfor -%}
  {#- Judging a series takes the robust statistics of sqlsentinel_dbt/engine/anomaly/, which
      dbt's Jinja would run thousands of times slower: docs/anomalies.md#every-path. -#}
  {%- if alert.mode == 'anomaly' or alert.anomaly is not none -%}
    {%- do problems.append("mode 'anomaly' runs with `sentinel dbt-run` or `sentinel daemon`, not `dbt run-operation`") -%}
  {%- endif -%}
  {%- for field in ('warn_if', 'error_if') if sqlsentinel._condition(alert[field]) is none -%}
    {%- do problems.append("field '" ~ field ~ "': '" ~ alert[field] ~ "' is not a condition; write e.g. '!=0', '>10' or '>=5'") -%}
  {%- endfor -%}
  {{ return(problems) }}
{% endmacro %}

{#- Durations become seconds (`for_seconds`, ...) within the bounds of
    sqlsentinel_dbt/config/models.py; counts must be whole numbers >= 1. -#}
{% macro _alert_number_problems(alert) %}
  {%- set problems = [] -%}
  {%- set longest = {'for': [315360000, '3650d'], 'keep_firing_for': [315360000, '3650d'], 'timeout': [86400, '1d']} -%}
  {%- for field, bound in longest.items() -%}
    {%- set seconds = sqlsentinel._duration_seconds(alert[field]) -%}
    {%- if seconds is none -%}
      {%- do problems.append("field '" ~ field ~ "': expected a duration like 30s, 5m, 4h or a number of seconds") -%}
    {%- elif seconds > bound[0] -%}
      {%- do problems.append("field '" ~ field ~ "': must be at most " ~ bound[1]) -%}
      {%- set seconds = none -%}
    {%- elif field == 'timeout' and seconds == 0 -%}
      {%- do problems.append("field 'timeout': must be more than 0") -%}
    {%- endif -%}
    {%- do alert.update({field ~ '_seconds': seconds or 0}) -%}
  {%- endfor -%}
  {%- for field in ('for_evaluations', 'missing_evaluations_to_resolve', 'max_instances') -%}
    {%- if alert[field] is boolean or alert[field] is not integer or alert[field] < 1 -%}
      {%- do problems.append("field '" ~ field ~ "' must be a whole number of at least 1") -%}
      {%- do alert.update({field: 1}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(problems) }}
{% endmacro %}
