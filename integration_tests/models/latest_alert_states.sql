{{ config(materialized='view', tags=['after_alerts']) }}
-- The newest history row of every alert instance: what sqlsentinel's tables look like to a
-- user's own model, read through the package's source. dbt's own checks, which
-- `sentinel dbt-run --from-artifacts` records too, are left out (they name their node).
select alert_name, alert_key, status, state
from (
  select alert_name, alert_key, status, state,
         row_number() over (partition by alert_name, alert_key order by started_at desc) as recency
  from {{ source('sqlsentinel', 'sentinel_alert_history') }}
  where dbt_node is null
) as ranked
where recency = 1
