"""Write a benchmark's figures into a document between its markers, with date and versions.

Each benchmark owns one section of docs/performance.md:

    <!-- bench:NAME:start -->
    ...written by the script, never by hand...
    <!-- bench:NAME:end -->

so that the figures a reader sees are the ones a script measured, with when and on what.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# Taken when the benchmark starts (it imports this module first): how busy the machine was.
LOAD_AT_START = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

PACKAGES = (
    "sqlsentinel-dbt",
    "dbt-core",
    "dbt-duckdb",
    "duckdb",
    "dbt-postgres",
    "sqlglot",
    "sqlglotc",  # sqlglot compiled with mypyc, shown when installed
)


def measured_on(packages: tuple[str, ...] = PACKAGES) -> str:
    """`Measured on 2026-12-02 (UTC) with ...`: the date, installed versions and machine."""
    installed = []
    for name in packages:
        try:
            installed.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"Measured on {datetime.now(UTC):%Y-%m-%d} (UTC) with {', '.join(installed)}; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {LOAD_AT_START:.2f} at the start and {load:.2f} at the end."
    )


def write_section(document: Path, name: str, body: str) -> None:
    """Replace the section `name` of `document` with `body` (appended when it has none)."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = document.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    document.write_text(text, encoding="utf-8")
    print(f"wrote the {name} section of {document}", file=sys.stderr)
