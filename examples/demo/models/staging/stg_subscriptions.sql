select subscription_id, customer_id, plan, started_at, cancelled_at, mrr
from {{ ref('raw_subscriptions') }}
