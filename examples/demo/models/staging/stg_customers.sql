select customer_id, email, signup_date, country
from {{ ref('raw_customers') }}
