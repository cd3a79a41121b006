"""dbt's full parse, reusing the macros this process parsed before from the same files.

dbt parses a project from scratch whenever partial parsing cannot apply, and changed
`--vars` are enough for that: a run that passes the day or a schema as a var pays for a
full parse every time. A full parse starts by parsing every macro of dbt, the adapter, the
packages and the project (a few hundred files), then reads each macro's calls
(`macro_depends_on`): about 2 s, though vars change neither. When every macro file, the
projects, the adapter and dbt's flags are what they were at this process's last full
parse, the macros that parse produced are handed out again (as copies, taken before dbt
patched any of them from YAML) instead.
"""

from __future__ import annotations

import copy
from hashlib import sha256
from typing import Any

# Key of the macro files and what else a macro's parse depends on -> the macros that
# parse produced, by the file that holds them.
_REUSABLE: dict[str, dict[str, list[Any]]] = {}


def full_manifest(config: Any) -> Any:
    """`ManifestLoader.get_full_manifest(config)`, with the macros reused where they can be."""
    from dbt.parser.manifest import ManifestLoader

    class ReusingLoader(ManifestLoader):  # type: ignore[misc]
        def load_and_parse_macros(self, project_parser_files: Any) -> None:
            reuse_or_parse_macros(self, project_parser_files, super().load_and_parse_macros)

    return ReusingLoader.get_full_manifest(config)


def reuse_or_parse_macros(loader: Any, project_parser_files: Any, parse: Any) -> None:
    """Add the macros of `project_parser_files` to the loader's manifest.

    A partial parse hands over only the files that changed: dbt parses those itself.
    """
    if loader.partially_parsing:
        parse(project_parser_files)
        return
    files = _macro_files(loader, project_parser_files)
    key = _key(loader, files)
    reusable = _REUSABLE.get(key)
    if reusable is None:
        parse(project_parser_files)
        manifest = loader.manifest
        _REUSABLE.clear()  # one project's macros per process: the daemon re-opens one
        _REUSABLE[key] = {
            file_id: [copy.deepcopy(manifest.macros[m]) for m in manifest.files[file_id].macros]
            for file_id in files
        }
        return
    for file_id, macros in reusable.items():
        source_file = loader.manifest.files[file_id]
        for macro in macros:
            loader.manifest.add_macro(source_file, copy.deepcopy(macro))
    loader.build_macro_resolver()  # what dbt's own parse ends with, but macro_depends_on:
    # each macro kept the calls it was found to make


def macros_reused() -> int:
    """How many sets of parsed macros this process holds for reuse (0 or 1)."""
    return len(_REUSABLE)


def _macro_files(loader: Any, project_parser_files: Any) -> list[str]:
    """The ids of every file of macros and generic tests (which dbt keeps as macros)."""
    files: list[str] = []
    for project in loader.all_projects.values():
        parser_files = project_parser_files.get(project.project_name, {})
        for parser in ("MacroParser", "GenericTestParser"):
            files.extend(parser_files.get(parser, []))
    return files


def _key(loader: Any, files: list[str]) -> str:
    """What a macro's parse and its calls depend on.

    Every file's text, the projects (by name, with the root's dispatch order), the
    adapter, dbt's version and flags.
    """
    from dbt.flags import get_flags
    from dbt.version import __version__ as dbt_version

    root = loader.root_project
    parts = [
        str(dbt_version),
        str(root.credentials.type),
        str(root.project_name),
        repr(getattr(root, "dispatch", None)),
        repr(sorted(loader.all_projects)),
        repr(bool(getattr(get_flags(), "validate_macro_args", False))),
    ]
    digest = sha256("\n".join(parts).encode())
    for file_id in sorted(files):
        digest.update(f"\0{file_id}\0".encode())
        digest.update(str(loader.manifest.files[file_id].contents).encode())
    return digest.hexdigest()
