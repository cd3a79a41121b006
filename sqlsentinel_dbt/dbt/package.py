"""Load the sqlsentinel dbt package's macros into a user's parsed project at run time.

A user need not list the package in `packages.yml` to run `sentinel dbt-run`: we parse our
`macros/` with dbt's own MacroParser and register the package as a dependency so that
`adapter.dispatch(..., 'sqlsentinel')` finds it. Parsing and the user's partial-parse file
are untouched: this happens after the manifest is loaded, in memory only.

Each macro file is parsed once per content, in a process and across processes
(dbt/macro_store.py): the package's parsed macros are kept in
`<target>/sqlsentinel/package_macros.json`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

from sqlsentinel_dbt.dbt.macro_store import StoredMacros, parsed_macros

PACKAGE_NAME = "sqlsentinel"
# The fields of a packages.yml entry that say where it comes from, in dbt's entry types.
_SOURCE_FIELDS = ("local", "git", "tarball", "package", "private", "name")
logger = logging.getLogger(__name__)


def skip_uninstalled_package_entry(config: Any) -> bool:
    """Drop packages.yml's sqlsentinel entry when `dbt deps` has not installed it.

    dbt refuses to parse a project whose packages.yml lists more packages than
    dbt_packages/ holds. The CLI brings the package's macros itself, so an entry for it
    that is not installed (no `dbt deps` yet, or a `local:` path from another machine)
    must not stop a sentinel command; other missing packages still do. In memory only.
    Returns True when an entry was dropped.
    """
    packages: Any = getattr(config, "packages", None)
    specs = list(getattr(packages, "packages", None) or [])
    root = Path(config.project_root)
    if (
        not specs
        or (root / config.packages_install_path / PACKAGE_NAME / "dbt_project.yml").is_file()
    ):
        return False
    kept = [spec for spec in specs if not _is_sqlsentinel(spec, root)]
    if len(kept) == len(specs):
        return False
    packages.packages = kept
    logger.debug(
        "packages.yml lists the sqlsentinel package, which `dbt deps` has not installed; "
        "sentinel uses the copy it brings (dbt itself needs `dbt deps`)"
    )
    return True


def _is_sqlsentinel(spec: Any, root: Path) -> bool:
    local = getattr(spec, "local", None)
    if local:
        project = root / str(local) / "dbt_project.yml"  # an absolute `local` stays absolute
        try:
            name = (yaml.safe_load(project.read_text(encoding="utf-8")) or {}).get("name")
        except (OSError, yaml.YAMLError, AttributeError):
            name = None  # not there (e.g. another machine's path): judge by the path
        if name is not None:
            return bool(name == PACKAGE_NAME)
    sources = [str(getattr(spec, f, None) or "") for f in _SOURCE_FIELDS]
    return any(PACKAGE_NAME in source.lower() for source in sources)


def inject_package_macros(config: Any, manifest: Any, package_root: Path) -> bool:
    """Add the package's macros to `manifest` unless the project installed the package itself.

    Returns True when macros were injected, False when the installed package was used.
    Callers hold dbt's lock (DBT_LOCK), which also guards the parse cache.
    """
    from dbt.parser.macros import MacroParser

    if PACKAGE_NAME in config.dependencies:
        return False
    package = config.new_project(str(package_root))
    parser = MacroParser(package, manifest)
    stored = StoredMacros(Path(config.project_root) / config.target_path / STORE_PATH)
    for path in parser.get_paths():
        for macro in parsed_macros(parser, path, stored, PACKAGE_NAME):
            manifest.macros[macro.unique_id] = macro
    stored.save()
    # The manifest caches its macro lookups; they must see the new macros.
    manifest._macros_by_name = None
    manifest._macros_by_package = None
    config.dependencies[PACKAGE_NAME] = package
    return True


STORE_PATH = Path("sqlsentinel", "package_macros.json")
"""Where parsed package macros are kept, under the project's target path."""
