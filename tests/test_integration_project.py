"""integration_tests/: the dbt project that installs the package with `local: ../`, run the
way a dbt Cloud job or a CI job runs it, on DuckDB and PostgreSQL.

One scenario per warehouse: `dbt build` (the `sqlsentinel.alert` tests gate it), then
`sentinel dbt-run --from-artifacts`, then three ticks of
`dbt run-operation sqlsentinel.run_alerts` with `sentinel dbt-run` on the same alerts
beside each, into a history schema of its own, then `sentinel notify`. The two paths must
record the same history and decide the same notifications. Last, `dbt build
--full-refresh` must leave the history alone, and a singular dbt test in it checks the
latest states against a seed of expected ones.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest
import yaml

from tests.conftest import PG, drop_pg_schemas
from tests.receivers import Receiver, http_receiver

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TICKS = (1, 2, 3)


@dataclass
class Scenario:
    """The copied integration project, its environment, and what each step printed."""

    root: Path
    env: dict[str, str]
    warehouse: str
    schema: str
    steps: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    build_invocation: str = ""
    rows_before_refresh: int = 0

    @property
    def op_schema(self) -> str:
        return f"{self.schema}_sentinel"

    @property
    def cli_schema(self) -> str:
        return f"{self.schema}_cli"

    def run(self, step: str, *command: str) -> subprocess.CompletedProcess[str]:
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "--project-dir", str(self.root), "--profiles-dir", str(self.root)],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.steps[step] = done
        self.seconds[step] = time.perf_counter() - started
        return done

    def dbt(self, step: str, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(step, str(BIN / "dbt"), *args)

    def sentinel(self, step: str, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(step, str(BIN / "sentinel"), *args)

    def query(self, sql: str) -> list[dict[str, Any]]:
        if self.warehouse == "duckdb":
            with duckdb.connect(self.env["SQLSENTINEL_IT_DUCKDB_PATH"], read_only=True) as conn:
                cursor = conn.execute(sql)
                columns = [c[0] for c in cursor.description]
                return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        with psycopg2.connect(**PG) as conn, conn.cursor() as cursor:
            cursor.execute(sql)
            columns = [c[0] for c in cursor.description or []]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def copy_project(base: Path) -> Path:
    """integration_tests/ beside a stand-in for the repo root, so `local: ../` resolves to
    the package and nothing is written inside the repository."""
    (base / "repo").mkdir()
    for name in ("dbt_project.yml", "macros", "models"):
        (base / "repo" / name).symlink_to(REPO / name)
    root = base / "repo" / "integration_tests"
    ignore = shutil.ignore_patterns("target", "dbt_packages", "logs", "*.duckdb*", "*.lock*")
    shutil.copytree(REPO / "integration_tests", root, ignore=ignore)
    return root


def played(base: Path, warehouse: str) -> Scenario:
    """The scenario, played once on `warehouse` in `base`."""
    schema = f"it_{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "SQLSENTINEL_IT_TARGET": warehouse,
        "SQLSENTINEL_IT_DUCKDB_PATH": str(base / "integration.duckdb"),
        "SQLSENTINEL_IT_SCHEMA": schema,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **{f"PG{k.upper()}" if k != "dbname" else "PGDATABASE": str(v) for k, v in PG.items()},
    }
    scenario = Scenario(copy_project(base), env, warehouse, schema)
    with http_receiver(Receiver()) as hook:
        env["SQLSENTINEL_IT_WEBHOOK_URL"] = hook.url + "/hook"
        play(scenario)
        scenario.steps["hook"] = subprocess.CompletedProcess(
            [], 0, json.dumps([n for r in hook.requests for n in r.json()["notifications"]])
        )
    return scenario


@pytest.fixture(scope="module")
def scenarios(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, Scenario]]:
    """The scenario on every warehouse this session tests, played side by side: each step
    is a subprocess, so the two use both cores even on one pytest worker."""
    wanted = sorted(
        {
            item.cls.warehouse
            for item in request.session.items
            if item.module is request.module and isinstance(item.cls, type)
        }
    )
    bases = {w: tmp_path_factory.mktemp(f"integration_{w}") for w in wanted}
    with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
        futures = {w: pool.submit(played, bases[w], w) for w in wanted}
        done = {w: future.result() for w, future in futures.items()}
    yield done
    if "postgres" in done:
        drop_pg_schemas(done["postgres"].schema)


def play(s: Scenario) -> None:
    """Every step, in order; the tests below read what each one printed and wrote."""
    s.dbt("deps", "deps")
    s.dbt("build", "build", "--exclude", "tag:after_alerts")
    run_results = json.loads((s.root / "target" / "run_results.json").read_text())
    s.build_invocation = run_results["metadata"]["invocation_id"]
    s.sentinel(
        "from_artifacts",
        "dbt-run",
        "--from-artifacts",
        "target",
        "--no-notify",
        "-o",
        "json",
        "--fail-on",
        "never",
    )
    for tick in TICKS:
        s.dbt(
            f"op{tick}",
            "run-operation",
            "sqlsentinel.run_alerts",
            "--args",
            "{fail_on: never}",
            "--vars",
            f"{{tick: {tick}}}",
        )
        s.sentinel(
            f"cli{tick}",
            "dbt-run",
            "-o",
            "json",
            "--fail-on",
            "never",
            "--ignore-last-build",
            "--vars",
            f"{{tick: {tick}, sqlsentinel_schema: {s.cli_schema}}}",
        )
    s.sentinel("notify", "notify", "-o", "json")
    s.dbt(
        "exercise",
        "run-operation",
        "exercise_package",
        "--vars",
        f"{{sqlsentinel_schema: {s.schema}_exercise}}",
    )
    # The job step of docs/dbt_cloud.md, as written there (tick 3: region_revenue_low fires),
    # with a history of its own.
    docs_schema = f"{{tick: 3, sqlsentinel_schema: {s.schema}_docs}}"
    s.run("documented", *shlex.split(documented_job_step()), "--vars", docs_schema)
    s.rows_before_refresh = count_history(s)
    # Rebuild everything from scratch; the singular test then checks the history's latest
    # states against the expected seed: it must have survived.
    s.dbt("refresh", "build", "--full-refresh")


def documented_job_step() -> str:
    page = (REPO / "docs" / "dbt_cloud.md").read_text()
    [block] = [b for b in re.findall(r"```bash\n(.*?)```", page, re.S) if "run-operation" in b]
    [step] = [line for line in block.splitlines() if "run-operation" in line]
    return str(BIN / step)


def count_history(s: Scenario) -> int:
    rows = s.query(f"select count(*) as n from {s.op_schema}.sentinel_alert_history")
    return int(rows[0]["n"])


def ok(done: subprocess.CompletedProcess[str], code: int = 0) -> str:
    assert done.returncode == code, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def meta_alert_names() -> list[str]:
    """The alerts declared in the integration project's node meta."""
    names = []
    for path in ("models/_models.yml", "models/_sources.yml"):
        document = yaml.safe_load((REPO / "integration_tests" / path).read_text())
        tables = [t for source in document.get("sources", []) for t in source["tables"]]
        for node in document.get("models", []) + document.get("seeds", []) + tables:
            alerts = node.get("config", {}).get("meta", {}).get("sentinel", {}).get("alerts", [])
            names += [alert["name"] for alert in alerts]
    return sorted(names)


