"""Jinja's compiled code for the alerts' queries and dbt's macros, kept across runs.

Turning a Jinja source into Python code costs 1-2 ms, more than rendering it, and a run
renders about a hundred templates: the alerts' queries, and the macros dbt calls to check
and write the history (the package's and the adapter's). dbt compiles each macro anew in
every process. The code is kept in Jinja's own bytecode cache under
`<target>/sqlsentinel/jinja`, keyed by the source text, so a template compiles once until
it changes; Jinja's checksum of the source and its own version guard each entry.
"""

from __future__ import annotations

from hashlib import sha256
from pathlib import Path
from typing import Any

import jinja2


def code_cache(target_path: Path) -> jinja2.BytecodeCache | None:
    """Jinja's file cache in <target>/sqlsentinel/jinja, or None when it cannot be written."""
    from dbt.version import __version__ as dbt_version

    directory = target_path / "sqlsentinel" / "jinja"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    # dbt's Jinja extensions shape the code, so a new dbt version starts a new cache.
    return jinja2.FileSystemBytecodeCache(str(directory), f"dbt-{dbt_version}-%s.cache")


def compiled_template(
    env: jinja2.Environment,
    source: str,
    cache: jinja2.BytecodeCache | None,
    context: dict[str, Any],
) -> jinja2.Template:
    """What `env.from_string(source, globals=context)` makes, with the code from `cache`."""
    if cache is None:
        code = env.compile(source)
    else:
        bucket = cache.get_bucket(env, sha256(source.encode()).hexdigest(), None, source)
        if bucket.code is None:
            bucket.code = env.compile(source)
            cache.set_bucket(bucket)
        code = bucket.code
    template: jinja2.Template = env.template_class.from_code(
        env, code, env.make_globals(context), None
    )
    return template


def keep_macro_code(target_path: Path) -> None:
    """Make dbt take the code of the macros it calls from the cache under `target_path`.

    dbt keeps one template per macro source for the whole process (`template_cache`);
    only how a missing template is made changes. Each project opened in the process
    points it at its own target path. Should dbt's template cache change shape, dbt is
    left to compile its macros itself.
    """
    from dbt_common.clients import jinja as dbt_jinja

    templates = dbt_jinja.template_cache
    known = getattr(templates, "file_cache", None)
    if not isinstance(known, dict):
        return
    cache = code_cache(target_path)

    def get_node_template(node: Any) -> jinja2.Template:
        source = node.macro_sql
        template = known.get(source)
        if template is None:
            with dbt_jinja.catch_jinja(node):
                template = compiled_template(dbt_jinja.get_environment(node), source, cache, {})
            known[source] = template
        return template

    templates.get_node_template = get_node_template
