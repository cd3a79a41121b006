"""Find the files shipped with sqlsentinel: the dbt package, the demo, the init template.

In a wheel they are bundled under `sqlsentinel_dbt/_bundled/`; in a source checkout
(editable install) they are read from the repo root, where dbt also finds the package.
"""

from __future__ import annotations

from pathlib import Path

from sqlsentinel_dbt.errors import SentinelError

_HERE = Path(__file__).resolve().parent
_BUNDLED = _HERE / "_bundled"
_REPO = _HERE.parent


def package_root() -> Path:
    """The directory with the sqlsentinel dbt package's dbt_project.yml and macros/."""
    return _first_existing([_BUNDLED / "package", _REPO], "dbt_project.yml", "dbt package")


def demo_project() -> Path:
    """The bundled demo dbt project."""
    return _first_existing(
        [_BUNDLED / "demo", _REPO / "examples" / "demo"], "dbt_project.yml", "demo"
    )


def project_template() -> Path:
    """What `sentinel init` copies into a dbt project."""
    return _first_existing(
        [_BUNDLED / "template", _REPO / "dbt_project_template"], "sentinel.yml", "project template"
    )


def _first_existing(candidates: list[Path], marker: str, what: str) -> Path:
    for candidate in candidates:
        if (candidate / marker).is_file():
            return candidate
    raise SentinelError(f"the {what} is missing from this install; reinstall sqlsentinel-dbt")
