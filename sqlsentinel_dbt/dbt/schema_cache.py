"""dbt's JSON schemas of its config classes, kept across processes.

dbt checks `dbt_project.yml`, `profiles.yml`, `packages.yml` and `selectors.yml` against
JSON schemas that mashumaro builds from dbt's dataclasses, once per class in every
process: about a tenth of opening a project, though the schemas change only when the
classes do. They are kept in `sqlsentinel/dbt-json-schemas.json` under the user's cache
directory (`$XDG_CACHE_HOME`, else `~/.cache`), since they belong to the installed dbt,
not to a project. A schema is used only while the versions of the packages that define
dbt's classes (dbt-core, dbt-common, dbt-adapters, mashumaro) and the files of the
class's own modules are the ones it was built from; anything else builds it afresh.

dbt validates exactly as before, against the same schema; only building it is skipped.
Should dbt stop keeping `json_schema` as a cached class method, nothing is installed and
dbt builds its schemas itself.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlsentinel_dbt.cache_file import read_cache, write_cache

logger = logging.getLogger(__name__)

SCHEMAS_FILE = Path("sqlsentinel", "dbt-json-schemas.json")
"""Where the schemas are kept, under the user's cache directory."""

_DEFINING_PACKAGES = ("dbt-core", "dbt-common", "dbt-adapters", "mashumaro")


def cache_directory() -> Path:
    """The user's cache directory: `$XDG_CACHE_HOME`, else `~/.cache`."""
    configured = os.environ.get("XDG_CACHE_HOME")
    return Path(configured) if configured else Path.home() / ".cache"


class SchemaStore:
    """The schemas read from one cache file, and those built since, to write back."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._release = _release()
        loaded = read_cache(path)
        valid = isinstance(loaded, dict) and loaded.get("release") == self._release
        entries = loaded.get("schemas") if valid else None
        self._entries: dict[str, Any] = entries if isinstance(entries, dict) else {}
        self._in_process: dict[type, Any] = {}
        self._added = False

    def schema(self, cls: type, build: Any) -> Any:
        """`cls`'s JSON schema from the file if its modules are unchanged, else `build(cls)`."""
        known = self._in_process.get(cls)
        if known is not None:
            return known
        name, files = f"{cls.__module__}.{cls.__qualname__}", _module_files(cls)
        with self._lock:
            entry = self._entries.get(name)
        kept = isinstance(entry, dict) and entry.get("files") == files and "schema" in entry
        schema = entry["schema"] if isinstance(entry, dict) and kept else build(cls)
        with self._lock:
            self._in_process[cls] = schema
            if not kept:
                self._entries[name] = {"files": files, "schema": schema}
                self._added = True
        return schema

    def save(self) -> None:
        """Write the file back when a schema was built (unless it can't be written)."""
        with self._lock:
            if not self._added:
                return
            document = {"release": self._release, "schemas": dict(self._entries)}
            self._added = False
        write_cache(self._path, document)


_installed: SchemaStore | None = None


def keep_json_schemas() -> SchemaStore | None:
    """Make dbt take its config classes' JSON schemas from the cache; None if dbt can't.

    Installed once per process, on the cache directory of that moment; the store it
    returns writes new schemas back with `save()`.
    """
    global _installed
    if _installed is not None:
        return _installed
    from dbt_common.dataclass_schema import dbtClassMixin

    original = dbtClassMixin.__dict__.get("json_schema")
    build = getattr(original, "__func__", None)
    if not isinstance(original, classmethod) or not hasattr(build, "cache_clear"):
        logger.debug("dbt's json_schema is no longer a cached class method: not cached")
        return None
    store = SchemaStore(cache_directory() / SCHEMAS_FILE)

    def json_schema(cls: type) -> Any:
        return store.schema(cls, build)

    dbtClassMixin.json_schema = classmethod(json_schema)
    _installed = store
    return store


def _release() -> str:
    """Python's version and those of the packages dbt's config classes are defined in."""
    versions = [f"python {sys.version_info.major}.{sys.version_info.minor}"]
    for name in _DEFINING_PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    return ", ".join(versions)


def _module_files(cls: type) -> list[str]:
    """Size and modification time of each module defining `cls` or one of its bases.

    An adapter's credentials class lives in the adapter's package, which
    `_DEFINING_PACKAGES` cannot name: its files tell when it was installed anew.
    """
    stamps = []
    for module_name in dict.fromkeys(base.__module__ for base in cls.__mro__):
        path = getattr(sys.modules.get(module_name), "__file__", None)
        if path is None:
            continue
        try:
            stat = os.stat(path)
        except OSError:
            continue
        stamps.append(f"{module_name} {stat.st_size} {stat.st_mtime_ns}")
    return stamps
