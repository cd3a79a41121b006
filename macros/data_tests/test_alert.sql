{#- `sqlsentinel.alert`: an alert as a dbt data test, so it can gate `dbt build` with dbt's
    own `severity`, `warn_if` and `error_if`. It takes the alert's fields; dbt keeps `name`,
    `description`, `severity`, `tags`, `meta`, `enabled`, `warn_if` and `error_if` as the
    test's own. In `status` mode a failing row is an instance whose status is not OK (ALERT,
    WARN, or anything the contract does not allow); in `failing_rows` mode every row the
    query returns fails, as in any dbt test. `sentinel dbt-run --from-artifacts target/`
    records the outcome in the alert history and notifies, without running it again.

    dbt 1.10 and later take the fields under `arguments:`; dbt 1.9 hands that mapping to
    the test as it is, so it is read here too. The other fields, which dbt hands the test as
    keyword arguments, come to the implementation as one mapping, `extra`. -#}
{% test alert(model, query=none, mode='status', on_no_data='ok', arguments=none) %}
  {{ return(adapter.dispatch('test_alert', 'sqlsentinel')(model, query, mode, on_no_data, arguments, kwargs)) }}
{% endtest %}

{% macro default__test_alert(model, query, mode, on_no_data, arguments, extra) %}
  {%- set fields = {'name': 'dbt_test', 'query': query, 'mode': mode, 'on_no_data': on_no_data} -%}
  {%- do fields.update(arguments if arguments is mapping else {}) -%}
  {%- do fields.update(extra) -%}
  {%- set config = sqlsentinel._alert_config(fields, none, none) -%}
  {%- if config.problems -%}
    {%- do exceptions.raise_compiler_error('sqlsentinel.alert on ' ~ model ~ ': ' ~ config.problems | join('; ')) -%}
  {%- endif -%}
  {%- set sql = sqlsentinel._without_final_semicolon(fields['query'] | trim) -%}
  {%- if fields.mode == 'failing_rows' -%}
    {{ sql }}
  {%- else -%}
    {{ sqlsentinel._alert_test_sql(sql, fields.on_no_data) }}
  {%- endif -%}
{% endmacro %}

{#- The rows of a status-mode alert that are not OK; with on_no_data alert or error, one row
    more when the query returned none. -#}
{% macro _alert_test_sql(sql, on_no_data) %}
  {%- set status = 'upper(trim(cast(status as ' ~ dbt.type_string() ~ ')))' -%}
  with sentinel_alert as (
    {{ sql }}
  )
  {%- if on_no_data in ('alert', 'error') %}
  select {{ status }} as status from sentinel_alert where {{ status }} <> 'OK' or status is null
  union all
  select 'NO DATA' as status where not exists (select 1 from sentinel_alert)
  {%- else %}
  select * from sentinel_alert where {{ status }} <> 'OK' or status is null
  {%- endif %}
{% endmacro %}
