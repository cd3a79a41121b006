"""dbt's full parse, reusing the macros this process parsed before from the same files.

dbt parses a project from scratch whenever partial parsing cannot apply, and changed
`--vars` are enough for that: a run that passes the day or a schema as a var pays for a
full parse every time. A full parse starts by parsing every macro of dbt, the adapter, the
packages and the project (a few hundred files), then reads each macro's calls
(`macro_depends_on`): about 0.5 s for the demo, though vars change neither. When every
macro file, the projects, the adapter and dbt's flags are what they were at an earlier
full parse in this process (of one of the last four projects opened), the macros that
parse produced are handed out again (as copies, taken before dbt patched any of them from
YAML) instead (docs/decisions/0025-full-parses-reuse-the-macros.md).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from hashlib import sha256
from typing import Any

# Key of the macro files and what else a macro's parse depends on -> the macros that
# parse produced, by the file that holds them.
_REUSABLE: dict[str, dict[str, list[Any]]] = {}
_KEPT = 4
"""Sets of macros kept: a process may open a few projects in turn (the tests do)."""


@contextmanager
def macros_reused() -> Iterator[None]:
    """Within the block, dbt's full parses reuse macros (sentinel's own, and `dbt build`).

    dbt's `ManifestLoader.load_and_parse_macros` is swapped for the block: `dbt build`
    runs through dbtRunner, which builds its own loader. Held under DBT_LOCK, as every
    dbt call in the process is.
    """
    from dbt.parser.manifest import ManifestLoader

    dbt_own = ManifestLoader.load_and_parse_macros

    def load_and_parse_macros(loader: Any, project_parser_files: Any) -> None:
        reuse_or_parse_macros(loader, project_parser_files, partial(dbt_own, loader))

    ManifestLoader.load_and_parse_macros = load_and_parse_macros
    try:
        yield
    finally:
        ManifestLoader.load_and_parse_macros = dbt_own


def reuse_or_parse_macros(loader: Any, project_parser_files: Any, parse: Any) -> None:
    """Add the macros of `project_parser_files` to the loader's manifest.

    A partial parse hands over only the files that changed: dbt parses those itself.
    """
    if loader.partially_parsing:
        parse(project_parser_files)
        return
    files = _macro_files(loader, project_parser_files)
    key = _key(loader, files)
    reusable = _REUSABLE.pop(key, None)
    if reusable is None:
        parse(project_parser_files)
        manifest = loader.manifest
        reusable = {
            file_id: [copy.deepcopy(manifest.macros[m]) for m in manifest.files[file_id].macros]
            for file_id in files
        }
        while len(_REUSABLE) >= _KEPT:  # the least recently used goes
            del _REUSABLE[next(iter(_REUSABLE))]
        _REUSABLE[key] = reusable
        return
    _REUSABLE[key] = reusable  # now the most recently used
    for file_id, macros in reusable.items():
        source_file = loader.manifest.files[file_id]
        for macro in macros:
            loader.manifest.add_macro(source_file, copy.deepcopy(macro))
    # What dbt's own parse ends with, but macro_depends_on: each macro kept the calls
    # it was found to make.
    loader.build_macro_resolver()


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
