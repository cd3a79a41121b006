select payment_id, order_id, method, status, amount, {{ day_of('created_at') }} as created_at
from {{ ref('raw_payments') }}
