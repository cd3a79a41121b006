"""`sentinel init`: add sqlsentinel's starting files to an existing dbt project.

Nothing the user has is overwritten: a file that exists is kept as it is. Nothing init
writes names a path on this machine, so the project works the same on every machine and
in CI, and every sentinel command works right after it (the CLI brings the dbt package's
macros itself, so packages.yml is left alone). Only when asked (`--package-git`) is the
package entry, a git URL, appended to packages.yml, and then only when the result still
parses to the same list plus the new entry; otherwise the lines to add are handed back
for the user to paste.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sqlsentinel_dbt.errors import ProjectError
from sqlsentinel_dbt.install_source import GitSource
from sqlsentinel_dbt.resources import project_template

PACKAGES_FILE = "packages.yml"
WORKFLOW = ".github/workflows/sentinel.yml"
# The workflow's lines that say where pip installs sqlsentinel-dbt from.
_WORKFLOW_SOURCE = re.compile(r"^(?P<lead>\s*SQLSENTINEL_(?P<what>GIT|REVISION): ).*$", re.M)


@dataclass
class InitReport:
    """What `init` did."""

    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    packages: str = "untouched"
    """`untouched`, `added`, `present`, or `manual` (then `lines` must be added by hand)."""
    lines: str = ""
    workflow_source: GitSource | None = None
    """Where the created workflow installs sqlsentinel-dbt from; None: still the example."""


def package_entry(git: str, revision: str | None = None) -> str:
    """The packages.yml list item for the dbt package at a git URL and revision."""
    quoted = yaml.safe_dump(git).splitlines()[0]
    return f"  - git: {quoted}\n    revision: {revision or 'main'}\n"


def init_project(
    project_dir: Path, entry: str | None = None, source: GitSource | None = None
) -> InitReport:
    """Copy the template's missing files into `project_dir`.

    `entry`: a packages.yml item to add (None leaves packages.yml alone). `source`: where
    the CI workflow, if created, installs sqlsentinel-dbt from (None keeps the example).
    """
    if not (project_dir / "dbt_project.yml").is_file():
        raise ProjectError(f"{project_dir} has no dbt_project.yml; run init in a dbt project")
    report = InitReport()
    template = project_template()
    for path in sorted(p for p in template.rglob("*") if p.is_file()):
        relative = path.relative_to(template).as_posix()
        target = project_dir / relative
        if target.exists():
            report.kept.append(relative)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        report.created.append(relative)
        if relative == WORKFLOW and source is not None:
            target.write_text(with_source(target.read_text(encoding="utf-8"), source))
            report.workflow_source = source
    if entry is not None:
        report.packages, report.lines = _add_package(project_dir / PACKAGES_FILE, entry)
    return report


def with_source(workflow: str, source: GitSource) -> str:
    """The workflow text installing sqlsentinel-dbt from `source`."""
    values = {"GIT": source.url, "REVISION": source.revision}
    return _WORKFLOW_SOURCE.sub(
        lambda m: m["lead"] + yaml.safe_dump(values[m["what"]]).splitlines()[0], workflow
    )


def _add_package(path: Path, entry: str) -> tuple[str, str]:
    if not path.exists():
        path.write_text("packages:\n" + entry, encoding="utf-8")
        return "added", entry
    text = path.read_text(encoding="utf-8")
    before = _packages(text)
    if before is None:
        return "manual", entry
    wanted = yaml.safe_load("packages:\n" + entry)["packages"]
    if wanted[0] in before or any("sqlsentinel" in str(item).lower() for item in before):
        return "present", ""
    if "packages:" not in text:
        return "manual", entry
    appended = text.rstrip("\n") + "\n" + entry
    after = _packages(appended)
    if after != before + wanted:
        return "manual", entry  # packages: is not the last key, or a flow-style list
    path.write_text(appended, encoding="utf-8")
    return "added", entry


def _packages(text: str) -> list[Any] | None:
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return None
    packages = document.get("packages", []) if isinstance(document, dict) else None
    return list(packages or []) if isinstance(packages, list | type(None)) else None
