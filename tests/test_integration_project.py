"""integration_tests/: the dbt project that installs the package with `local: ../`, run the
way a dbt Cloud job or a CI job runs it, on DuckDB and PostgreSQL.

One scenario per warehouse: `dbt build` (the `sqlsentinel.alert` tests gate it), then
`sentinel dbt-run --from-artifacts`, then three ticks of
`dbt run-operation sqlsentinel.run_alerts` with `sentinel dbt-run` on the same alerts
beside each, into a history schema of its own, then `sentinel notify`, the
`exercise_package` operation, and the job step of docs/dbt_cloud.md. The two paths must
record the same history and decide the same notifications. Last, `dbt build
--full-refresh` must leave the history alone (`sentinel history` counts it before), and a
singular dbt test in it checks the latest states against a seed of expected ones.

Every step is a `dbt` or `sentinel` command, run by tests/integration_runner.py through
dbt's programmatic entry point and the Typer app, all of a scenario in one process
(importing dbt is most of what a command costs here). A scenario is played once per test session, by
whichever xdist worker gets there first (the others wait for it), and what it left is
recorded as JSON for all of them (pytest-xdist's recipe for a fixture run once).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import shutil
import sys
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest
import yaml

from tests.conftest import PG, drop_pg_schemas, public_macros
from tests.integration_runner import run_steps
from tests.receivers import Receiver, http_receiver

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TICKS = (1, 2, 3)


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


@dataclass
class Step:
    """One command's exit code, what it printed, and what it logged or printed to stderr."""

    code: int
    output: str
    errors: str = ""
    invocation_id: str = ""
    """dbt steps: the invocation id in target/run_results.json after the step."""


@dataclass
class Played:
    """What one scenario left: each step's outcome, and what it wrote to the warehouse."""

    steps: dict[str, Step]
    build_invocation: str
    history: dict[str, list[list[list[Any]]]]
    """"op" and "cli": per run, oldest first, each meta alert's rows."""
    notifications: dict[str, list[list[Any]]]
    """"op" and "cli": every outbox row of the meta alerts, oldest first."""
    delivered: list[str]
    """The notification ids the webhook received, in order."""
    rows_before_refresh: int
    rows_after_refresh: int


@dataclass
class Scenario:
    """The copied integration project and its environment, while it is played."""

    root: Path
    env: dict[str, str]
    warehouse: str
    schema: str
    steps: dict[str, Step] = field(default_factory=dict)

    def batch(self, *steps: tuple[str, str, list[str]]) -> None:
        """Run (name, "dbt" or "sentinel", arguments) steps in order, in one process."""
        for name, result in run_steps(self.root, self.env, *steps).items():
            self.steps[name] = Step(**result)

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

    def history(self, schema: str) -> list[list[list[Any]]]:
        names = ", ".join(f"'{n}'" for n in META_ALERTS)
        rows = self.query(
            "select run_id, started_at, alert_name, alert_key, status, state, state_count, "
            "severity, actual_value, threshold, context, error "
            f"from {schema}.sentinel_alert_history where alert_name in ({names})"
        )
        runs: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            runs.setdefault(row["run_id"], []).append(row)
        ordered = sorted(runs.values(), key=lambda rs: min(r["started_at"] for r in rs))
        columns = ("alert_name", "alert_key", "status", "state", "state_count", "severity")
        return [
            sorted(
                [
                    *(r[c] for c in columns),
                    None if r["actual_value"] is None else float(r["actual_value"]),
                    None if r["threshold"] is None else float(r["threshold"]),
                    json.loads(r["context"]),
                    r["error"],
                ]
                for r in run
            )
            for run in ordered
        ]

    def notifications(self, schema: str) -> list[list[Any]]:
        names = ", ".join(f"'{n}'" for n in META_ALERTS)
        rows = self.query(
            "select notification_id, created_at, channel, group_key, kind, status, "
            f"firing_keys, resolved_keys, payload from {schema}.sentinel_notifications "
            f"where alert_name in ({names})"
        )
        columns = ("notification_id", "group_key", "channel", "kind", "status")
        return [
            [*(r[c] for c in columns), r["firing_keys"], r["resolved_keys"], _excerpt(r)]
            for r in sorted(rows, key=lambda r: (r["created_at"], r["group_key"]))
        ]

    def count_history(self) -> int:
        rows = self.query(
            f"select count(*) as n from {self.schema}_sentinel.sentinel_alert_history"
        )
        return int(rows[0]["n"])


