{#- A column_metrics monitor's series (sqlsentinel_dbt/config/monitors.py): each metric of
    `column` per bucket of `timestamp_column`, one key per metric, over the last
    `lookback_days` days. -#}
{% macro column_metrics_monitor_sql(relation, timestamp_column, time_bucket, lookback_days, where, column, metrics) %}
  {{ return(adapter.dispatch('column_metrics_monitor_sql', 'sqlsentinel')(relation, timestamp_column, time_bucket, lookback_days, where, column, metrics)) }}
{% endmacro %}

{% macro default__column_metrics_monitor_sql(relation, timestamp_column, time_bucket, lookback_days, where, column, metrics) %}
  {%- set number = sqlsentinel.type_double() -%}
  {%- set measures = {
      'null_rate': 'avg(case when ' ~ column ~ ' is null then 1.0 else 0.0 end)',
      'zero_rate': 'avg(case when ' ~ column ~ ' = 0 then 1.0 else 0.0 end)',
      'distinct_count': 'count(distinct ' ~ column ~ ')',
      'min': 'min(' ~ dbt.cast(column, number) ~ ')',
      'max': 'max(' ~ dbt.cast(column, number) ~ ')',
      'avg': 'avg(' ~ dbt.cast(column, number) ~ ')'} -%}
  {%- set sql -%}
    with sentinel_per_bucket as (
      select {{ sqlsentinel._monitor_bucket(timestamp_column, time_bucket) }} as bucket
        {%- for metric in metrics %},
             {{ measures[metric] }} as sentinel_{{ metric }}
        {%- endfor %}
      from {{ relation }}
      where {{ sqlsentinel._monitor_window(timestamp_column, lookback_days, where) }}
      group by {{ sqlsentinel._monitor_bucket(timestamp_column, time_bucket) }}
    )
    {%- for metric in metrics %}
    select {{ sqlsentinel.string_literal(metric) }} as key, bucket,
           {{ dbt.cast('sentinel_' ~ metric, number) }} as actual_value
    from sentinel_per_bucket
    {{ 'union all' if not loop.last }}
    {%- endfor %}
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}
