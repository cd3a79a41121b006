"""`sentinel notify` parses the project's nodes only when deciding needs them.

After a build of thousands of checks, parsing the project's nodes takes seconds; delivering
what the on-run-end hook queued needs only the warehouse and the package's macros. The
nodes are parsed when a queued change is of an alert of a node's meta (which alerts/*.yml
does not declare) or when sentinel.yml has `dbt_results:` settings; a change that needs
them and is met without them (queued after the look) is held back, never dropped. Real
DuckDB (parsing does not depend on the warehouse; the hook's SQL on PostgreSQL is
tests/test_dbt_results_hook.py's); the webhook receiver on 127.0.0.1; the parses are
counted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import yaml

from sqlsentinel_dbt.dbt import DbtArgs, DbtProject
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.store.timestamps import utc_now
from tests.conftest import Project, drop_pg_schemas, make_project
from tests.integration_runner import run_steps
from tests.receivers import Receiver, http_receiver
from tests.test_dbt_results_hook import META_ALERT, REPO
from tests.warehouse_sql import query

CHANNELS = """\
channels:
  - name: hook
    type: webhook
    url: "{{ env_var('SENTINEL_HOOK_TEST_URL') }}/hook"
routes:
  - notify: [hook]
"""


@dataclass
class Built:
    """The checks project with the hook (no meta alerts evaluated), built once."""

    project: Project
    env: dict[str, str]
    receiver: Receiver

    @property
    def args(self) -> DbtArgs:
        return DbtArgs(str(self.project.root), str(self.project.root))

    def pending(self) -> list[dict[str, Any]]:
        schema = f"{self.project.schema}_sentinel"
        rows = query(self.project, f"select * from {schema}.sentinel_notifications")
        return [r for r in rows if r["kind"] == "pending"]

    def delivered(self) -> list[str]:
        return [n["alert"] for r in self.receiver.requests for n in r.json()["notifications"]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Built]:
    project = make_project(tmp_path_factory.mktemp("light"), "checks", warehouse)
    settings = yaml.safe_load((project.root / "dbt_project.yml").read_text())
    settings["on-run-end"] = ["{{ sqlsentinel.record_dbt_results(results) }}"]
    (project.root / "dbt_project.yml").write_text(yaml.safe_dump(settings))
    (project.root / "packages.yml").write_text(f"packages:\n  - local: {REPO}\n")
    (project.root / "models" / "negative_orders.sql").write_text(
        "select * from {{ ref('stg_orders') }} where amount < 0"
    )
    (project.root / "models" / "negative_orders.yml").write_text(META_ALERT)
    (project.root / "sentinel.yml").write_text(CHANNELS)
    with http_receiver(Receiver()) as receiver:
        env = {
            **os.environ,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "SENTINEL_HOOK_TEST_URL": receiver.url,
        }
        os.environ["SENTINEL_HOOK_TEST_URL"] = receiver.url  # for the in-process notify
        steps = run_steps(project.root, env, ("deps", "dbt", ["deps"]), ("build", "dbt", ["build"]))
        assert steps["build"]["code"] == 1, steps["build"]["output"][-3000:]  # tests fail
        yield Built(project, env, receiver)
        del os.environ["SENTINEL_HOOK_TEST_URL"]
    if warehouse == "postgres":
        drop_pg_schemas(project.schema)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each DbtProject.open of the test: True when it parsed the nodes."""
    opened: list[bool] = []
    original = DbtProject.open.__func__  # type: ignore[attr-defined]

    def counting(cls: type[DbtProject], *args: Any, nodes: bool = True) -> DbtProject:
        opened.append(nodes)
        return original(cls, *args, nodes=nodes)  # type: ignore[no-any-return]

    monkeypatch.setattr(DbtProject, "open", classmethod(counting))
    return opened


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # parsing, not SQL
def test_notify_parses_the_nodes_only_when_deciding_needs_them(
    built: Built, parses: list[bool]
) -> None:
    """One sequence, each step on the outbox the one before left (so one test: the steps
    must not be spread over processes)."""
    # 1. The hook's checks: delivered without parsing the nodes.
    queued = {r["alert_name"] for r in built.pending()}
    assert queued  # the failing checks of the build
    with Sentinel.open_to_deliver(built.args) as sentinel:
        report = sentinel.notify()
    assert parses == [False]
    assert report.failed == 0 and report.sent == len(queued)
    assert set(built.delivered()) == queued
    assert built.pending() == []

    # 2. run_alerts queues a change per meta alert: their alerts are known only from the
    # nodes, so notify parses them and announces the one that fires.
    run_alerts = ("alerts", "dbt", ["run-operation", "sqlsentinel.run_alerts"])
    run_steps(built.project.root, built.env, run_alerts)
    assert {r["alert_name"] for r in built.pending()} >= {"negative_amounts_meta"}
    with Sentinel.open_to_deliver(built.args) as sentinel:
        report = sentinel.notify()
    assert parses == [False, False, True]
    assert report.failed == 0 and "negative_amounts_meta" in built.delivered()
    assert built.pending() == []

    # 3. Opened without its nodes (as when a change is queued after notify looked), the
    # meta alerts' changes wait for the lease to run out; a later notify decides them.
    run_steps(built.project.root, built.env, run_alerts)
    waiting = {r["notification_id"] for r in built.pending()}
    assert waiting
    with Sentinel.open(built.args, nodes=False) as sentinel:
        held = sentinel.notify()
        lease = sentinel.config.settings.claim_lease
    assert held.decided == 0
    assert {r["notification_id"] for r in built.pending()} == waiting  # still there
    later = utc_now() + timedelta(seconds=lease + 1)
    with Sentinel.open_to_deliver(built.args, clock=lambda: later) as sentinel:
        sentinel.notify()
    assert parses == [False, False, True, False, False, True]
    assert built.pending() == []

    # 4. `min_severity` is applied to the hook's checks when they are decided: on the nodes.
    (built.project.root / "sentinel.yml").write_text(
        CHANNELS + "dbt_results:\n  min_severity: error\n"
    )
    try:
        run_steps(built.project.root, built.env, ("test", "dbt", ["test"]))
        assert built.pending()
        with Sentinel.open_to_deliver(built.args) as sentinel:
            report = sentinel.notify()
    finally:
        (built.project.root / "sentinel.yml").write_text(CHANNELS)
    assert parses[-2:] == [False, True]
    assert report.failed == 0 and built.pending() == []
