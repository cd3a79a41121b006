"""Open a dbt project: flags, profile, adapter, parsed manifest (with partial parsing)."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlsentinel_dbt.dbt.args import DbtArgs
from sqlsentinel_dbt.dbt.full_parse import macros_reused
from sqlsentinel_dbt.dbt.jinja_code import keep_macro_code
from sqlsentinel_dbt.dbt.logging_bridge import route_dbt_events_to_logging
from sqlsentinel_dbt.dbt.macro_store import project_macros
from sqlsentinel_dbt.dbt.package import inject_package_macros, skip_uninstalled_package_entry
from sqlsentinel_dbt.dbt.schema_cache import keep_json_schemas
from sqlsentinel_dbt.errors import ProjectError

# dbt keeps global state (flags, adapters, invocation context) and is not safe for parallel
# invocations in one process: every parse and compile goes through this lock.
DBT_LOCK = threading.RLock()


def load_dbt(args: DbtArgs, package_root: Path, *, nodes: bool = True) -> tuple[Any, Any, Any]:
    """Parse the project named by `args`; return dbt's (RuntimeConfig, adapter, Manifest).

    With `nodes=False` only the macros of the project and its packages are parsed (a
    MacroManifest, as dbt's own adapter holds): enough to talk to the warehouse, a
    fraction of the time for a project of thousands of nodes. dbt's own errors (missing
    project or profile, bad vars, parse errors) become ProjectError.
    """
    with DBT_LOCK, _collecting_after():
        # Imported here, inside: importing dbt allocates as much as loading a manifest.
        from click import ClickException
        from dbt.exceptions import DbtProjectError, DbtRuntimeError
        from dbt_common.exceptions import DbtBaseException

        schemas = keep_json_schemas()
        try:
            config = _runtime_config(args, partial_parse=nodes)
            keep_macro_code(Path(config.project_root) / config.target_path)
            adapter = _register_adapter(config)
            manifest = _parse(config) if nodes else _parse_macros(config)
            inject_package_macros(config, manifest, package_root)
            adapter.set_macro_resolver(manifest)
        except ClickException as exc:  # dbt's flag parser rejects e.g. a missing --project-dir
            raise ProjectError(exc.format_message()) from exc
        except (DbtProjectError, DbtRuntimeError, DbtBaseException) as exc:
            raise ProjectError(dbt_message(exc)) from exc
        finally:
            if schemas is not None:
                schemas.save()
    return config, adapter, manifest


@contextmanager
def _collecting_after() -> Iterator[None]:
    """Run the block without Python's cycle collector, then set aside what it built.

    Loading a manifest allocates objects by the hundred thousand, which set off full
    collections that find nothing to free (about 1 s of a 1,000-model run). What the
    block built lives as long as the project, so it is frozen: later collections no
    longer walk it. A process that drops a project frees it with `free_dropped_projects`.
    """
    gc.unfreeze()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


def free_dropped_projects() -> None:
    """Let a project this process closed and no longer refers to be freed.

    Its objects were frozen when it loaded, so the collector would never free their
    cycles; they are unfrozen, collected, and what still lives is frozen again. The
    daemon calls this after a reload has replaced its project.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def current_flags() -> Any:
    """The flags dbt holds for this process now (set by the last `load_dbt`)."""
    from dbt.flags import get_flags

    return get_flags()


def reinstate(flags: Any, adapter: Any) -> None:
    """Make `adapter` and `flags` dbt's process-wide ones again.

    dbt keeps one adapter per type for the whole process, and `load_dbt` replaces it
    before it parses. When that parse fails, the project opened before it can go on
    only once its own adapter (which still holds its manifest's macros) is the
    registered one again; the failed project's adapter is dropped.
    """
    from dbt.adapters.factory import FACTORY
    from dbt.flags import set_flags

    with DBT_LOCK:
        set_flags(flags)
        with FACTORY.lock:
            dropped = [a for a in FACTORY.adapters.values() if a is not adapter]
            FACTORY.adapters.clear()
            FACTORY.adapters[str(adapter.type())] = adapter
        for other in dropped:
            other.cleanup_connections()


def _runtime_config(args: DbtArgs, *, partial_parse: bool = True) -> Any:
    import dbt.tracking
    from dbt.cli.flags import Flags, args_to_context
    from dbt.config.runtime import RuntimeConfig
    from dbt.flags import set_flags
    from dbt_common.context import set_invocation_context
    from dbt_common.invocation import reset_invocation_id

    # Build the flags through dbt's own click parser so --vars, profiles-dir lookup and
    # DBT_* environment variables behave exactly as they do for `dbt compile`.
    route_dbt_events_to_logging()  # first: building the flags fires deprecations already
    # Without nodes to parse, dbt's partial-parse file (every node of the project) would be
    # read only to be thrown away: the macros alone are read (dbt/macro_store.py).
    off = [] if partial_parse else ["--no-partial-parse"]
    flags = Flags(args_to_context(["compile", *args.to_cli(), *off]))
    set_flags(flags)
    set_invocation_context(dict(os.environ))
    reset_invocation_id()
    dbt.tracking.disable_tracking()
    return RuntimeConfig.from_args(flags)


def _register_adapter(config: Any) -> Any:
    from dbt.adapters.factory import get_adapter, register_adapter, reset_adapters
    from dbt.context.providers import generate_runtime_macro_context
    from dbt.mp_context import get_mp_context

    # register_adapter keeps an adapter already registered in this process, with its old
    # config (and old --vars): a second open in one process must start from a clean slate.
    reset_adapters()
    register_adapter(config, get_mp_context())
    adapter = get_adapter(config)
    adapter.set_macro_context_generator(generate_runtime_macro_context)
    return adapter


def _parse(config: Any) -> Any:
    from dbt.parser.manifest import ManifestLoader

    skip_uninstalled_package_entry(config)
    with macros_reused():
        manifest = ManifestLoader.get_full_manifest(config)
    config.load_dependencies()
    return manifest


def _parse_macros(config: Any) -> Any:
    """The macros of the project and its packages, as dbt's `load_macros` gives them.

    Each file is parsed only when its text changed (dbt/macro_store.py).
    """
    from dbt.contracts.graph.manifest import MacroManifest

    skip_uninstalled_package_entry(config)
    projects = config.load_dependencies()
    return MacroManifest(project_macros(projects, Path(config.project_root) / config.target_path))


DUCKDB_LOCKED = (
    "The DuckDB file is in use by another process (a running `sentinel daemon`, "
    "`sentinel serve`, `dbt` or a DuckDB shell): DuckDB lets one process at a time open a "
    "file for writing. `sentinel daemon` holds it only while a run is in progress, so try "
    "again in a moment; otherwise stop the other process, or use a warehouse with a server "
    "(PostgreSQL, ...) for concurrent use."
)


def dbt_message(exc: BaseException) -> str:
    """A dbt exception's message without dbt's "Runtime Error" style header.

    DuckDB's file-lock error gets a sentence on what to do about it.
    """
    text = str(exc).strip()
    for prefix in ("Runtime Error", "Compilation Error", "Parsing Error"):
        text = text.removeprefix(prefix).strip()
    text = text or type(exc).__name__
    if "Could not set lock on file" in text and DUCKDB_LOCKED not in text:
        text = f"{text}\n{DUCKDB_LOCKED}"
    return text


def invocation_id() -> str:
    """Dbt's invocation id for this process's current invocation."""
    from dbt_common.invocation import get_invocation_id

    return str(get_invocation_id())
