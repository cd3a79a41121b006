"""Regenerate the demo's seed CSVs. Deterministic: the same files every time.

Run from the demo directory: python scripts/generate_seeds.py
The data ends on 2026-11-20 (the `as_of_date` var) and carries a few planted problems
for the alerts to find: a revenue drop on the last day, card payment failures, null and
duplicated order ids, missing emails, and rising churn.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

AS_OF = date(2026, 11, 20)
DAYS = 30
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
rng = random.Random(20261120)


def write(name: str, header: list[str], rows: list[list[object]]) -> None:
    with (SEEDS / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def customers() -> list[list[object]]:
    rows = []
    for cid in range(1, 301):
        signup = AS_OF - timedelta(days=rng.randint(0, 120))
        email = "" if cid % 97 == 0 else f"customer{cid}@example.com"
        rows.append([cid, email, signup.isoformat(), rng.choice(["DE", "FR", "US", "GB", "NL"])])
    return rows


def orders_and_payments() -> tuple[list[list[object]], list[list[object]]]:
    orders, payments = [], []
    order_id = 1000
    for offset in range(DAYS, -1, -1):
        day = AS_OF - timedelta(days=offset)
        per_day = 6 if day == AS_OF else rng.randint(18, 24)  # the last day drops
        for _ in range(per_day):
            order_id += 1
            amount = round(rng.uniform(15, 180), 2)
            customer = "" if order_id % 151 == 0 else rng.randint(1, 300)
            status = "returned" if rng.random() < 0.04 else "completed"
            orders.append([order_id, customer, day.isoformat(), status, amount])
            method = rng.choice(["card", "card", "paypal", "bank_transfer"])
            fail_rate = 0.22 if method == "card" and offset < 3 else 0.03
            outcome = "failed" if rng.random() < fail_rate else "success"
            payments.append([f"p{order_id}", order_id, method, outcome, amount, day.isoformat()])
    orders.append(orders[-5])  # a duplicated order row, as a flaky loader would write it
    return orders, payments


def subscriptions() -> list[list[object]]:
    rows = []
    for sid in range(1, 201):
        start = AS_OF - timedelta(days=rng.randint(40, 400))
        plan, mrr = rng.choice([("starter", 29), ("pro", 99), ("enterprise", 499)])
        churn_window = 30 if sid % 9 == 0 else None  # ~11% churned in the last month
        cancelled = (AS_OF - timedelta(days=rng.randint(0, churn_window))).isoformat() if churn_window else ""
        rows.append([sid, rng.randint(1, 300), plan, start.isoformat(), cancelled, mrr])
    return rows


if __name__ == "__main__":
    orders, payments = orders_and_payments()
    write("raw_customers", ["customer_id", "email", "signup_date", "country"], customers())
    write("raw_orders", ["order_id", "customer_id", "order_date", "status", "amount"], orders)
    write("raw_payments", ["payment_id", "order_id", "method", "status", "amount", "created_at"], payments)
    write("raw_subscriptions", ["subscription_id", "customer_id", "plan", "started_at", "cancelled_at", "mrr"], subscriptions())