META_ALERTS = meta_alert_names()


def history(scenario: Scenario, schema: str) -> list[list[tuple[Any, ...]]]:
    """Per run, oldest first: each meta alert's rows, as both paths must write them."""
    names = ", ".join(f"'{n}'" for n in META_ALERTS)
    rows = scenario.query(
        f"select run_id, started_at, alert_name, alert_key, status, state, state_count, "
        f"severity, actual_value, threshold, context, error "
        f"from {schema}.sentinel_alert_history where alert_name in ({names})"
    )
    runs: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        runs.setdefault(row["run_id"], []).append(row)
    ordered = sorted(runs.values(), key=lambda rs: min(r["started_at"] for r in rs))
    return [
        sorted(
            (
                r["alert_name"],
                r["alert_key"],
                r["status"],
                r["state"],
                r["state_count"],
                r["severity"],
                r["actual_value"],
                r["threshold"],
                json.loads(r["context"]),
                r["error"],
            )
            for r in run
        )
        for run in ordered
    ]


def notifications(scenario: Scenario, schema: str) -> list[tuple[Any, ...]]:
    names = ", ".join(f"'{n}'" for n in META_ALERTS)
    rows = scenario.query(
        f"select notification_id, created_at, channel, group_key, kind, status, firing_keys, "
        f"resolved_keys "
        f"from {schema}.sentinel_notifications where alert_name in ({names})"
    )
    return [
        (
            r["notification_id"],
            r["group_key"],
            r["channel"],
            r["kind"],
            r["status"],
            r["firing_keys"],
            r["resolved_keys"],
        )
        for r in sorted(rows, key=lambda r: (r["created_at"], r["group_key"]))
    ]


