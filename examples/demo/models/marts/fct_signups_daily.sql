select signup_date, count(*) as signups
from {{ ref('stg_customers') }}
group by signup_date
