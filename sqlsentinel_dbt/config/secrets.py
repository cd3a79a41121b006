"""Secrets written as `{{ env_var('NAME') }}` (with an optional default), as dbt does.

Channel settings keep the template as written; it is rendered only when a notification is
about to be sent, so a missing variable stops that channel alone, never the alerts.
"""

from __future__ import annotations

import os
from contextlib import suppress

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

_MISSING = object()


class MissingEnvVar(ValueError):
    """A template asked for an environment variable that is not set and has no default."""


def _env_var(name: str, default: object = _MISSING) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is _MISSING:
        raise MissingEnvVar(f"environment variable {name} is not set")
    return str(default)


_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_ENV.globals["env_var"] = _env_var


def render_env(text: str) -> str:
    """Render `{{ env_var(...) }}` in `text`; raise MissingEnvVar naming an unset variable."""
    if "{" not in text:
        return text
    return _ENV.from_string(text).render()


def env_vars_read(text: str) -> dict[str, str | None]:
    """The environment variables rendering `text` reads, with their values (None: unset).

    Each one is a secret on its own: a header `Bearer {{ env_var('TOKEN') }}` makes TOKEN's
    value a secret, not only the whole rendered header.
    """
    read: dict[str, str | None] = {}
    if "{" not in text:
        return read

    def recording(name: str, default: object = "") -> str:
        read[str(name)] = os.environ.get(str(name))
        return os.environ.get(str(name), str(default))

    with suppress(Exception):  # a broken template fails when its channel sends, not here
        _ENV.from_string(text).render(env_var=recording)
    return read
