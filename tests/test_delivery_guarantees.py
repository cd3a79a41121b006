"""At least once, never twice, with real processes: two runs at once send one notification;
a run killed after queueing but before sending loses nothing; a run killed between sending
and recording costs a duplicate, never a loss.

No test waits for a claim's lease to run out: the next pass is given a clock past it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import Project, cli, run_args
from tests.notify_kit import delivered, notify, project, receiver, run
from tests.receivers import Receiver, silent_listener

__all__ = ["project", "receiver"]  # fixtures, imported to be found by name
SENTINEL = str(Path(sys.executable).parent / "sentinel")


def spawn(project: Project, schema: str) -> subprocess.Popen[str]:
    command = [SENTINEL, *run_args(project, schema, "busy_regions", orders_limit=2)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def notify_after_the_lease(project: Project, schema: str) -> dict[str, Any]:
    """`sentinel notify`, with a clock past the lease of every claim taken until now."""
    args = DbtArgs(str(project.root), str(project.root), vars=f"{{sqlsentinel_schema: {schema}}}")
    with Sentinel.open(args) as sentinel:
        lease = timedelta(seconds=sentinel.config.settings.claim_lease)
        sentinel.notifier.clock = lambda: datetime.now(UTC) + lease + timedelta(seconds=1)
        return asdict(sentinel.notify())


def history_rows(project: Project, schema: str) -> list[dict[str, Any]]:
    result = cli(
        "history",
        "busy_regions",
        "--limit",
        "100",
        *project.flags(),
        "-o",
        "json",
        "--vars",
        f"{{sqlsentinel_schema: {schema}}}",
    )
    return result.json()["history"]  # type: ignore[no-any-return]


def test_two_runs_at_once_send_one_notification_and_keep_every_row(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    run(project, sentinel_schema, orders_limit=2)  # pending; the next runs make it fire
    first, second = spawn(project, sentinel_schema), spawn(project, sentinel_schema)
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in (first, second)]
    codes = [code for code, _ in outcomes]
    if project.warehouse == "duckdb":
        # One process at a time may open a DuckDB file: a loser fails to start, cleanly.
        assert all(code == 1 or (code == 2 and "lock" in err) for code, err in outcomes), outcomes
    else:
        assert codes == [1, 1], outcomes  # busy_regions fires: exit 1
    assert len(receiver.notifications()) == 1
    assert receiver.notifications()[0]["new_keys"] == ["eu"]
    runs = 1 + codes.count(1)
    assert len(history_rows(project, sentinel_schema)) == 3 * runs  # 3 regions per run


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # leases: test below
def test_killed_after_queueing_before_sending_the_next_pass_delivers_it_once(
    project: Project, sentinel_schema: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(project, sentinel_schema, orders_limit=2)  # pending
    with silent_listener() as (url, connected):
        monkeypatch.setenv("SENTINEL_TEST_HOOK_URL", url + "/hook")
        process = spawn(project, sentinel_schema)
        assert connected.wait(120), "the run never tried to send"
        os.kill(process.pid, signal.SIGKILL)  # history and outbox written, nothing delivered
        process.wait(timeout=120)
    monkeypatch.setenv("SENTINEL_TEST_HOOK_URL", receiver.url + "/hook")
    assert len(history_rows(project, sentinel_schema)) == 6  # both runs, 3 regions each

    assert notify(project, sentinel_schema)["sent"] == 0  # still claimed by the dead run
    assert notify_after_the_lease(project, sentinel_schema) == delivered(1)
    assert notify(project, sentinel_schema)["sent"] == 0
    assert [n["new_keys"] for n in receiver.notifications()] == [["eu"]]


def test_killed_between_send_and_record_means_a_duplicate_never_a_loss(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    run(project, sentinel_schema, orders_limit=2)  # pending
    receiver.hold()  # no answer: the process is killed while waiting for it
    process = spawn(project, sentinel_schema)
    receiver.wait_for_requests(1)  # sent, and the endpoint has it
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=120)
    receiver.release()

    assert notify(project, sentinel_schema)["sent"] == 0  # still under the dead run's lease
    assert notify_after_the_lease(project, sentinel_schema) == delivered(1)
    ids = [n["notification_id"] for n in receiver.notifications()]
    assert len(ids) == 2 and len(set(ids)) == 1  # the same notification, twice: receivers dedup
    assert notify(project, sentinel_schema)["sent"] == 0
