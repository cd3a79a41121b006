"""Load the sqlsentinel dbt package's macros into a user's parsed project at run time.

A user need not list the package in `packages.yml` to run `sentinel dbt-run`: we parse our
`macros/` with dbt's own MacroParser and register the package as a dependency so that
`adapter.dispatch(..., 'sqlsentinel')` finds it. Parsing and the user's partial-parse file
are untouched: this happens after the manifest is loaded, in memory only.

A process parses each macro file once (per content) and gives every manifest its own copy:
the daemon re-opens the project on each change, and parsing the package's Jinja again each
time cost about 0.2 s of CPU per open. Across processes, the parsed macros are kept as
dbt's own JSON form of them in `<target>/sqlsentinel/package_macros.json`, keyed by each
file's text, the dbt version and the flag that changes the parse.
"""

from __future__ import annotations

import copy
import logging
from hashlib import sha256
from pathlib import Path
from typing import Any

import yaml

from sqlsentinel_dbt.cache_file import read_cache, write_cache

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


# Macro file path -> (its text, whether macro arguments were read, the macros parsed from it).
_PARSED: dict[str, tuple[str, bool, list[Any]]] = {}


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
    stored = _StoredMacros(Path(config.project_root) / config.target_path / STORE_PATH)
    for path in parser.get_paths():
        for macro in _parsed_macros(parser, path, stored):
            manifest.macros[macro.unique_id] = macro
    stored.save()
    # The manifest caches its macro lookups; they must see the new macros.
    manifest._macros_by_name = None
    manifest._macros_by_package = None
    config.dependencies[PACKAGE_NAME] = package
    return True


def _parsed_macros(parser: Any, path: Any, stored: _StoredMacros) -> list[Any]:
    """The macros of one file of the package, parsed at most once per content and flags."""
    from dbt.contracts.graph.unparsed import UnparsedMacro
    from dbt.flags import get_flags
    from dbt.node_types import NodeType

    text = Path(path.absolute_path).read_text(encoding="utf-8")
    with_arguments = bool(getattr(get_flags(), "validate_macro_args", False))
    cached = _PARSED.get(path.absolute_path)
    if cached is None or cached[:2] != (text, with_arguments):
        macros = stored.get(path.original_file_path, text, with_arguments)
        if macros is None:
            unparsed = UnparsedMacro(
                path=path.original_file_path,
                original_file_path=path.original_file_path,
                package_name=PACKAGE_NAME,
                raw_code=text,
                resource_type=NodeType.Macro,
                language="sql",
            )
            macros = list(parser.parse_unparsed_macros(unparsed))
            stored.put(path.original_file_path, text, with_arguments, macros)
        cached = (text, with_arguments, macros)
        _PARSED[path.absolute_path] = cached
    return copy.deepcopy(cached[2])


STORE_PATH = Path("sqlsentinel", "package_macros.json")
"""Where parsed package macros are kept, under the project's target path."""


class _StoredMacros:
    """Parsed macros by file, as dbt serializes them, read from and written to one file."""

    def __init__(self, path: Path) -> None:
        from dbt.version import __version__ as dbt_version

        self._path = path
        self._dbt = str(dbt_version)
        self._files: dict[str, Any] = {}
        self._seen: set[str] = set()
        self._changed = False
        document = read_cache(path)  # none yet, or unreadable: parsed afresh, written back
        if isinstance(document, dict) and document.get("dbt") == self._dbt:
            self._files = document.get("files") or {}

    @staticmethod
    def _key(text: str, with_arguments: bool) -> str:
        return sha256(f"{with_arguments}\n{text}".encode()).hexdigest()

    def get(self, name: str, text: str, with_arguments: bool) -> list[Any] | None:
        """The file's macros as stored for this very text, or None."""
        from dbt.contracts.graph.nodes import Macro

        self._seen.add(name)
        entry = self._files.get(name)
        if not isinstance(entry, dict) or entry.get("key") != self._key(text, with_arguments):
            return None
        try:
            return [Macro.from_dict(macro) for macro in entry["macros"]]
        except Exception:  # another dbt's shape, or a damaged file: parse it again
            return None

    def put(self, name: str, text: str, with_arguments: bool, macros: list[Any]) -> None:
        """Keep a file's freshly parsed macros."""
        key = self._key(text, with_arguments)
        self._files[name] = {"key": key, "macros": [macro.to_dict() for macro in macros]}
        self._seen.add(name)
        self._changed = True

    def save(self) -> None:
        """Write the file when something was parsed; a target that can't be written is skipped."""
        if not self._changed:
            return
        # Files the package no longer has are dropped.
        files = {name: entry for name, entry in self._files.items() if name in self._seen}
        write_cache(self._path, {"dbt": self._dbt, "files": files})
        self._changed = False
