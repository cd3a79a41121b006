"""`sentinel init`: add sqlsentinel's starting files to an existing dbt project."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import cannot_start_on_error, err, out


def init(
    project_dir: o.ProjectDir = None,
    package_git: Annotated[
        str | None,
        typer.Option(
            help=(
                "The git URL of sqlsentinel-dbt where your team keeps it: the CI workflow "
                "installs it from there, and packages.yml gets the dbt package from there "
                "(for dbt-only runs; the sentinel commands never need it)."
            )
        ),
    ] = None,
    revision: Annotated[
        str | None,
        typer.Option(help="With --package-git: the tag, branch or commit to pin (default main)."),
    ] = None,
) -> None:
    """Add alerts/, sentinel.yml and a CI workflow, keeping your files.

    Nothing it writes depends on this machine; every sentinel command works right after it.
    """
    from sqlsentinel_dbt.install_source import GitSource, installed_from
    from sqlsentinel_dbt.scaffold import WORKFLOW, init_project, package_entry

    root = Path(project_dir or ".")
    source = GitSource(package_git, revision or "main") if package_git else installed_from()
    if source is not None and revision and not package_git:
        source = replace(source, revision=revision)
    entry = package_entry(package_git, revision) if package_git else None
    with cannot_start_on_error():
        report = init_project(root, entry, source)
    for name in report.created:
        out.print(f"created {name}", markup=False)
    for name in report.kept:
        out.print(f"kept    {name} (already there)", markup=False)
    if report.workflow_source is not None:
        where = f"{report.workflow_source.url}@{report.workflow_source.revision}"
        out.print(f"{WORKFLOW} installs sqlsentinel-dbt from git+{where}", markup=False)
    elif WORKFLOW in report.created:
        err.print(
            f"sqlsentinel-dbt is not on PyPI: set SQLSENTINEL_GIT and SQLSENTINEL_REVISION in "
            f"{WORKFLOW} to where your team keeps it (or run init with --package-git).",
            markup=False,
        )
    _print_packages(report.packages, report.lines)


def _print_packages(outcome: str, lines: str) -> None:
    if outcome == "added":
        out.print("added the sqlsentinel dbt package to packages.yml; run `dbt deps` for dbt")
    elif outcome == "present":
        out.print("packages.yml already lists sqlsentinel")
    elif outcome == "manual":
        err.print("Could not add to packages.yml safely; add these lines under `packages:`:")
        err.print(lines, markup=False)
    else:
        out.print(
            "packages.yml untouched: sentinel commands need no dbt package. For "
            "`dbt run-operation sqlsentinel.run_alerts` and the sqlsentinel.alert test, "
            "run init with --package-git.",
            markup=False,
        )
