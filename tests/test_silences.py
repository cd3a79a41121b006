"""Silences: stored in the warehouse; silenced instances still run and are recorded, their
notifications recorded as suppressed; when the silence ends, a still-firing instance is
announced as new."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.engine.silences import Silence, SilenceBook
from tests.conftest import Project, cli
from tests.notify_kit import fire, project, receiver, run
from tests.receivers import Receiver

__all__ = ["project", "receiver"]  # fixtures, imported to be found by name
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def flags(project: Project, schema: str) -> list[str]:
    return [*project.flags(), "--vars", f"{{sqlsentinel_schema: {schema}}}"]


def test_silenced_firing_is_recorded_suppressed_then_announced_when_it_ends(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    made = cli(
        "silence",
        "busy_regions",
        "--key",
        "eu",
        "--for",
        "2h",
        "--reason",
        "known: sale day",
        "--by",
        "ana",
        *flags(project, sentinel_schema),
    )
    assert made.exit_code == 0, made.stderr
    silence_id = made.stdout.split()[1].rstrip(":")

    fired = fire(project, sentinel_schema)
    assert [r["state"] for r in fired["results"] if r["key"] == "eu"] == [
        "firing"
    ]  # still evaluated
    assert [(n["status"], n["kind"]) for n in fired["notifications"]] == [("suppressed", "firing")]
    assert fired["delivery"]["sent"] == 0 and receiver.requests == []

    listed = cli("silences", "-o", "json", *flags(project, sentinel_schema)).json()["silences"]
    assert [(s["silence_id"], s["alert_key"], s["created_by"], s["active"]) for s in listed] == [
        (silence_id, "eu", "ana", True)
    ]

    ended = cli("unsilence", silence_id, *flags(project, sentinel_schema))
    assert (ended.exit_code, ended.stdout.strip()) == (0, f"silence {silence_id} ended")
    again = run(project, sentinel_schema, orders_limit=2)
    assert again["delivery"]["sent"] == 1
    [announced] = receiver.notifications()
    assert (announced["kind"], announced["new_keys"]) == ("firing", ["eu"])

    listed = cli("silences", "-o", "json", *flags(project, sentinel_schema)).json()["silences"]
    assert [s["active"] for s in listed] == [False]
    assert cli("unsilence", silence_id, *flags(project, sentinel_schema)).exit_code == 1


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # the store: test above
def test_silence_by_tag_mutes_every_tagged_alert(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    made = cli(
        "silence", "tag:lifecycle", "--for", "1h", "--reason", "r", *flags(project, sentinel_schema)
    )
    assert made.exit_code == 0, made.stderr
    fired = fire(project, sentinel_schema)
    assert {n["status"] for n in fired["notifications"]} == {"suppressed"}
    assert receiver.requests == []


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # refused first
def test_bad_silences_are_refused(project: Project, sentinel_schema: str) -> None:
    typo = cli(
        "silence", "busy_region", "--for", "1h", "--reason", "r", *flags(project, sentinel_schema)
    )
    assert typo.exit_code == 2 and "did you mean 'busy_regions'?" in typo.stderr
    both = cli(
        "silence",
        "busy_regions",
        "--for",
        "1h",
        "--until",
        "2030-01-01",
        "--reason",
        "r",
        *flags(project, sentinel_schema),
    )
    assert both.exit_code == 2 and "exactly one of --for" in both.stderr
    past = cli(
        "silence",
        "busy_regions",
        "--until",
        "2020-01-01T00:00",
        "--reason",
        "r",
        *flags(project, sentinel_schema),
    )
    assert past.exit_code == 2 and "would end in the past" in past.stderr


def silence(matcher: str, key: str | None = None, hours: float = 1) -> Silence:
    return Silence("s", matcher, key, NOW, NOW + timedelta(hours=hours), "r", "me", NOW)


def test_matching_by_name_glob_tag_and_key() -> None:
    orders = Alert(name="orders_late", query="q", tags=["ops"])
    refunds = Alert(name="refunds_high", query="q")
    book = SilenceBook(
        [silence("orders_*", key="eu"), silence("tag:ops", hours=-1), silence("refunds_high")],
        NOW,
        [orders, refunds],
    )
    assert book("orders_late", "eu") and not book("orders_late", "us")  # the tag one has ended
    assert book("refunds_high", None) and book("refunds_high", "any")
    assert not book("unknown_alert", None)
