"""Benchmark: N firing alerts fanned out to a local webhook receiver and a local SMTP server.

    .venv/bin/python bench/notification_throughput.py --n 1000 --write-doc docs/performance.md

It generates a DuckDB dbt project whose N alerts all fire (bench/generated_project.py)
with two channels, a webhook and email, both on 127.0.0.1 in this process. A first
`sentinel dbt-run --no-notify` evaluates the alerts and queues 2 x N notifications in the
outbox; then `sentinel notify` delivers them, timed from process start to exit (start-up
and the outbox's bookkeeping included), with its peak memory. Then the library does the
same in this process, from an outbox of its own: `Sentinel.execute(..., send=False)`
queues, and `Sentinel.notify()`, timed alone, delivers. The receivers count every
notification id, so the report says whether each was delivered exactly once.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent)]
from dbt_test_vs_sentinel import BIN, ENV, measure  # noqa: E402
from doc_section import measured_on, write_section  # noqa: E402
from generated_project import write_project  # noqa: E402

from tests.receivers import Receiver, http_receiver  # noqa: E402

TARGET = 200.0


@dataclass
class Mailbox:
    """aiosmtpd handler that counts notification ids per message."""

    ids: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        header = str(message["X-Sentinel-Notification-Ids"] or "")
        with self.lock:
            self.ids.update(i.strip() for i in header.split(",") if i.strip())
        return "250 OK"


def sentinel_yml(smtp_port: int) -> dict[str, Any]:
    """Two channels, every alert routed to both."""
    return {
        "channels": [
            {"name": "hook", "type": "webhook", "url": "{{ env_var('BENCH_HOOK_URL') }}"},
            {
                "name": "mail",
                "type": "email",
                "host": "127.0.0.1",
                "port": smtp_port,
                "security": "none",
                "from": "sentinel@bench.test",
                "to": ["oncall@bench.test"],
            },
        ],
        "routes": [{"notify": ["hook", "mail"]}],
    }


def run(n: int, workdir: Path) -> str:
    """Queue and deliver 2 x n notifications twice: by the CLI, then in-process."""
    root = workdir / f"notify_{n}"
    write_project(root, n, threads=4, firing_every=1)
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    flags = ["--project-dir", str(root), "--profiles-dir", str(root)]
    rows = []
    try:
        with http_receiver(Receiver()) as hook:
            ENV["BENCH_HOOK_URL"] = hook.url + "/hook"  # the environment `measure` runs with
            os.environ["BENCH_HOOK_URL"] = ENV["BENCH_HOOK_URL"]  # and the in-process run
            (root / "sentinel.yml").write_text(yaml.safe_dump(sentinel_yml(smtp.port)))
            if measure([str(BIN / "dbt"), "run", *flags]).exit_code:
                raise SystemExit("dbt run failed")
            for how in ("cli", "library"):
                # A schema of its own for each, so each starts from an empty outbox.
                variables = f"{{sqlsentinel_schema: bench_{how}}}"
                if how == "cli":
                    queue = [str(BIN / "sentinel"), "dbt-run", *flags, "--vars", variables]
                    if measure([*queue, "--no-notify", "--fail-on", "never"]).exit_code:
                        raise SystemExit("sentinel dbt-run failed")
                    hook.requests.clear()
                    mailbox.ids.clear()
                    deliver = [str(BIN / "sentinel"), "notify", *flags, "--vars", variables]
                    done = measure(deliver)
                    seconds, peak = done.seconds, f"{done.peak_mib:.0f} MiB"
                else:
                    seconds = _queue_and_deliver_in_process(root, variables, hook, mailbox)
                    peak = ""
                webhook = Counter(x["notification_id"] for x in hook.notifications())
                rows.append((how, seconds, peak, webhook, len(hook.requests), Counter(mailbox.ids)))
    finally:
        smtp.stop()
    return _report(n, rows)


def _queue_and_deliver_in_process(
    root: Path, variables: str, hook: Receiver, mailbox: Mailbox
) -> float:
    """Queue without sending, then time `Sentinel.notify()`: the delivery alone."""
    from sqlsentinel_dbt.dbt import DbtArgs
    from sqlsentinel_dbt.runtime import Sentinel

    args = DbtArgs(project_dir=str(root), profiles_dir=str(root), vars=variables)
    with Sentinel.open(args) as sentinel:
        sentinel.execute(sentinel.plan(), send=False)
        hook.requests.clear()
        mailbox.ids.clear()
        started = time.perf_counter()
        sentinel.notify()
        return time.perf_counter() - started


Row = tuple[str, float, str, Counter[str], int, Counter[str]]


def _report(n: int, rows: list[Row]) -> str:
    def once(ids: Counter[str]) -> str:
        exact = len(ids) == n and set(ids.values()) == {1}
        return "yes" if exact else f"NO ({len(ids)} ids, max {max(ids.values(), default=0)} times)"

    what = {
        "cli": "`sentinel notify`, start to exit",
        "library": "delivery alone (`Sentinel.notify()`)",
    }
    lines = [
        measured_on(),
        "",
        f"{n} firing alerts, 2 channels (webhook, email):",
        "",
        "| measured | notifications | time | per second | webhook per second | peak memory "
        "| webhook exactly once | email exactly once |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for how, seconds, peak, webhook, posts, email in rows:
        total = sum(webhook.values()) + sum(email.values())
        lines.append(
            f"| {what[how]} | {total} | {seconds:.2f} s | {total / seconds:.0f} "
            f"| {sum(webhook.values()) / seconds:.0f} | {peak} "
            f"| {once(webhook)} ({posts} POSTs) | {once(email)} |"
        )
    best = max(sum(r[3].values()) / r[1] for r in rows)
    lines += [
        "",
        f"Target: at least {TARGET:.0f} notifications/s to the webhook: "
        + ("met" if best >= TARGET else "NOT met")
        + f" ({', '.join(f'{sum(r[3].values()) / r[1]:.0f}/s {r[0]}' for r in rows)}).",
    ]
    return "\n".join(lines)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    """Parse the arguments, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workdir", type=Path, help="keep the generated project here")
    parser.add_argument("--write-doc", type=Path, help="write the table into this document")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sqlsentinel-bench-") as scratch:
        table = run(args.n, args.workdir or Path(scratch))
    print(table)
    if args.write_doc:
        write_section(args.write_doc, "notifications", table)


if __name__ == "__main__":
    main()
