"""Load the sqlsentinel dbt package's macros into a user's parsed project at run time.

A user need not list the package in `packages.yml` to run `sentinel dbt-run`: we parse our
`macros/` with dbt's own MacroParser and register the package as a dependency so that
`adapter.dispatch(..., 'sqlsentinel')` finds it. Parsing and the user's partial-parse file
are untouched: this happens after the manifest is loaded, in memory only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PACKAGE_NAME = "sqlsentinel"


def inject_package_macros(config: Any, manifest: Any, package_root: Path) -> bool:
    """Add the package's macros to `manifest` unless the project installed the package itself.

    Returns True when macros were injected, False when the installed package was used.
    """
    from dbt.contracts.graph.unparsed import UnparsedMacro
    from dbt.node_types import NodeType
    from dbt.parser.macros import MacroParser

    if PACKAGE_NAME in config.dependencies:
        return False
    package = config.new_project(str(package_root))
    parser = MacroParser(package, manifest)
    for path in parser.get_paths():
        unparsed = UnparsedMacro(
            path=path.original_file_path,
            original_file_path=path.original_file_path,
            package_name=PACKAGE_NAME,
            raw_code=Path(path.absolute_path).read_text(encoding="utf-8"),
            resource_type=NodeType.Macro,
            language="sql",
        )
        for macro in parser.parse_unparsed_macros(unparsed):
            manifest.macros[macro.unique_id] = macro
    # The manifest caches its macro lookups; they must see the new macros.
    manifest._macros_by_name = None
    manifest._macros_by_package = None
    config.dependencies[PACKAGE_NAME] = package
    return True
