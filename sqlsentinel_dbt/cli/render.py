"""Rich tables and JSON documents for results and history."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sqlsentinel_dbt.cli.console import err, out
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.store.timestamps import json_default

if TYPE_CHECKING:
    from sqlsentinel_dbt.notify.dispatch import DeliveryReport
    from sqlsentinel_dbt.runtime.report import RunReport

_STYLE = {
    Status.OK: "green",
    Status.ALERT: "bold red",
    Status.ERROR: "bold magenta",
    Status.MISSING: "dim",
    Status.SKIPPED: "yellow",
}


def print_json(document: Any) -> None:
    """One JSON document on stdout, nothing else."""
    text = json.dumps(document, indent=2, default=json_default, ensure_ascii=False)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def results_table(results: Sequence[AlertResult]) -> Table:
    """One row per alert instance."""
    table = Table(title="sqlsentinel results", title_justify="left")
    show_detail = out.width >= 110  # on a narrow terminal, context is in --output json
    table.add_column("Alert", no_wrap=True)
    table.add_column("Key", max_width=20, overflow="ellipsis", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Sev", no_wrap=True)
    table.add_column("State", no_wrap=True)
    for column in ("Actual", "Threshold", "ms"):
        table.add_column(column, justify="right", no_wrap=True)
    if show_detail:
        table.add_column("Detail", max_width=50, overflow="ellipsis", no_wrap=True)
    for r in results:
        status = f"[{_STYLE[r.status]}]{r.status.value}[/]"
        table.add_row(
            r.alert,
            r.key or "",
            status,
            r.severity.value if r.status is not Status.OK else "",
            r.state.state.value if r.state else "",
            _number(r.actual_value),
            _number(r.threshold),
            str(r.duration_ms),
            *([_detail(r)] if show_detail else []),
        )
    return table


def summary_line(summary: dict[str, int], dry_run: bool) -> str:
    """`12 results: 3 alerting, 8 ok, 1 error` (and skipped ones, if any)."""
    text = (
        f"{summary['total']} results: [bold red]{summary['alerting']} alerting[/], "
        f"[green]{summary['ok']} ok[/], [magenta]{summary['errors']} errors[/]"
    )
    if summary.get("skipped"):
        text += f", [yellow]{summary['skipped']} skipped[/]"
    return text + (" [dim](dry run: history not written)[/]" if dry_run else "")


def errors_text(results: Sequence[AlertResult]) -> list[tuple[Status, str]]:
    """Each ERROR and SKIPPED result's full message, for printing below the table."""
    shown = (Status.ERROR, Status.SKIPPED)
    return [(r.status, f"{r.alert}: {r.error}") for r in results if r.status in shown and r.error]


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.4g}"


def _detail(result: AlertResult) -> str:
    if result.error:
        first_line = result.error.strip().splitlines()[0]
        return first_line if len(first_line) <= 100 else first_line[:97] + "..."
    text = ", ".join(f"{k}={v}" for k, v in result.context.items())
    return text if len(text) <= 80 else text[:77] + "..."


@contextmanager
def progress(total: int, enabled: bool) -> Iterator[Callable[..., None] | None]:
    """A transient progress bar on stderr; yields the callback that advances it."""
    if not enabled or not err.is_terminal or total == 0:
        yield None
        return
    columns = (TextColumn("running alerts"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("alerts", total=total)
        yield lambda *_: bar.advance(task)


def print_results(results: Sequence[AlertResult], summary: dict[str, int], dry_run: bool) -> None:
    """The results table, every error in full, and the summary line."""
    out.print(results_table(results))
    for status, line in errors_text(results):
        out.print(f"[{_STYLE[status]}]{status.value}[/] ", end="")
        out.print(line, markup=False)
    out.print(summary_line(summary, dry_run))


def print_notifications(report: RunReport) -> None:
    """One line per notification decided, saying what became of it, then what delivery did.

    Only a run that delivered says `notify`: a dry run would have, `--no-notify` only
    queued them (for `sentinel notify`), and a silenced or muted one is never sent.
    """
    if report.dry_run:
        verb = "would notify"
    elif report.delivery is None:
        verb = "queued, not sent:"
    else:
        verb = "notify"
    queued = 0
    for row in report.notifications:
        n = row.notification
        if row.status == "suppressed":
            reasons = sorted({h.reason for h in n.held_back})
            label = _held_label(reasons)
            because = f" ({'; '.join(reasons)})" if reasons else ""
            line = f"{label}, not sent: [bold]{n.channel}[/]: {n.title}{because}"
            out.print(line, highlight=False)
        elif row.status == "digest":
            line = f"for the digest ({n.digest}): [bold]{n.channel}[/]: {n.title}"
            out.print(line, highlight=False)
        elif row.status == "queued":
            queued += 1
            out.print(f"{verb} [bold]{n.channel}[/]: {n.title}", highlight=False)
    if report.dry_run:
        print_decisions(report)
    if report.delivery is not None:
        print_delivery(report.delivery)
    elif queued and not report.dry_run:
        out.print(f"{queued} notification(s) queued; `sentinel notify` sends them")


def print_decisions(report: RunReport) -> None:
    """Under `--dry-run`: what became of each instance on each channel, and why."""
    if report.decisions:
        out.print("why, instance by instance:")
    for d in report.decisions:
        instance = d.alert if d.key is None else f"{d.alert}[{d.key}]"
        reason = f": {d.reason}" if d.reason else ""
        message = f" (message {d.notification_id[:12]})" if d.notification_id else ""
        out.print(f"  {instance} -> {d.channel}: {d.outcome}{reason}{message}", markup=False)


def _held_label(reasons: list[str]) -> str:
    """`silenced`, `muted` or `inhibited` when all reasons are of one kind, else `held back`."""
    # Reasons start "silenced by", "muted by", "outside the active ..." or "inhibited by".
    kinds = {reason.split(" ", 1)[0].replace("outside", "muted") for reason in reasons}
    return kinds.pop() if len(kinds) == 1 else "held back"


def print_delivery(delivery: DeliveryReport) -> None:
    """`notifications: 3 sent, 1 failed, 0 given up`, then every failure."""
    if delivery.decided:
        out.print(f"run_alerts changes: {delivery.decided} notification(s) queued")
    out.print(
        f"notifications: {delivery.sent} sent, {delivery.failed} failed, {delivery.dead} given up"
    )
    for line in delivery.errors:
        out.print("[yellow]delivery failed[/] ", end="")
        out.print(line, markup=False)