def _excerpt(row: dict[str, Any]) -> str | None:
    """The SQL a notification shows (None for a pending row, which carries no notification)."""
    payload = json.loads(row["payload"])
    return payload.get("sql_excerpt") if row["kind"] != "pending" else None


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


def play(s: Scenario, hook: Receiver) -> Played:
    """Every step, in order, then what they wrote; the tests below read the result."""
    never = ["-o", "json", "--fail-on", "never"]
    target = str(s.root / "target")
    from_artifacts = ["dbt-run", "--from-artifacts", target, "--no-notify", *never]
    steps = [
        ("deps", "dbt", ["deps"]),
        ("build", "dbt", ["build", "--exclude", "tag:after_alerts"]),
        ("from_artifacts", "sentinel", from_artifacts),
    ]
    cli_schema = f"{s.schema}_cli"
    for tick in TICKS:
        op_args = ["--args", "{fail_on: never}", "--vars", f"{{tick: {tick}}}"]
        cli_vars = f"{{tick: {tick}, sqlsentinel_schema: {cli_schema}}}"
        steps += [
            (f"op{tick}", "dbt", ["run-operation", "sqlsentinel.run_alerts", *op_args]),
            (
                f"cli{tick}",
                "sentinel",
                ["dbt-run", *never, "--ignore-last-build", "--vars", cli_vars],
            ),
        ]
    exercise_vars = f"{{sqlsentinel_schema: {s.schema}_exercise}}"
    # The job step of docs/dbt_cloud.md, as written there (tick 3: region_revenue_low fires),
    # with a history of its own.
    docs_vars = f"{{tick: 3, sqlsentinel_schema: {s.schema}_docs}}"
    s.batch(
        *steps,
        ("notify", "sentinel", ["notify", "-o", "json"]),
        ("exercise", "dbt", ["run-operation", "exercise_package", "--vars", exercise_vars]),
        ("documented", "dbt", [*documented_job_step(), "--vars", docs_vars]),
        ("before_refresh", "sentinel", ["history", "-o", "json", "--limit", "1000000"]),
        # Rebuild everything from scratch; the singular test then checks the history's
        # latest states against the expected seed: it must have survived.
        ("refresh", "dbt", ["build", "--full-refresh"]),
    )
    before = len(json.loads(ok(s.steps["before_refresh"]))["history"])
    return Played(
        steps=s.steps,
        build_invocation=s.steps["build"].invocation_id,
        history={"op": s.history(f"{s.schema}_sentinel"), "cli": s.history(cli_schema)},
        notifications={
            "op": s.notifications(f"{s.schema}_sentinel"),
            "cli": s.notifications(cli_schema),
        },
        delivered=[n["notification_id"] for r in hook.requests for n in r.json()["notifications"]],
        rows_before_refresh=before,
        rows_after_refresh=s.count_history(),
    )


def documented_job_step() -> list[str]:
    """The arguments of the `dbt run-operation` line of docs/dbt_cloud.md."""
    page = (REPO / "docs" / "dbt_cloud.md").read_text()
    [block] = [b for b in re.findall(r"```bash\n(.*?)```", page, re.S) if "run-operation" in b]
    [step] = [line for line in block.splitlines() if "run-operation" in line]
    command, *args = shlex.split(step)
    assert command == "dbt"
    return args


def played(base: Path, warehouse: str) -> Played:
    """The scenario, played on `warehouse` in `base`; its PostgreSQL schemas are dropped."""
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
    try:
        with http_receiver(Receiver()) as hook:
            env["SQLSENTINEL_IT_WEBHOOK_URL"] = hook.url + "/hook"
            return play(scenario, hook)
    finally:
        if warehouse == "postgres":
            drop_pg_schemas(schema)


