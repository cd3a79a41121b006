select order_id, region, amount, status
from {{ ref('raw_orders') }}
