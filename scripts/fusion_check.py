"""Check the dbt package, its integration project and the demo for dbt's Fusion engine.

dbt publishes `dbt-autofix`, which reports what a project must change for Fusion (its
`deprecations --dry-run --json`). It reads Fusion's JSON schemas from dbt's CDN; this
script serves it the same schemas from a copy of dbt-labs/dbt-jsonschema instead, and
sends nothing anywhere (a proxy on 127.0.0.1 stops dbt-autofix's other lookups). Run it
in a virtualenv of its own, where dbt-autofix is installed:

    python3 -m venv /tmp/autofix && /tmp/autofix/bin/pip install dbt-autofix
    /tmp/autofix/bin/python scripts/fusion_check.py --schemas PATH/schemas/latest_fusion \
        --write-doc docs/dbt_package.md

PATH is a checkout of https://github.com/dbt-labs/dbt-jsonschema. The projects are
copied first: nothing in this repository is changed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Each project, and what of it is the dbt project (the repository's root holds much else).
PROJECTS: dict[str, tuple[Path, tuple[str, ...] | None]] = {
    "the dbt package": (ROOT, ("dbt_project.yml", "macros", "models")),
    "`integration_tests/`": (ROOT / "integration_tests", None),
    "the demo (`examples/demo/`)": (ROOT / "examples" / "demo", None),
}
_IGNORED = shutil.ignore_patterns(".venv", ".git", "target", "dbt_packages", "logs", "*.duckdb")


def run_one(project: Path, schemas: Path) -> None:
    """Run `dbt-autofix deprecations` on `project`, with Fusion's schemas from `schemas`."""
    import dbt_autofix.retrieve_schemas as retrieve
    import httpx

    files = {
        "fs-schema-dbt-yaml-files-": schemas / "dbt_yml_files-latest-fusion.json",
        "fs-schema-dbt-project-": schemas / "dbt_project-latest-fusion.json",
    }

    def answer(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url.endswith("/fs/versions.json"):
            return httpx.Response(200, json={"latest": {"tag": "latest-fusion"}})
        for part, path in files.items():
            if part in url:
                return httpx.Response(200, text=path.read_text(encoding="utf-8"))
        return httpx.Response(404)

    retrieve.httpx.HTTPTransport = lambda *args, **kwargs: httpx.MockTransport(answer)  # type: ignore[assignment,misc]
    from dbt_autofix.main import app

    sys.argv = ["dbt-autofix", "deprecations", "--path", str(project), "--dry-run", "--json",
                "--all"]  # fmt: skip
    app()


def findings(project: Path, parts: tuple[str, ...] | None, schemas: Path) -> list[dict[str, Any]]:
    """What dbt-autofix would change in a copy of `project` (of its `parts`, if given)."""
    with tempfile.TemporaryDirectory(prefix="fusion-") as tmp:
        copy = Path(tmp) / project.name
        if parts is None:
            shutil.copytree(project, copy, ignore=_IGNORED)
        for part in parts or ():
            source = project / part
            if source.is_dir():
                shutil.copytree(source, copy / part, ignore=_IGNORED)
            else:
                copy.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy / part)
        nowhere = "http://127.0.0.1:9"  # a closed port on this machine
        offline = {**os.environ, "https_proxy": nowhere, "http_proxy": nowhere}
        command = [sys.executable, __file__, "--run-one", str(copy), "--schemas", str(schemas)]
        done = subprocess.run(command, capture_output=True, text=True, env=offline, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"dbt-autofix failed on {project}: {done.stderr[-2000:]}")
        found = []
        for line in done.stdout.splitlines():
            entry = json.loads(line) if line.startswith("{") else {}
            for refactor in entry.get("refactors", []):
                where = Path(entry["file_path"]).relative_to(copy)
                found.append({"file": str(where), **refactor})
        return found


def markdown(results: dict[str, list[dict[str, Any]]]) -> str:
    """The docs section: each project's findings, with the date and dbt-autofix's version."""
    from importlib.metadata import version

    lines = [
        f"Checked on {_today()} with dbt-autofix {version('dbt-autofix')} "
        "(`deprecations --dry-run --all`) and the Fusion schemas of dbt-labs/dbt-jsonschema, "
        "by `scripts/fusion_check.py`.",
        "",
        "| project | file | what dbt-autofix reports |",
        "| --- | --- | --- |",
    ]
    for project, found in results.items():
        if not found:
            lines.append(f"| {project} | | nothing |")
        for item in found:
            advice = item.get("log", "").replace("|", "\\|")
            lines.append(f"| {project} | `{item['file']}` | {item['deprecation']}: {advice} |")
    return "\n".join(lines)


def _today() -> str:
    from datetime import UTC, datetime

    return f"{datetime.now(UTC):%Y-%m-%d}"


def main() -> None:
    """Check every project and print (or write) what dbt-autofix reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=Path, required=True)
    parser.add_argument("--run-one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--write-doc", type=Path)
    options = parser.parse_args()
    if options.run_one:
        run_one(options.run_one, options.schemas)
        return
    results = {
        name: findings(path, parts, options.schemas) for name, (path, parts) in PROJECTS.items()
    }
    print(json.dumps(results, indent=2))
    if options.write_doc:
        sys.path.insert(0, str(ROOT / "bench"))
        from doc_section import write_section

        write_section(options.write_doc, "fusion", markdown(results))


if __name__ == "__main__":
    main()
