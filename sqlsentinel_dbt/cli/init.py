"""`sentinel init`: add sqlsentinel's starting files to an existing dbt project."""

from __future__ import annotations

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
            help="Install the dbt package from this git URL (default: this install's copy)."
        ),
    ] = None,
    revision: Annotated[
        str | None, typer.Option(help="With --package-git: the tag or commit to pin.")
    ] = None,
) -> None:
    """Add alerts/, sentinel.yml, a CI workflow and the dbt package, keeping your files."""
    from sqlsentinel_dbt.scaffold import init_project, package_entry

    root = Path(project_dir or ".")
    with cannot_start_on_error():
        report = init_project(root, package_entry(package_git, revision))
    for name in report.created:
        out.print(f"created {name}", markup=False)
    for name in report.kept:
        out.print(f"kept    {name} (already there)", markup=False)
    if report.packages == "added":
        out.print("added the sqlsentinel package to packages.yml; run `dbt deps`")
        if not package_git:
            err.print(
                "packages.yml points at this machine's install of sqlsentinel; for a shared "
                "repo, run init with --package-git and --revision instead."
            )
    elif report.packages == "present":
        out.print("packages.yml already lists sqlsentinel")
    else:
        err.print("Could not add to packages.yml safely; add these lines under `packages:`:")
        err.print(report.lines, markup=False)