def played_once(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, warehouse: str, wanted: list[str]
) -> Played:
    """The scenario on `warehouse`, played by the first worker to ask, read by every one.

    A worker that finds `warehouse` being played by another plays one of the other `wanted`
    warehouses that nobody has started, so the scenarios run side by side.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent  # one folder per test session

    def play_unless_recorded(name: str) -> None:
        record = shared / f"integration_{name}.json"
        if not record.exists():
            outcome = played(tmp_path_factory.mktemp(f"integration_{name}"), name)
            record.write_text(json.dumps(asdict(outcome), default=str))

    for name in [warehouse, *(w for w in wanted if w != warehouse)]:
        with open(shared / f"integration_{name}.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another worker is playing it
            play_unless_recorded(name)
            break
    with open(shared / f"integration_{warehouse}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # until whoever plays it is done
        play_unless_recorded(warehouse)  # if that one failed, fail here with its error
        raw = json.loads((shared / f"integration_{warehouse}.json").read_text())
    raw["steps"] = {name: Step(**step) for name, step in raw["steps"].items()}
    return Played(**raw)


def first_verdict(output: str) -> str:
    """The first line run_alerts printed: what fired or errored, when anything did."""
    return next(line for line in output.splitlines() if line.startswith("sqlsentinel: "))


def ok(step: Step, code: int = 0) -> str:
    assert step.code == code, step.output[-6000:] + step.errors[-3000:]
    return step.output


class IntegrationChecks:
    """What must hold after the scenario, on whichever warehouse the subclass names."""

    warehouse = ""

    @pytest.fixture
    def scenario(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        worker_id: str,
        request: pytest.FixtureRequest,
    ) -> Played:
        wanted = {
            item.cls.warehouse
            for item in request.session.items
            if isinstance(item.cls, type) and issubclass(item.cls, IntegrationChecks)
        }
        return played_once(tmp_path_factory, worker_id, self.warehouse, sorted(wanted))

    def test_the_alert_tests_gate_dbt_build_with_dbt_severity(self, scenario: Played) -> None:
        output = ok(scenario.steps["build"])
        assert "Warning in test orders_amount_gate" in output
        assert "Warning in test pending_orders_gate" in output
        assert "PASS=" in output and "ERROR=0" in output

    def test_from_artifacts_records_what_the_build_ran_without_running_it(
        self, scenario: Played
    ) -> None:
        report = json.loads(ok(scenario.steps["from_artifacts"]))
        assert report["invocation_id"] == scenario.build_invocation
        got = {
            r["alert"]: [r["status"], r["severity"], r["actual_value"]] for r in report["results"]
        }
        # Every other node the build ran is recorded as a check of its own, named by it;
        # the seed shares its name with the source crm.raw_customers, which the build did
        # not check, and is qualified all the same.
        nodes = {r["alert"]: r["dbt_node"] for r in report["results"]}
        assert {name: got.pop(name)[0] for name in list(got) if nodes[name]} == {
            "seed__sqlsentinel_integration_tests__raw_customers": "OK",
            "raw_orders": "OK",
            "stg_orders": "OK",
            "expected_latest_states": "OK",
        }
        assert got == {
            "orders_amount_gate": ["ALERT", "warn", 1.0],
            "pending_orders_gate": ["ALERT", "warn", 1.0],
            "revenue_gate": ["OK", "error", 0.0],
        }

    def test_run_alerts_prints_a_summary_and_fails_only_on_errors_with_fail_on_never(
        self, scenario: Played
    ) -> None:
        first = ok(scenario.steps["op1"])
        # region_revenue_low has four keys, regions_seen two
        assert f"sqlsentinel: {len(META_ALERTS) + 4} results: " in first
        assert "region_revenue_low[south]" in first and "pending" in first
        second = ok(scenario.steps["op2"], code=1)
        assert "contract_broken_once" in second and "no `status` column" in second
        verdict = first_verdict(second)  # what fired, then what errored, then the outcome
        assert verdict.startswith("sqlsentinel: ") and " alerts fired: " in verdict
        assert "region_revenue_low (error)" in verdict and "negative_amounts (warn)" in verdict
        assert verdict.endswith(
            "; 1 alert errored: contract_broken_once; the run fails (fail_on: never)"
        )
        assert first_verdict(first).endswith("; the run passes (fail_on: never)")
        ok(scenario.steps["op3"])

    def test_run_alerts_writes_the_same_history_as_the_cli(self, scenario: Played) -> None:
        for tick in TICKS:  # tick 2 breaks an alert's contract: an error fails any run
            ok(scenario.steps[f"cli{tick}"], code=1 if tick == 2 else 0)
        by_op, by_cli = scenario.history["op"], scenario.history["cli"]
        assert len(by_op) == len(TICKS)
        assert by_op == by_cli
        states = {(r[0], r[1]): r[3] for r in by_op[-1]}
        assert states[("regions_seen", "west")] == "ok"  # resolved after two absences
        assert states[("revenue_dip", None)] == "recovering"  # keep_firing_for

    def test_sentinel_notify_decides_what_run_alerts_queued_as_the_cli_decides(
        self, scenario: Played
    ) -> None:
        op = json.loads(ok(scenario.steps["notify"]))
        cli = [json.loads(scenario.steps[f"cli{tick}"].output)["delivery"] for tick in TICKS]
        by_op, by_cli = scenario.notifications["op"], scenario.notifications["cli"]
        # The same changes decided from the same log get the same ids, on either path: the CLI
        # decides at the end of each run, `sentinel notify` decides what run_alerts queued.
        # Each shows the query as its run sent it (tick by tick), not as compiled later.
        assert by_op == by_cli
        assert len({n[-1] for n in by_op if n[3] == "firing" and "revenue" in n[1]}) > 1
        sent = [n[0] for n in by_op if n[4] == "sent"]
        assert op["decided"] == len(sent) > 0 and {c["decided"] for c in cli} == {0}
        assert op["sent"] == len(sent) + 2  # and the two firing gates from the artifacts
        assert sum(c["sent"] for c in cli) == len(sent)
        assert not [n for n in by_op if n[3] == "pending"]  # every pending row decided, then gone
        delivered = Counter(scenario.delivered)
        assert sorted(delivered.values()) == [1, 1] + [2] * len(sent)  # once per path, no more

    def test_every_package_macro_does_what_it_says_in_pure_dbt(self, scenario: Played) -> None:
        assert "exercise_package: every check held" in ok(scenario.steps["exercise"])

    def test_the_documented_job_step_fails_when_an_error_alert_fires(
        self, scenario: Played
    ) -> None:
        output = ok(scenario.steps["documented"], code=1)
        assert "region_revenue_low[south]" in output
        assert "negative_amounts" not in output  # not tagged finance
        # What a person reads first, and dbt's error line, say which alert fired at which
        # severity; dbt does not call it a compilation error of the macro.
        verdict = first_verdict(output)
        assert verdict.startswith("sqlsentinel: 1 alert fired: region_revenue_low (error)")
        assert verdict.endswith("; the run fails (fail_on: error)")
        error = output[output.index("Encountered an error while running operation") :]
        assert error.splitlines()[1].strip() == verdict
        assert "Compilation Error" not in output and "> in macro" not in output

    def test_full_refresh_keeps_the_history_and_its_latest_states_are_the_expected_ones(
        self, scenario: Played
    ) -> None:
        output = ok(scenario.steps["refresh"])
        assert "latest_states_equal_expected" in output and "ERROR=0" in output
        assert scenario.rows_before_refresh > 0
        assert scenario.rows_after_refresh == scenario.rows_before_refresh


class TestOnDuckDB(IntegrationChecks):
    warehouse = "duckdb"


@pytest.mark.postgres
class TestOnPostgreSQL(IntegrationChecks):
    warehouse = "postgres"


def test_the_exercise_operation_calls_every_public_macro() -> None:
    text = (REPO / "integration_tests" / "macros" / "exercise_package.sql").read_text()
    called = {n for n in public_macros() if f"sqlsentinel.{n}(" in text or f"'{n}'" in text}
    assert public_macros() - called == {"run_alerts"}  # run by every tick of the scenario
