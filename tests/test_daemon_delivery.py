"""`sentinel daemon` delivers what others queued, between its own runs.

The on-run-end hook of a dbt command queues the checks it recorded; the daemon sends them
as soon as the command ends (its run_results.json changed), with no `sentinel notify`,
and every `deliver_every` tries again what failed. A real daemon process, real dbt
processes, DuckDB (the delivery's SQL on PostgreSQL is tested with the outbox), the
webhook receiver on 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml

from tests.conftest import Project, drop_pg_schemas, make_project
from tests.daemon_kit import running_daemon, wait_until
from tests.integration_runner import run_steps
from tests.receivers import Receiver, http_receiver
from tests.test_dbt_results_hook import REPO

SETTINGS = """\
default_schedule: "0 0 1 1 *"   # yearly: no alert of the project runs during the test
deliver_every: {every}
channels:
  - name: hook
    type: webhook
    url: "{{{{ env_var('SENTINEL_DAEMON_TEST_URL') }}}}/hook"
routes:
  - notify: [hook]
"""
# A singular test that fails when the var `fail` is true; it reads no model.
TOGGLE = "select 1 as failing where {{ var('fail', false) }}"


@dataclass
class Hooked:
    project: Project
    env: dict[str, str]
    receiver: Receiver

    def check(self, *, fail: bool) -> None:
        """`dbt test` the toggle in a process of its own; its hook queues the result."""
        args = ["test", "--select", "toggle", "--vars", f"fail: {str(fail).lower()}"]
        for _ in range(10):
            steps = run_steps(self.project.root, self.env, ("test", "dbt", args))
            # A delivery pass of the daemon holds DuckDB's file; the command fails at once,
            # and is tried again as docs/daemon.md advises.
            if "Could not set lock on file" not in steps["test"]["output"]:
                break
        assert steps["test"]["code"] == (1 if fail else 0), steps["test"]["output"][-3000:]

    def kinds(self) -> list[tuple[str, str]]:
        return [(n["alert"], n["kind"]) for n in self.receiver.notifications()]


@pytest.fixture
def hooked(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Hooked]:
    project = make_project(tmp_path_factory.mktemp("hooked"), "shop", warehouse)
    settings = yaml.safe_load((project.root / "dbt_project.yml").read_text())
    settings["on-run-end"] = ["{{ sqlsentinel.record_dbt_results(results) }}"]
    (project.root / "dbt_project.yml").write_text(yaml.safe_dump(settings))
    (project.root / "packages.yml").write_text(f"packages:\n  - local: {REPO}\n")
    (project.root / "tests").mkdir()
    (project.root / "tests" / "toggle.sql").write_text(TOGGLE)
    with http_receiver(Receiver()) as receiver:
        env = {
            **os.environ,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "SENTINEL_DAEMON_TEST_URL": receiver.url,
        }
        os.environ["SENTINEL_DAEMON_TEST_URL"] = receiver.url  # the daemon's process reads it
        try:
            run_steps(project.root, env, ("deps", "dbt", ["deps"]))
            yield Hooked(project, env, receiver)
        finally:
            del os.environ["SENTINEL_DAEMON_TEST_URL"]
    if warehouse == "postgres":
        drop_pg_schemas(project.schema)


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # the watch, not the SQL
def test_what_a_dbt_command_records_is_sent_as_it_ends(hooked: Hooked) -> None:
    (hooked.project.root / "sentinel.yml").write_text(SETTINGS.format(every="1d"))
    with running_daemon(hooked.project) as daemon:
        wait_until(lambda: daemon.get("/readyz").status_code == 200, what="ready")
        hooked.check(fail=True)
        hooked.receiver.wait_for_requests(1)
        assert hooked.kinds() == [("toggle", "firing")]
        # The first delivery pass, at start, was long done: with `deliver_every: 1d` only
        # the end of this command can bring the resolution.
        hooked.check(fail=False)
        hooked.receiver.wait_for_requests(2)
        assert hooked.kinds() == [("toggle", "firing"), ("toggle", "resolved")]
    assert daemon.process.returncode == 0


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # the timer, not the warehouse
def test_what_failed_is_sent_again_every_deliver_every(hooked: Hooked) -> None:
    (hooked.project.root / "sentinel.yml").write_text(SETTINGS.format(every="1s"))
    hooked.receiver.script.append((400, {}, b"bad request"))  # final for that pass
    with running_daemon(hooked.project) as daemon:
        wait_until(lambda: daemon.get("/readyz").status_code == 200, what="ready")
        hooked.check(fail=True)
        hooked.receiver.wait_for_requests(2)
        first, second = (r.json()["notifications"] for r in hooked.receiver.requests[:2])
        assert first == second
        assert [n["kind"] for n in first] == ["firing"]
        wait_until(lambda: daemon.metric("sentinel_notifications_total", outcome="sent") == 1)
    assert daemon.process.returncode == 0
