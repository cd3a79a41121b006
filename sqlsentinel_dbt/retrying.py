"""The one retry loop: call, and while the outcome asks for it, wait and call again.

What to retry and how long to wait stay with the caller: notifications back off with
jitter within a time budget and honour `Retry-After` (notify/retry.py); the warehouse
waits a fixed schedule after a lost connection (dbt/warehouse.py). Sleeping is a
parameter, so tests run the loop without waiting.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
Sleep = Callable[[float], None]


def retry(
    attempt: Callable[[], T],
    wait_after: Callable[[T, int], float | None],
    *,
    sleep: Sleep = time.sleep,
) -> tuple[T, int]:
    """Call `attempt` until `wait_after(outcome, attempts so far)` is None; sleep in between.

    Returns the last outcome and how many attempts it took. An exception from `attempt`
    ends the loop and propagates (`retry_raising` retries on exceptions).
    """
    attempts = 0
    while True:
        outcome = attempt()
        attempts += 1
        wait = wait_after(outcome, attempts)
        if wait is None:
            return outcome, attempts
        sleep(wait)


@dataclass(frozen=True)
class _Raised:
    error: Exception


def retry_raising(
    attempt: Callable[[], T],
    retryable: Callable[[Exception], bool],
    waits: Sequence[float],
    *,
    sleep: Sleep = time.sleep,
) -> T:
    """Call `attempt`; after each `retryable` exception, sleep the next of `waits` and call again.

    Any other exception, or the one that is left when `waits` run out, is raised.
    """

    def once() -> T | _Raised:
        try:
            return attempt()
        except Exception as exc:
            return _Raised(exc)

    def wait_after(outcome: T | _Raised, attempts: int) -> float | None:
        if not isinstance(outcome, _Raised) or attempts > len(waits):
            return None
        return waits[attempts - 1] if retryable(outcome.error) else None

    outcome, _ = retry(once, wait_after, sleep=sleep)
    if isinstance(outcome, _Raised):
        raise outcome.error
    return outcome


def full_jitter(attempts: int, *, first: float, cap: float) -> float:
    """A random wait after `attempts` failures: up to `first` doubled each time, at most `cap`.

    Exponential backoff with "full jitter": retries of many clients spread out instead
    of arriving together.
    """
    return random.uniform(0, min(cap, first * 2 ** (attempts - 1)))
