"""Retry vs final, and how a message is retried: docs/notifications.md#delivery.

Retried: network errors, timeouts, 408, 429 (honouring `Retry-After`) and 5xx. Final:
every other 4xx, and a Slack `ok: false`. Backoff is exponential with full jitter, within
a time budget per message (as Alertmanager's retrier does), in the loop of retrying.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.redact import redact
from sqlsentinel_dbt.retrying import full_jitter, retry

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class SendResult:
    """What one attempt to deliver a message came to. Senders return it, never raise."""

    ok: bool
    retryable: bool = False
    reason: str = ""
    retry_after: float | None = None
    attempts: int = 1


SENT = SendResult(ok=True)


def from_status(status: int, body: str = "", retry_after: str | None = None) -> SendResult:
    """Classify an HTTP response status."""
    if 200 <= status < 300:
        return SENT
    retryable = status in (408, 429) or status >= 500
    reason = f"HTTP {status}" + (f": {body.strip()[:200]}" if body.strip() else "")
    return SendResult(
        False, retryable, reason, parse_retry_after(retry_after) if retryable else None
    )


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def send_with_retry(
    attempt: Callable[[], SendResult],
    budget: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> SendResult:
    """Call `attempt` until it succeeds, fails for good, or the next wait would pass `budget`."""
    deadline = clock() + budget

    def wait_after(result: SendResult, tries: int) -> float | None:
        if result.ok or not result.retryable:
            return None
        wait = result.retry_after
        if wait is None:
            wait = full_jitter(tries, first=FIRST_BACKOFF, cap=MAX_BACKOFF)
        return None if clock() + wait > deadline else wait

    result, tries = retry(attempt, wait_after, sleep=sleep)
    return replace(result, attempts=tries)


Message = Sequence[Notification]


def send_isolated(
    send: Callable[[Message], SendResult], message: Message, budget: float
) -> list[tuple[Message, SendResult]]:
    """`send_with_retry` one message; if building or sending it raised, each notification alone.

    Senders return a result rather than raise; one that raises anyway (a notification its
    renderer cannot handle) fails that notification alone, for good, with the reason,
    and the others in the message are still delivered.
    """
    raised: list[Exception] = []

    def attempt() -> SendResult:
        try:
            return send(message)
        except Exception as exc:
            raised.append(exc)
            reason = redact(f"could not send: {type(exc).__name__}: {exc}")
            return SendResult(False, False, reason[:300])

    result = send_with_retry(attempt, budget)
    if raised and len(message) > 1:
        return [pair for n in message for pair in send_isolated(send, [n], budget)]
    return [(message, result)]
