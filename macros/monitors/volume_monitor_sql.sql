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

{#- The bucket a row falls in, with dbt's cross-database date_trunc. -#}
{% macro _monitor_bucket(timestamp_column, time_bucket) %}
  {{ return(dbt.date_trunc(time_bucket, sqlsentinel._monitor_timestamp(timestamp_column))) }}
{% endmacro %}

{% macro _monitor_timestamp(timestamp_column) %}
  {{ return(dbt.cast(timestamp_column, api.Column.translate_type('timestamp'))) }}
{% endmacro %}

{#- The rows a monitor reads: the last `lookback_days` days (by the warehouse's clock), and
    the monitor's own condition. -#}
{% macro _monitor_window(timestamp_column, lookback_days, where) %}
  {%- set since = dbt.dateadd('day', -1 * lookback_days, dbt.current_timestamp()) -%}
  {%- set window -%}
    {{ sqlsentinel._monitor_timestamp(timestamp_column) }} >= {{ dbt.cast(since, api.Column.translate_type('timestamp')) }}
    {%- if where %} and ({{ where }}){% endif %}
  {%- endset -%}
  {{ return(window) }}
{% endmacro %}
