"""The one retry loop (sqlsentinel_dbt/retrying.py): when it calls again, how long it waits,
and what it gives back; sleeping is recorded, never done."""

from __future__ import annotations

import pytest

from sqlsentinel_dbt.retrying import full_jitter, retry, retry_raising


def test_retry_calls_until_told_to_stop_and_sleeps_the_waits_in_between() -> None:
    outcomes = iter(["busy", "busy", "done", "never"])
    slept: list[float] = []

    def wait_after(outcome: str, attempts: int) -> float | None:
        return None if outcome == "done" else attempts * 1.5

    assert retry(outcomes.__next__, wait_after, sleep=slept.append) == ("done", 3)
    assert slept == [1.5, 3.0]


def test_retry_raising_retries_only_what_it_is_told_to_on_its_schedule() -> None:
    errors = iter([ConnectionError("1"), ConnectionError("2")])
    slept: list[float] = []

    def attempt() -> str:
        error = next(errors, None)
        if error:
            raise error
        return "done"

    def retryable(exc: Exception) -> bool:
        return isinstance(exc, ConnectionError)

    assert retry_raising(attempt, retryable, [0.0, 2.0, 4.0], sleep=slept.append) == "done"
    assert slept == [0.0, 2.0]


def test_retry_raising_raises_the_last_error_once_the_waits_run_out() -> None:
    calls: list[int] = []

    def attempt() -> None:
        calls.append(1)
        raise ConnectionError(f"attempt {len(calls)}")

    slept: list[float] = []
    with pytest.raises(ConnectionError, match="attempt 3"):
        retry_raising(attempt, lambda exc: True, [1.0, 2.0], sleep=slept.append)
    assert (len(calls), slept) == (3, [1.0, 2.0])


def test_retry_raising_raises_any_other_error_at_once() -> None:
    calls: list[int] = []

    def attempt() -> None:
        calls.append(1)
        raise ValueError("not a lost connection")

    slept: list[float] = []
    with pytest.raises(ValueError, match="not a lost connection"):
        retry_raising(attempt, lambda exc: False, [1.0, 2.0], sleep=slept.append)
    assert (len(calls), slept) == (1, [])


@pytest.mark.parametrize("attempts", range(1, 12))
def test_full_jitter_stays_under_the_doubling_ceiling_and_the_cap(attempts: int) -> None:
    ceiling = min(30.0, 0.5 * 2 ** (attempts - 1))
    waits = [full_jitter(attempts, first=0.5, cap=30.0) for _ in range(200)]
    assert all(0 <= wait <= ceiling for wait in waits)
