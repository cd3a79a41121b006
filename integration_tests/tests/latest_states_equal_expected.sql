{{ config(tags=['after_alerts']) }}
-- Fails with every row that is in one of the two and not in the other.
{% set columns = "alert_name, coalesce(alert_key, '') as alert_key, status, coalesce(state, '') as state" %}
(
  select {{ columns }} from {{ ref('latest_alert_states') }}
  except
  select {{ columns }} from {{ ref('expected_latest_states') }}
)
union all
(
  select {{ columns }} from {{ ref('expected_latest_states') }}
  except
  select {{ columns }} from {{ ref('latest_alert_states') }}
)
