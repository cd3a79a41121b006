{#- The status contract (sqlsentinel_dbt/engine/contract.py) over an agate table: one result
    per row, or a single ERROR result saying how the query broke the contract. -#}
{% macro _status_results(alert, table, base) %}
  {%- set index = {} -%}
  {%- for name in table.column_names if (name | lower) not in index -%}
    {#- warehouses differ in case (Snowflake: upper) -#}
    {%- do index.update({name | lower: loop.index0}) -%}
  {%- endfor -%}
  {%- if 'status' not in index -%}
    {{ return([sqlsentinel._error_result(base,
        'the query returned columns (' ~ (table.column_names | join(', ') or 'none')
        ~ ") but no `status` column; select 'ALERT' or 'OK' as status")]) }}
  {%- endif -%}
  {%- set rows = table.rows | list -%}
  {%- if not rows -%}
    {{ return([sqlsentinel._no_data_result(alert, base)]) }}
  {%- elif rows | length > alert.max_instances -%}
    {{ return([sqlsentinel._error_result(base,
        'the query returned more than max_instances=' ~ alert.max_instances
        ~ ' rows; aggregate it, or raise max_instances')]) }}
  {%- endif -%}
  {%- set key_columns = alert.key_columns or (['key'] if 'key' in index else []) -%}
  {%- set missing = key_columns | reject('in', index) | list -%}
  {%- if missing -%}
    {{ return([sqlsentinel._error_result(base, 'key_columns ' ~ missing ~ " are not among the query's columns")]) }}
  {%- elif not key_columns and rows | length > 1 -%}
    {{ return([sqlsentinel._error_result(base,
        'the query returned ' ~ rows | length ~ ' rows but no `key` column; add a `key` column '
        ~ '(or key_columns) so each row is one instance, or aggregate to one row')]) }}
  {%- endif -%}
  {%- set results = [] -%}
  {%- set keys = [] -%}
  {%- for row in rows -%}
    {%- set result = sqlsentinel._row_result(row, index, key_columns, base) -%}
    {%- if result.status == 'ERROR' -%}
      {{ return([result]) }}
    {%- elif result.key in keys -%}
      {{ return([sqlsentinel._error_result(base,
          "key '" ~ result.key ~ "' appears in more than one row; each instance ("
          ~ key_columns | join(', ') ~ ') must be unique')]) }}
    {%- endif -%}
    {%- do keys.append(result.key) -%}
    {%- do results.append(result) -%}
  {%- endfor -%}
  {{ return(results) }}
{% endmacro %}

{% macro _row_result(row, index, key_columns, base) %}
  {%- set raw_status = row[index.status] -%}
  {%- set status = {'alert': 'ALERT', 'warn': 'ALERT', 'ok': 'OK'}.get(raw_status | string | trim | lower) -%}
  {%- if status is none -%}
    {{ return(sqlsentinel._error_result(base,
        "`status` must be 'ALERT', 'WARN' or 'OK' (any case), got " ~ sqlsentinel._short(raw_status))) }}
  {%- endif -%}
  {%- set implied = 'warn' if (raw_status | string | trim | lower) == 'warn' else base.severity -%}
  {%- set raw_severity = row[index.severity] if 'severity' in index else none -%}
  {%- set severity = implied if raw_severity is none else raw_severity | string | trim | lower -%}
  {%- if severity not in ('warn', 'error') -%}
    {{ return(sqlsentinel._error_result(base,
        "`severity` must be 'warn' or 'error', got " ~ sqlsentinel._short(raw_severity))) }}
  {%- endif -%}
  {%- set numbers = {} -%}
  {%- for column in ('actual_value', 'threshold') -%}
    {%- set number = sqlsentinel._to_number(row[index[column]] if column in index else none, column) -%}
    {%- if number.problem -%}
      {{ return(sqlsentinel._error_result(base, number.problem)) }}
    {%- endif -%}
    {%- do numbers.update({column: number.value}) -%}
  {%- endfor -%}
  {%- set hidden = ['status', 'actual_value', 'threshold', 'key', 'severity'] + key_columns -%}
  {%- set context = {} -%}
  {%- for name, position in index.items() if name not in hidden -%}
    {%- do context.update({name: sqlsentinel._json_value(row[position])}) -%}
  {%- endfor -%}
  {%- set result = base.copy() -%}
  {%- do result.update({'status': status, 'key': sqlsentinel._instance_key(row, index, key_columns),
                        'severity': severity, 'context': context}) -%}
  {%- do result.update(numbers) -%}
  {{ return(result) }}
{% endmacro %}

{% macro _instance_key(row, index, key_columns) %}
  {%- if not key_columns -%}
    {{ return(none) }}
  {%- elif key_columns | length == 1 -%}
    {{ return(sqlsentinel._key_text(row[index[key_columns[0]]])) }}
  {%- endif -%}
  {%- set parts = [] -%}
  {%- for column in key_columns -%}
    {%- do parts.append(column ~ '=' ~ sqlsentinel._key_text(row[index[column]])) -%}
  {%- endfor -%}
  {{ return(parts | join(', ')) }}
{% endmacro %}

{% macro _no_data_result(alert, base) %}
  {%- set result = base.copy() -%}
  {%- do result.update({'no_data': true}) -%}
  {%- if alert.on_no_data == 'alert' -%}
    {%- do result.update({'status': 'ALERT', 'context': {'no_data': true}}) -%}
  {%- elif alert.on_no_data == 'error' -%}
    {{ return(sqlsentinel._error_result(result, 'the query returned no rows (on_no_data: error)')) }}
  {%- endif -%}
  {{ return(result) }}
{% endmacro %}

{#- An ERROR result for the alert of `base`, with no instance key. -#}
{% macro _error_result(base, message) %}
  {%- set result = base.copy() -%}
  {%- do result.update({'status': 'ERROR', 'key': none, 'error': message, 'context': {}}) -%}
  {{ return(result) }}
{% endmacro %}
