"""Every decision is visible: `sentinel dbt-run --dry-run` says, for each instance and
channel, whether it was sent and if not why, and `sentinel notifications` shows the log
with the reasons."""

from __future__ import annotations

import pytest

from tests.conftest import Project, cli
from tests.notify_kit import project, receiver, run
from tests.receivers import Receiver

__all__ = ["project", "receiver"]  # fixtures, imported to be found by name


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # decisions, not the SQL
def test_dry_run_and_the_log_say_why_each_instance_was_or_was_not_sent(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    variables = f"{{sqlsentinel_schema: {sentinel_schema}, orders_limit: 0}}"
    flags = [*project.flags(), "--vars", variables]
    made = cli("silence", "busy_regions", "--key", "eu", "--for", "2h", "--reason", "known", *flags)
    assert made.exit_code == 0, made.stderr
    held = f"silenced by silence {made.stdout.split()[1].rstrip(':')}"

    first = run(project, sentinel_schema, orders_limit=0)  # every region: pending
    keys = sorted(r["key"] for r in first["results"])
    assert len(keys) > 1 and "eu" in keys
    assert [(d["key"], d["outcome"]) for d in first["decisions"]] == [(k, "pending") for k in keys]

    fired = run(project, sentinel_schema, orders_limit=0)
    [message] = [n["id"] for n in fired["notifications"] if n["status"] == "queued"]
    outcomes = {
        d["key"]: (d["outcome"], d["reason"], d["notification_id"]) for d in fired["decisions"]
    }
    assert outcomes.pop("eu") == ("held back", held, message)
    assert set(outcomes.values()) == {("notified", "", message)}  # one message carries them

    dry = cli("dbt-run", *flags, "--select", "busy_regions", "--dry-run")
    lines = dry.stdout.splitlines()
    assert "why, instance by instance:" in lines
    assert f"  busy_regions[eu] -> hook: held back: {held}" in lines  # no new message
    others = [line for line in lines if line.startswith("  busy_regions[") and "[eu]" not in line]
    assert len(others) == len(keys) - 1
    assert all("-> hook: already announced: repeated at " in line for line in others), others

    log = cli("notifications", *flags, "-o", "json").json()["notifications"]
    newest = log[0]
    assert (newest["status"], newest["held_back"]) == ("sent", [{"key": "eu", "reason": held}])
    table = cli("notifications", *flags).stdout
    assert "why" in table and "eu: silenced" in table  # the reason's start, however wrapped
