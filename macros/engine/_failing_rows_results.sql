{#- `failing_rows` mode, as dbt judges a test: one result from the count of failing rows,
    by `error_if` (when the alert's severity is error) and then `warn_if`. -#}
{% macro _failing_rows_results(alert, table, base) %}
  {%- set rows = table.rows | list -%}
  {%- set number = sqlsentinel._to_number(rows[0][0], 'failures') if rows else {'value': none} -%}
  {%- if number.problem -%}
    {{ return([sqlsentinel._error_result(base, number.problem)]) }}
  {%- elif number.value is none -%}
    {{ return([sqlsentinel._error_result(base, 'the failing-rows count came back empty')]) }}
  {%- endif -%}
  {%- set checks = ([['error', alert.error_if]] if alert.severity == 'error' else []) + [['warn', alert.warn_if]] -%}
  {%- set result = base.copy() -%}
  {%- do result.update({'actual_value': number.value, 'threshold': sqlsentinel._condition(checks[0][1])[1]}) -%}
  {%- for severity, condition in checks if sqlsentinel._condition_holds(condition, number.value) -%}
    {%- do result.update({'status': 'ALERT', 'severity': severity,
                          'threshold': sqlsentinel._condition(condition)[1]}) -%}
    {{ return([result]) }}
  {%- endfor -%}
  {{ return([result]) }}
{% endmacro %}

{#- Wrap a `failing_rows` query so the warehouse counts its rows, as dbt does for tests. The
    newline keeps a trailing `-- comment` in the query from eating the `)`. -#}
{% macro _failing_rows_sql(sql) %}
  {{ return('select count(*) as failures from (\n' ~ sql ~ '\n) as sentinel_failing_rows') }}
{% endmacro %}