class IntegrationChecks:
    """What must hold after the scenario, on whichever warehouse the subclass names."""

    warehouse = ""

    @pytest.fixture
    def scenario(self, scenarios: dict[str, Scenario]) -> Scenario:
        return scenarios[self.warehouse]

    def test_the_alert_tests_gate_dbt_build_with_dbt_severity(self, scenario: Scenario) -> None:
        output = ok(scenario.steps["build"])
        assert "Warning in test orders_amount_gate" in output
        assert "Warning in test pending_orders_gate" in output
        assert "PASS=" in output and "ERROR=0" in output

    def test_from_artifacts_records_what_the_build_ran_without_running_it(
        self, scenario: Scenario
    ) -> None:
        report = json.loads(ok(scenario.steps["from_artifacts"]))
        assert report["invocation_id"] == scenario.build_invocation
        got = {
            r["alert"]: (r["status"], r["severity"], r["actual_value"]) for r in report["results"]
        }
        assert got == {
            "orders_amount_gate": ("ALERT", "warn", 1.0),
            "pending_orders_gate": ("ALERT", "warn", 1.0),
            "revenue_gate": ("OK", "error", 0.0),
        }

    def test_run_alerts_prints_a_summary_and_fails_only_on_errors_with_fail_on_never(
        self, scenario: Scenario
    ) -> None:
        first = ok(scenario.steps["op1"])
        # region_revenue_low has four keys, regions_seen two
        assert f"sqlsentinel: {len(META_ALERTS) + 4} results: " in first
        assert "region_revenue_low[south]" in first and "pending" in first
        second = ok(scenario.steps["op2"], code=1)
        assert "contract_broken_once" in second and "no `status` column" in second
        assert "1 alert(s) failed the run (fail_on: never): contract_broken_once" in second
        ok(scenario.steps["op3"])

    def test_run_alerts_writes_the_same_history_as_the_cli(self, scenario: Scenario) -> None:
        for tick in TICKS:  # tick 2 breaks an alert's contract: an error fails any run
            ok(scenario.steps[f"cli{tick}"], code=1 if tick == 2 else 0)
        by_op, by_cli = (
            history(scenario, scenario.op_schema),
            history(scenario, scenario.cli_schema),
        )
        assert len(by_op) == len(TICKS)
        assert by_op == by_cli
        states = {(r[0], r[1]): r[3] for r in by_op[-1]}
        assert states[("regions_seen", "west")] == "ok"  # resolved after two absences
        assert states[("revenue_dip", None)] == "recovering"  # keep_firing_for

    def test_latest_states_equal_the_expected_seed_after_a_full_refresh(
        self, scenario: Scenario
    ) -> None:
        output = ok(scenario.steps["refresh"])
        assert "latest_states_equal_expected" in output and "ERROR=0" in output

    def test_sentinel_notify_decides_what_run_alerts_queued_as_the_cli_decides(
        self, scenario: Scenario
    ) -> None:
        op = json.loads(ok(scenario.steps["notify"]))
        cli = [json.loads(scenario.steps[f"cli{tick}"].stdout)["delivery"] for tick in TICKS]
        by_op, by_cli = (
            notifications(scenario, scenario.op_schema),
            notifications(scenario, scenario.cli_schema),
        )
        # The same changes decided from the same log get the same ids, on either path: the CLI
        # decides at the end of each run, `sentinel notify` decides what run_alerts queued.
        assert by_op == by_cli
        sent = [n[0] for n in by_op if n[4] == "sent"]
        assert op["decided"] == len(sent) > 0 and {c["decided"] for c in cli} == {0}
        assert op["sent"] == len(sent) + 2  # and the two firing gates from the artifacts
        assert sum(c["sent"] for c in cli) == len(sent)
        assert not [n for n in by_op if n[3] == "pending"]  # every pending row decided, then gone
        delivered = Counter(n["notification_id"] for n in json.loads(scenario.steps["hook"].stdout))
        assert sorted(delivered.values()) == [1, 1] + [2] * len(sent)  # once per path, no more

    def test_the_documented_job_step_fails_when_an_error_alert_fires(
        self, scenario: Scenario
    ) -> None:
        output = ok(scenario.steps["documented"], code=1)
        assert "region_revenue_low[south]" in output
        assert "negative_amounts" not in output  # not tagged finance
        assert "failed the run (fail_on: error): region_revenue_low" in output

    def test_every_package_macro_does_what_it_says_in_pure_dbt(self, scenario: Scenario) -> None:
        assert "exercise_package: every check held" in ok(scenario.steps["exercise"])

    def test_full_refresh_never_wipes_the_history(self, scenario: Scenario) -> None:
        assert "PASS=" in ok(scenario.steps["refresh"])
        assert scenario.rows_before_refresh > 0
        assert count_history(scenario) == scenario.rows_before_refresh


# One class per warehouse. With `--dist loadscope` the module stays on one xdist worker, so
# each scenario is played once.
class TestOnDuckDB(IntegrationChecks):
    warehouse = "duckdb"


@pytest.mark.postgres
class TestOnPostgreSQL(IntegrationChecks):
    warehouse = "postgres"


def test_the_exercise_operation_calls_every_public_macro() -> None:
    from tests.test_bigquery import public_macros

    text = (REPO / "integration_tests" / "macros" / "exercise_package.sql").read_text()
    called = {n for n in public_macros() if f"sqlsentinel.{n}(" in text or f"'{n}'" in text}
    assert public_macros() - called == {"run_alerts"}  # run by every tick of the scenario
