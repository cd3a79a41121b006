"""sqlsentinel on SQLite through dbt-sqlite: the demo, its history, the outbox and silences.

This runs in nox's `sqlite` session, in an environment of its own: dbt-sqlite pins
dbt-adapters to 1.16, which dbt-postgres 1.11 (in the dev extras) does not accept
(docs/dbt_package.md#sqlite).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from sqlsentinel_dbt.cli import app
from sqlsentinel_dbt.dbt import DbtArgs, dbt_build
from sqlsentinel_dbt.demo import prepare_demo, run_demo
from sqlsentinel_dbt.engine.result import AlertResult
from sqlsentinel_dbt.runtime import Sentinel
from tests.receivers import Receiver, http_receiver

SENTINEL_YML = """
channels:
  - name: hook
    type: webhook
    url: "{{ env_var('SENTINEL_TEST_HOOK_URL') }}"
routes:
  - notify: [hook]
"""


def sqlite_demo(directory: Path) -> DbtArgs:
    """The demo project with the profile of docs/dbt_package.md#sqlite, built by dbt."""
    args = prepare_demo(directory)
    doc = (Path(__file__).resolve().parent.parent / "docs" / "dbt_package.md").read_text()
    profile = doc.split("```yaml\n# profiles.yml: SQLite\n", 1)[1].split("```", 1)[0]
    written = profile.replace("/path/to/project", str(directory.resolve()))
    (directory / "profiles.yml").write_text(written, encoding="utf-8")
    assert yaml.safe_load(written)["sqlsentinel_demo"]["outputs"]["dev"]["type"] == "sqlite"
    dbt_build(args)
    return args


def outcome(results: list[AlertResult]) -> list[tuple[Any, ...]]:
    """What an alert run found, apart from timings: comparable across warehouses."""
    return sorted(
        (
            r.alert,
            r.key or "",
            r.status.value,
            None if r.actual_value is None else round(r.actual_value, 6),
            None if r.threshold is None else round(r.threshold, 6),
            r.error,
        )
        for r in results
    )


def test_the_demo_finds_on_sqlite_what_it_finds_on_duckdb(tmp_path: Path) -> None:
    on_duckdb = run_demo(prepare_demo(tmp_path / "duckdb"))
    args = sqlite_demo(tmp_path / "sqlite")

    with Sentinel.open(args) as sentinel:
        first = sentinel.run()
    assert outcome(first.results) == outcome(on_duckdb.results)
    assert {r.status.value for r in first.results} == {"OK", "ALERT"}

    # The second run reads the first one's states back from the history table: an
    # instance that fired keeps the time it started firing.
    with Sentinel.open(args) as sentinel:
        second = sentinel.run()
    fired = {(r.alert, r.key): r.state for r in first.results if r.status.value == "ALERT"}
    still = {(r.alert, r.key): r.state for r in second.results if (r.alert, r.key) in fired}
    assert fired and all(s is not None and s.state.value == "firing" for s in fired.values())
    since = {key: state.since for key, state in fired.items() if state}
    assert {key: state.since for key, state in still.items() if state} == since

    history = cli("history", "-o", "json", "--limit", "1000", *flags(args))
    assert len(history["history"]) == len(first.results) + len(second.results)


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    with http_receiver() as running:
        monkeypatch.setenv("SENTINEL_TEST_HOOK_URL", running.url + "/hook")
        yield running


def test_notifications_and_silences_on_sqlite(tmp_path: Path, receiver: Receiver) -> None:
    args = sqlite_demo(tmp_path)
    (tmp_path / "sentinel.yml").write_text(SENTINEL_YML, encoding="utf-8")
    made = cli("silence", "unpaid_orders", "--for", "2h", "--reason", "known", *flags(args),
               json_output=False)  # fmt: skip
    silence_id = made.split()[1].rstrip(":")

    fired = cli("dbt-run", "-o", "json", *flags(args))
    firing = {r["alert"] for r in fired["results"] if r["state"] == "firing"}
    assert "unpaid_orders" in firing and len(firing) > 1
    sent = {n["alert"] for n in receiver.notifications()}
    assert sent == firing - {"unpaid_orders"}
    assert fired["delivery"]["sent"] == len(sent)
    held = [n for n in fired["notifications"] if n["status"] == "suppressed"]
    assert [(n["alert"], n["kind"]) for n in held] == [("unpaid_orders", "firing")]

    # Nothing is sent twice: the outbox's claims hold on SQLite too.
    assert cli("notify", "-o", "json", *flags(args))["sent"] == 0
    requests = len(receiver.requests)
    assert cli("dbt-run", "-o", "json", *flags(args))["delivery"]["sent"] == 0
    assert len(receiver.requests) == requests

    cli("unsilence", silence_id, *flags(args), json_output=False)
    after = cli("dbt-run", "-o", "json", *flags(args))
    assert after["delivery"]["sent"] == 1
    assert [(n["alert"], n["kind"]) for n in receiver.notifications()[len(sent) :]] == [
        ("unpaid_orders", "firing")
    ]
    listed = cli("silences", "-o", "json", *flags(args))["silences"]
    assert [(s["silence_id"], s["active"]) for s in listed] == [(silence_id, False)]


def flags(args: DbtArgs) -> list[str]:
    return ["--project-dir", str(args.project_dir), "--profiles-dir", str(args.profiles_dir)]


def cli(*args: str, json_output: bool = True) -> Any:
    """`sentinel ARGS` in-process; its JSON output, or its text."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), (args, result.stdout, result.stderr)
    return json.loads(result.stdout) if json_output else result.stdout
