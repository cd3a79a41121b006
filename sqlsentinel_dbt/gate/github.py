"""GitHub Actions: a Markdown summary table for the job page, and annotations.

`step_summary` is appended to the file `GITHUB_STEP_SUMMARY` names; `annotations` are
workflow commands (`::error ...::`) that GitHub shows on the run and the pull request.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.gate.junit import describe

_ICONS = {Status.ALERT: "🔴", Status.ERROR: "⚠️", Status.OK: "🟢", Status.SKIPPED: "⏭️"}


def step_summary(results: Sequence[AlertResult], gate: Severity | None, run_id: str) -> str:
    """A Markdown section: totals, then one table row per result, worst first."""
    failing = sum(r.fails(gate) for r in results)
    lines = [
        "## sqlsentinel alerts",
        "",
        f"{len(results)} results, {failing} failing the gate (run `{run_id}`).",
        "",
        "| | alert | key | severity | state | actual | threshold | detail |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in sorted(results, key=lambda r: (not r.fails(gate), r.status.value, r.alert)):
        cells = [
            _ICONS.get(result.status, ""),
            result.alert,
            result.key or "",
            result.severity.value,
            result.state.state.value if result.state else "",
            "" if result.actual_value is None else f"{result.actual_value:g}",
            "" if result.threshold is None else f"{result.threshold:g}",
            result.error or "",
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def workflow_annotations(results: Sequence[AlertResult], gate: Severity | None) -> list[str]:
    """`::error` for each result failing the gate, `::warning` for one firing below it."""
    commands = []
    for result in results:
        if result.fails(gate):
            level = "error"
        elif result.status is Status.ALERT:
            level = "warning"
        else:
            continue
        title = f"sqlsentinel: {result.alert}" + (f"[{result.key}]" if result.key else "")
        commands.append(f"::{level} title={_property(title)}::{_data(describe(result))}")
    return commands


def _cell(text: str) -> str:
    """Table-safe Markdown: no pipes or newlines, and no HTML or mentions from results."""
    escaped = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
    return escaped.replace("\r", " ").replace("\n", " ").replace("@", "@\u200b")


def _data(text: str) -> str:
    # GitHub's escaping for workflow command data.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
