{#- A freshness monitor's series (sqlsentinel_dbt/config/monitors.py): for each bucket of
    the last `lookback_days` days, the seconds from its end back to the newest row of
    `relation` (by `timestamp_column`) at that moment. A bucket in which no row arrived
    still has a value, larger than the last: the table is going stale. Buckets come from
    dbt's generate_series, counted back from the warehouse's clock. -#}
{% macro freshness_monitor_sql(relation, timestamp_column, time_bucket, lookback_days, where=none) %}
  {{ return(adapter.dispatch('freshness_monitor_sql', 'sqlsentinel')(relation, timestamp_column, time_bucket, lookback_days, where)) }}
{% endmacro %}

{% macro default__freshness_monitor_sql(relation, timestamp_column, time_bucket, lookback_days, where) %}
  {%- set per_day = {'hour': 24, 'day': 1, 'week': 1 / 7} -%}
  {%- set count = (lookback_days * per_day[time_bucket]) | round(0, 'ceil') | int + 1 -%}
  {%- set timestamp = api.Column.translate_type('timestamp') -%}
  {%- set current = sqlsentinel._monitor_bucket(sqlsentinel._monitor_now(), time_bucket) -%}
  {%- set sql -%}
    with sentinel_newest as (
      select {{ sqlsentinel._monitor_bucket(timestamp_column, time_bucket) }} as bucket,
             max({{ sqlsentinel._monitor_timestamp(timestamp_column) }}) as newest
      from {{ relation }}
      where {{ sqlsentinel._monitor_window(timestamp_column, lookback_days, where) }}
      group by {{ sqlsentinel._monitor_bucket(timestamp_column, time_bucket) }}
    ),
    sentinel_numbers as (
      {{ dbt.generate_series(count) }}
    ),
    sentinel_buckets as (
      select {{ dbt.cast(dbt.dateadd(time_bucket, '1 - generated_number', current), timestamp) }} as bucket
      from sentinel_numbers
    )
    select sentinel_buckets.bucket,
           {{ dbt.datediff('max(sentinel_newest.newest)', dbt.cast(dbt.dateadd(time_bucket, 1, 'sentinel_buckets.bucket'), timestamp), 'second') }} as actual_value
    from sentinel_buckets
    join sentinel_newest on sentinel_newest.bucket <= sentinel_buckets.bucket
    group by sentinel_buckets.bucket
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
