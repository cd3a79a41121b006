"""The dedup decision table, the retry-vs-final status table, the retry loop, redaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sqlsentinel_dbt.engine.notification import Kind, LogEntry
from sqlsentinel_dbt.notify.decide import GroupNow, Outcome, decide
from sqlsentinel_dbt.notify.retry import SendResult, parse_retry_after, send_with_retry
from sqlsentinel_dbt.notify.senders.webhook import WebhookSender
from sqlsentinel_dbt.redact import Redactor
from tests.receivers import Receiver, http_receiver

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
F = frozenset


def entry(firing: set[str], age_hours: float = 1, silenced: set[str] | None = None) -> LogEntry:
    return LogEntry("prev", F(firing), F(silenced or set()), NOW - timedelta(hours=age_hours))


# (announced before, firing now, silenced now, last entry age in h, send_resolved,
#  repeat_interval in h) -> (outcome, kind, new keys, resolved keys) or None
DEDUP_TABLE = [
    ("new group fires", None, {"a"}, set(), 0, True, 4, ("queued", "firing", {"a"}, set())),
    ("nothing fires, no log", None, set(), set(), 0, True, 4, None),
    ("same keys, within repeat", {"a"}, {"a"}, set(), 1, True, 4, None),
    ("same keys, repeat due", {"a"}, {"a"}, set(), 4, True, 4, ("queued", "repeat", set(), set())),
    ("repeat never", {"a"}, {"a"}, set(), 100, True, None, None),
    ("a new key fires", {"a"}, {"a", "b"}, set(), 1, True, 4, ("queued", "firing", {"b"}, set())),
    (
        "one of two resolves",
        {"a", "b"},
        {"a"},
        set(),
        1,
        True,
        4,
        ("queued", "firing", set(), {"b"}),
    ),
    ("all resolve", {"a"}, set(), set(), 1, True, 4, ("queued", "resolved", set(), {"a"})),
    (
        "all resolve, send_resolved off",
        {"a"},
        set(),
        set(),
        1,
        False,
        4,
        ("skipped", "resolved", set(), {"a"}),
    ),
    ("resolved, then nothing", set(), set(), set(), 1, True, 4, None),
    (
        "a silenced key fires",
        None,
        set(),
        {"a"},
        0,
        True,
        4,
        ("suppressed", "firing", {"a"}, set()),
    ),
    ("still silenced", set(), set(), {"a"}, 1, True, 4, None),
    (
        "an announced key is silenced",
        {"a"},
        set(),
        {"a"},
        1,
        True,
        4,
        ("skipped", "resolved", set(), set()),
    ),
]


@pytest.mark.parametrize("row", DEDUP_TABLE, ids=[r[0] for r in DEDUP_TABLE])
def test_dedup_decision_table(row: tuple) -> None:  # type: ignore[type-arg]
    _, announced, firing, silenced, age, send_resolved, repeat, expected = row
    last = None if announced is None else entry(announced, age)
    if announced is not None and silenced and not announced and age:
        last = entry(set(), age, silenced)  # "still silenced": the log already knows
    decision = decide(
        GroupNow(F(firing), F(silenced)),
        last,
        NOW,
        send_resolved=send_resolved,
        repeat_interval=None if repeat is None else repeat * 3600,
    )
    if expected is None:
        assert decision is None
        return
    outcome, kind, new, resolved = expected
    assert decision is not None
    assert (decision.outcome, decision.kind) == (Outcome(outcome), Kind(kind))
    assert (set(decision.new_keys), set(decision.resolved_keys)) == (new, resolved)
    # The log records what the receiver was told fires: held keys it was told of stay.
    assert decision.firing_keys == F(firing) | (F(silenced) & F(announced or set()))


def test_repeat_interval_counts_from_the_last_message_not_from_bookkeeping() -> None:
    """A mute window writes entries every night; the daily repeat still comes."""
    told = NOW - timedelta(hours=25)
    quiet = LogEntry("skip", F({"a"}), F(), NOW - timedelta(hours=2), announced_at=told)
    again = decide(GroupNow(F({"a"})), quiet, NOW, send_resolved=True, repeat_interval=86400)
    assert again is not None and (again.outcome, again.kind) == (Outcome.QUEUED, Kind.REPEAT)
    recent = LogEntry("skip", F({"a"}), F(), NOW - timedelta(hours=2), announced_at=NOW)
    assert (
        decide(GroupNow(F({"a"})), recent, NOW, send_resolved=True, repeat_interval=86400) is None
    )


def test_a_silence_on_an_announced_key_keeps_it_told_and_tells_its_resolution() -> None:
    """Held (silenced or inhibited), a key the receiver was told of stays in the announced
    set: not announced again when the hold ends, and its resolution is told, so a pager's
    incident is closed. A key first firing under the hold is announced when it ends."""
    during = decide(
        GroupNow(F(), F({"a", "b"})), entry({"a"}), NOW, send_resolved=True, repeat_interval=None
    )
    assert during is not None
    assert (during.outcome, during.firing_keys, during.new_keys) == (
        Outcome.SUPPRESSED,
        F({"a"}),
        F({"b"}),
    )
    later = LogEntry("x", during.firing_keys, during.silenced_keys, NOW)
    after = decide(
        GroupNow(F({"a", "b"})),
        later,
        NOW + timedelta(hours=1),
        send_resolved=True,
        repeat_interval=None,
    )
    assert after is not None and (after.outcome, after.new_keys) == (Outcome.QUEUED, F({"b"}))
    resolved = decide(
        GroupNow(F(), F({"b"})),
        later,
        NOW + timedelta(hours=1),
        send_resolved=True,
        repeat_interval=None,
    )
    assert resolved is not None
    assert (resolved.outcome, resolved.kind, resolved.resolved_keys) == (
        Outcome.QUEUED,
        Kind.RESOLVED,
        F({"a"}),
    )


RETRY_TABLE = {
    200: (True, False),
    201: (True, False),
    202: (True, False),
    204: (True, False),
    301: (False, False),
    400: (False, False),
    401: (False, False),
    403: (False, False),
    404: (False, False),
    408: (False, True),
    409: (False, False),
    410: (False, False),
    413: (False, False),
    422: (False, False),
    429: (False, True),
    500: (False, True),
    501: (False, True),
    502: (False, True),
    503: (False, True),
    504: (False, True),
}


def test_status_code_table_against_a_real_server() -> None:
    with http_receiver(Receiver()) as receiver:
        sender = WebhookSender(receiver.url, {}, None, 5, Redactor())
        seen = {}
        for status in RETRY_TABLE:
            receiver.script.append((status, {"Location": receiver.url}, b""))
            result = sender.send([])
            seen[status] = (result.ok, result.retryable)
    assert seen == RETRY_TABLE


def test_network_errors_and_hangs_are_retryable() -> None:
    with http_receiver(Receiver(held=True)) as receiver:  # it never answers
        hung = WebhookSender(receiver.url, {}, None, 0.3, Redactor()).send([])
        url = receiver.url
    refused = WebhookSender(url, {}, None, 1, Redactor()).send([])  # server is gone
    assert (hung.ok, hung.retryable, "Timeout" in hung.reason) == (False, True, True)
    assert (refused.ok, refused.retryable) == (False, True)


def test_retry_loop_honours_retry_after_then_succeeds() -> None:
    script = [(503, {}, b""), (429, {"Retry-After": "1"}, b"slow down"), (200, {}, b"")]
    with http_receiver(Receiver(script=list(script))) as receiver:
        sender = WebhookSender(receiver.url, {}, None, 5, Redactor())
        waits: list[float] = []
        result = send_with_retry(lambda: sender.send([]), budget=30, sleep=waits.append)
    assert (result.ok, result.attempts, len(receiver.requests)) == (True, 3, 3)
    assert waits[1] == 1.0  # the server's Retry-After, not our backoff
    assert 0 <= waits[0] <= 0.5


def test_retry_loop_gives_up_within_its_budget_and_stops_on_final() -> None:
    clock = iter(range(0, 1000, 10)).__next__
    retry = SendResult(False, True, "HTTP 503", retry_after=15)
    gave_up = send_with_retry(lambda: retry, budget=30, sleep=lambda s: None, clock=clock)
    final = send_with_retry(lambda: SendResult(False, False, "HTTP 404"), budget=30)
    assert (gave_up.ok, gave_up.retryable, gave_up.attempts) == (False, True, 2)
    assert (final.attempts, final.reason) == (1, "HTTP 404")


def test_retry_after_as_http_date() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("soon") is None


def test_redactor_masks_every_secret_and_ignores_short_ones() -> None:
    redact = Redactor(["https://hooks.example/T0/B1/xyz", "abc"])
    assert redact("POST https://hooks.example/T0/B1/xyz failed: abc") == "POST *** failed: abc"


def test_a_sender_that_raises_fails_only_the_notification_it_raises_on() -> None:
    from sqlsentinel_dbt.notify.retry import send_isolated
    from tests.test_senders import notification

    message = [notification(notification_id=i, alert=i) for i in ("first", "bad", "last")]
    seen: list[list[str]] = []

    def send(notifications: Any) -> SendResult:
        seen.append([n.alert for n in notifications])
        if any(n.alert == "bad" for n in notifications):
            raise ValueError("cannot render this one")
        return SendResult(True)

    results = send_isolated(send, message, budget=5)
    assert [([n.alert for n in sent], r.ok, r.retryable) for sent, r in results] == [
        (["first"], True, False),
        (["bad"], False, False),  # final: it would raise again
        (["last"], True, False),
    ]
    assert results[1][1].reason == "could not send: ValueError: cannot render this one"
    assert seen[0] == ["first", "bad", "last"]  # the whole message was tried first
