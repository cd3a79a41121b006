"""Run steps of the integration scenario in one process: `dbt` commands through dbt's own
programmatic entry point (`dbtRunner`, what the `dbt` command calls) and `sentinel`
commands through the Typer app (what the `sentinel` command calls).

    python -m tests.integration_runner STEPS.json RESULTS.json

STEPS.json is a list of {"name", "tool" ("dbt" or "sentinel"), "args"}; RESULTS.json gets
{name: {"code", "output", "errors", "invocation_id"}}: the exit code each command would
have had, what it printed, (sentinel) what it wrote to stderr, and (dbt) the invocation id
that target/run_results.json holds after it. One process pays for importing dbt once,
not once per command: that is most of what a dbt command costs on a small project. The
project, profile and warehouse come from the environment and the arguments, as for the
commands themselves.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def run_steps(root: Path, env: Mapping[str, str], *steps: tuple[str, str, list[str]]) -> Any:
    """Run (name, "dbt" or "sentinel", arguments) steps in order on the project at `root`,
    in one new process; return RESULTS.json's content."""
    flags = ["--project-dir", str(root), "--profiles-dir", str(root)]
    spec = [{"name": n, "tool": tool, "args": [*args, *flags]} for n, tool, args in steps]
    steps_path, results_path = root / "steps.json", root / "results.json"
    steps_path.write_text(json.dumps(spec))
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration_runner", str(steps_path), str(results_path)],
        env=dict(env),
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(results_path.read_text())


def run_dbt(args: list[str]) -> dict[str, Any]:
    """One dbt command: exit code 0 on success, 1 on failure, 2 on an unhandled error."""
    from dbt.cli.main import dbtRunner

    lines: list[str] = []

    def collect(event: Any) -> None:
        if event.info.level in ("info", "warn", "error") and event.info.msg:
            lines.append(str(event.info.msg))

    outcome = dbtRunner(callbacks=[collect]).invoke(args)
    code = 0 if outcome.success else (2 if outcome.exception is not None else 1)
    if outcome.exception is not None:
        lines.append(str(outcome.exception))
    return {"code": code, "output": "\n".join(lines), "invocation_id": artifacts_invocation(args)}


def artifacts_invocation(args: list[str]) -> str:
    """The invocation id in the project's target/run_results.json ("" when there is none)."""
    project = Path(args[args.index("--project-dir") + 1]) if "--project-dir" in args else Path()
    run_results = project / "target" / "run_results.json"
    if not run_results.exists():
        return ""
    return str(json.loads(run_results.read_text())["metadata"]["invocation_id"])


def run_sentinel(args: list[str]) -> dict[str, Any]:
    """One sentinel command, as its console script runs it."""
    from typer.testing import CliRunner

    from sqlsentinel_dbt.cli import app

    result = CliRunner().invoke(app, args)
    return {"code": result.exit_code, "output": result.stdout, "errors": result.stderr}


def main(steps_path: str, results_path: str) -> None:
    """Run every step in order and write what each did."""
    steps = json.loads(Path(steps_path).read_text())
    results = {}
    for step in steps:
        run = run_dbt if step["tool"] == "dbt" else run_sentinel
        results[step["name"]] = run(step["args"])
    Path(results_path).write_text(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:])
