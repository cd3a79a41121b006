"""Parsed dbt macros kept across processes, so that each macro file is parsed once.

dbt's MacroParser renders every macro file through Jinja's parser: about 0.4 s for the
few hundred files of dbt, an adapter and a package or two. A process parses each file
once per content (the daemon re-opens the project on each change) and hands out copies;
across processes, the parsed macros are kept in dbt's own JSON form of them under the
project's target path, keyed by each file's text, the dbt version and the flag that
changes the parse.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from hashlib import sha256
from pathlib import Path
from typing import Any

from sqlsentinel_dbt.cache_file import read_cache, write_cache

PROJECT_STORE_PATH = Path("sqlsentinel", "project_macros.json")
"""Where the parsed macros of a project and its packages are kept, under its target path."""

# Macro file path -> (its text, whether macro arguments were read, the macros parsed from it).
_PARSED: dict[str, tuple[str, bool, list[Any]]] = {}


def project_macros(projects: Mapping[str, Any], target_dir: Path) -> dict[str, Any]:
    """Every macro of `projects`, by unique id, as dbt's own `load_macros` parses them.

    `projects` are the root project and its packages, as dbt's `load_dependencies` gives
    them. Called under DBT_LOCK.
    """
    from dbt.contracts.graph.manifest import Manifest
    from dbt.parser.macros import MacroParser

    stored = StoredMacros(target_dir / PROJECT_STORE_PATH)
    macros: dict[str, Any] = {}
    for project in projects.values():
        parser = MacroParser(project, Manifest())
        for path in parser.get_paths():
            for macro in parsed_macros(parser, path, stored, str(project.project_name)):
                macros[macro.unique_id] = macro
    stored.save()
    return macros


def parsed_macros(parser: Any, path: Any, stored: StoredMacros, package: str) -> list[Any]:
    """The macros of one file of `package`, parsed at most once per content and flags."""
    from dbt.contracts.graph.unparsed import UnparsedMacro
    from dbt.flags import get_flags
    from dbt.node_types import NodeType

    text = Path(path.absolute_path).read_text(encoding="utf-8")
    with_arguments = bool(getattr(get_flags(), "validate_macro_args", False))
    cached = _PARSED.get(path.absolute_path)
    if cached is None or cached[:2] != (text, with_arguments):
        name = f"{package}/{path.original_file_path}"
        macros = stored.get(name, text, with_arguments)
        if macros is None:
            unparsed = UnparsedMacro(
                path=path.original_file_path,
                original_file_path=path.original_file_path,
                package_name=package,
                raw_code=text,
                resource_type=NodeType.Macro,
                language="sql",
            )
            macros = list(parser.parse_unparsed_macros(unparsed))
            stored.put(name, text, with_arguments, macros)
        cached = (text, with_arguments, macros)
        _PARSED[path.absolute_path] = cached
    return copy.deepcopy(cached[2])


class StoredMacros:
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
