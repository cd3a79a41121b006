select payment_id, order_id, method, status, amount, cast(created_at as date) as created_at
from {{ ref('raw_payments') }}
