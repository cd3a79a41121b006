{#- A volume monitor's series (sqlsentinel_dbt/config/monitors.py): rows of `relation` per
    bucket of `timestamp_column`, over the last `lookback_days` days. A bucket without rows
    returns no row; the monitor counts it as 0 (`missing_buckets: zero`). -#}
{% macro volume_monitor_sql(relation, timestamp_column, time_bucket, lookback_days, where=none) %}
  {{ return(adapter.dispatch('volume_monitor_sql', 'sqlsentinel')(relation, timestamp_column, time_bucket, lookback_days, where)) }}
{% endmacro %}

{% macro default__volume_monitor_sql(relation, timestamp_column, time_bucket, lookback_days, where) %}
  {%- set sql -%}
    select {{ sqlsentinel._monitor_bucket(timestamp_column, time_bucket) }} as bucket,
           count(*) as actual_value
    from {{ relation }}
    where {{ sqlsentinel._monitor_window(timestamp_column, lookback_days, where) }}
    group by {{ sqlsentinel._monitor_bucket(timestamp_column, time_bucket) }}
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}

{#- The bucket a row falls in, with dbt's cross-database date_trunc; weeks start on Monday,
    as sqlsentinel_dbt/engine/anomaly/buckets.py's do. -#}
{% macro _monitor_bucket(timestamp_column, time_bucket) %}
  {{ return(adapter.dispatch('_monitor_bucket', 'sqlsentinel')(timestamp_column, time_bucket)) }}
{% endmacro %}

{% macro default___monitor_bucket(timestamp_column, time_bucket) %}
  {{ return(dbt.date_trunc(time_bucket, sqlsentinel._monitor_timestamp(timestamp_column))) }}
{% endmacro %}

{#- BigQuery's `week` starts on Sunday; `isoweek` on Monday. -#}
{% macro bigquery___monitor_bucket(timestamp_column, time_bucket) %}
  {%- set part = 'isoweek' if time_bucket == 'week' else time_bucket -%}
  {{ return(dbt.date_trunc(part, sqlsentinel._monitor_timestamp(timestamp_column))) }}
{% endmacro %}

{#- The warehouse's clock in UTC, as a timestamp without a zone: buckets are UTC, as the
    run's clock is (a session in another time zone would shift them). -#}
{% macro _monitor_now() %}
  {{ return(adapter.dispatch('_monitor_now', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default___monitor_now() %}
  {{ return(dbt.current_timestamp_in_utc_backcompat()) }}
{% endmacro %}

{% macro duckdb___monitor_now() %}
  {{ return("(now() at time zone 'UTC')") }}
{% endmacro %}

{% macro _monitor_timestamp(timestamp_column) %}
  {{ return(dbt.cast(timestamp_column, api.Column.translate_type('timestamp'))) }}
{% endmacro %}

{#- The rows a monitor reads: the last `lookback_days` days (by the warehouse's clock), and
    the monitor's own condition. -#}
{% macro _monitor_window(timestamp_column, lookback_days, where) %}
  {%- set since = dbt.dateadd('day', -1 * lookback_days, sqlsentinel._monitor_now()) -%}
  {%- set window -%}
    {{ sqlsentinel._monitor_timestamp(timestamp_column) }} >= {{ dbt.cast(since, api.Column.translate_type('timestamp')) }}
    {%- if where %} and ({{ where }}){% endif %}
  {%- endset -%}
  {{ return(window) }}
{% endmacro %}
