"""Three `sentinel daemon --replicated` on one PostgreSQL, one killed in the middle of a run.

Every due time must be evaluated exactly once (the run that claimed it, or the daemon that
took it over, wrote it to the history once), and every change notified once.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg2
import pytest

from sqlsentinel_dbt.dbt import dbt_build
from tests.conftest import PG, drop_pg_schemas, make_project
from tests.daemon_kit import RunningDaemon, running_daemon, wait_until
from tests.receivers import Receiver, http_receiver

pytestmark = pytest.mark.postgres

ALERTS = """\
alerts:
  - name: replica_slow
    tags: [replicas]
    query: "select 'OK' as status from (select pg_sleep(0.8)) as s"
  - name: replica_firing
    tags: [replicas]
    query: "select 'ALERT' as status, count(*) as actual_value from {{ ref('stg_orders') }}"
  - name: replica_regions
    tags: [replicas]
    query: |
      select region as key, case when region = 'eu' then 'ALERT' else 'OK' end as status
      from {{ ref('stg_orders') }} group by region
"""
SENTINEL_YML = """\
default_schedule: "* * * * * */2"   # every 2 seconds (croniter: seconds last)
misfire_grace: 1m
channels:
  - name: hook
    type: webhook
    url: "{{ env_var('SENTINEL_TEST_HOOK_URL') }}"
routes:
  - match: {tags: [replicas]}
    notify: [hook]
"""
LEASE = "3"


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    with http_receiver() as receiver:
        monkeypatch.setenv("SENTINEL_TEST_HOOK_URL", receiver.url)
        yield receiver


def query(schema: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg2.connect(**PG) as conn, conn.cursor() as cur:
        cur.execute(sql.replace("{schema}", f'"{schema}"'))
        return list(cur.fetchall())


def table_exists(schema: str, table: str) -> bool:
    found = query(schema, f"select to_regclass('{{schema}}.{table}') is not null")
    return bool(found[0][0])


def done_claims(schema: str) -> int:
    if not table_exists(schema, "sentinel_schedule_claims"):
        return 0
    sql = "select count(*) from {schema}.sentinel_schedule_claims where done_at is not null"
    return int(query(schema, sql)[0][0])  # type: ignore[call-overload]


def sleeping_daemon(daemons: list[RunningDaemon]) -> RunningDaemon | None:
    """The daemon whose connection runs the slow alert's pg_sleep now, if any."""
    ports = {
        int(port)
        for (port,) in query(
            "public",
            "select client_port from pg_stat_activity "
            "where query like '%pg_sleep(0.8)%' and state = 'active' and pid <> pg_backend_pid()",
        )
    }
    for daemon in daemons:
        process = psutil.Process(daemon.process.pid)
        local = {c.laddr.port for c in process.net_connections(kind="tcp")}
        if local & ports:
            return daemon
    return None


def test_three_replicas_evaluate_each_due_time_once_when_one_is_killed(
    tmp_path: Path, hook: Receiver
) -> None:
    project = make_project(tmp_path, "shop", "postgres")
    (project.root / "alerts" / "replicas.yml").write_text(ALERTS)
    (project.root / "sentinel.yml").write_text(SENTINEL_YML)
    for other in ("shop.yml", "lifecycle.yml"):  # only this test's alerts run
        (project.root / "alerts" / other).unlink()
    for nested in (project.root / "alerts" / "nested").iterdir():
        nested.unlink()
    dbt_build(project.args)
    schema = f"{project.schema}_sentinel"
    replicated = ("--replicated", "--lease", LEASE)
    with (
        running_daemon(project, *replicated) as first,
        running_daemon(project, *replicated) as second,
        running_daemon(project, *replicated) as third,
    ):
        daemons = [first, second, third]
        wait_until(lambda: done_claims(schema) >= 2, what="two runs")
        victim: list[RunningDaemon] = []

        def caught_sleeping() -> bool:
            found = sleeping_daemon(daemons)
            victim[:] = [found] if found else []
            return found is not None

        wait_until(caught_sleeping, what="a daemon in the middle of a run")
        victim[0].process.send_signal(signal.SIGKILL)
        victim[0].process.wait(timeout=60)
        killed_at = query(schema, "select now() at time zone 'utc'")[0][0]
        # Its run is taken over once the lease runs out; the others go on meanwhile.
        unfinished = (
            "select count(*) from {schema}.sentinel_schedule_claims "
            "where done_at is null and due_at < %s"
        )

        def taken_over() -> bool:
            with psycopg2.connect(**PG) as conn, conn.cursor() as cur:
                cur.execute(unfinished.replace("{schema}", f'"{schema}"'), (killed_at,))
                return cur.fetchone()[0] == 0  # type: ignore[index]

        wait_until(taken_over, what="the killed daemon's run to be taken over")
        after = done_claims(schema)
        wait_until(
            lambda: done_claims(schema) >= after + 9, what="three more due times of each alert"
        )
    try:
        claims = query(
            schema,
            "select alert_name, due_at, run_id, done_at from {schema}.sentinel_schedule_claims",
        )
        history = query(
            schema, "select run_id, alert_name, alert_key from {schema}.sentinel_alert_history"
        )
    finally:
        drop_pg_schemas(project.schema)
    # The run the killed daemon was in the middle of was run again by another.
    survivors = [d for d in daemons if d is not victim[0]]
    assert any("taking over run" in line for d in survivors for line in d.logs)
    # Each alert's due times: claimed once each, and every claim finished. (A due time
    # every daemon skips, each still running the alert, is missed as with one daemon;
    # how often depends on the machine's speed, so it is not counted here.)
    assert all(done is not None for *_, done in claims)
    per_due = Counter((name, due) for name, due, _, _ in claims)
    assert set(per_due.values()) == {1}
    # The survivors went on with every alert's schedule after the kill.
    for alert in ("replica_slow", "replica_firing", "replica_regions"):
        later = {due for name, due, _, _ in claims if name == alert and due > killed_at}  # type: ignore[operator]
        assert len(later) >= 3, (alert, sorted(later))  # type: ignore[type-var]
    # Evaluated exactly once: one history row per claimed due time (per key).
    evaluated = Counter((run_id, name, key) for run_id, name, key in history)
    assert set(evaluated.values()) == {1}
    claimed = {(run_id, name) for name, _, run_id, _ in claims}
    assert {(run_id, name) for run_id, name, _ in history} == claimed
    # One notification per change: replica_firing and the eu instance fired once each.
    fired = Counter((n["alert"], n["kind"]) for n in hook.notifications())
    assert fired == Counter({("replica_firing", "firing"): 1, ("replica_regions", "firing"): 1})
