"""`sentinel init`: add sqlsentinel's starting files to an existing dbt project.

Nothing the user has is overwritten: a file that exists is kept as it is, and the package
entry is appended to packages.yml only when the result still parses to the same list plus
the new entry; otherwise the lines to add are handed back for the user to paste.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sqlsentinel_dbt.errors import ProjectError
from sqlsentinel_dbt.resources import package_root, project_template

PACKAGES_FILE = "packages.yml"


@dataclass
class InitReport:
    """What `init` did."""

    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    packages: str = ""
    """`added`, `present`, or `manual` (then `lines` must be added by hand)."""
    lines: str = ""


def package_entry(git: str | None = None, revision: str | None = None) -> str:
    """The packages.yml list item: a git URL and revision, else this install's own copy."""
    if git:
        return (
            f"  - git: {yaml.safe_dump(git).splitlines()[0]}\n    revision: {revision or 'main'}\n"
        )
    return f"  - local: {yaml.safe_dump(str(package_root())).splitlines()[0]}\n"


def init_project(project_dir: Path, entry: str) -> InitReport:
    """Copy the template's missing files into `project_dir` and add the package entry."""
    if not (project_dir / "dbt_project.yml").is_file():
        raise ProjectError(f"{project_dir} has no dbt_project.yml; run init in a dbt project")
    report = InitReport()
    template = project_template()
    for source in sorted(p for p in template.rglob("*") if p.is_file()):
        relative = source.relative_to(template)
        target = project_dir / relative
        if target.exists():
            report.kept.append(relative.as_posix())
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        report.created.append(relative.as_posix())
    report.packages, report.lines = _add_package(project_dir / PACKAGES_FILE, entry)
    return report


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
