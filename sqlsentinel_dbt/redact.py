"""Keep secrets out of everything sqlsentinel writes: errors, logs, history, the outbox.

Secrets are the values of every `{{ env_var() }}` in a channel's secret settings (webhook
URLs, tokens, passwords, routing keys, signing secrets) and of every environment variable
named `DBT_ENV_SECRET_*` (dbt's convention for profile passwords). They are registered
once known; `redact` masks every registered secret, and `RedactingFilter` does the same
for every log record.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
_MIN_LENGTH = 4  # shorter "secrets" would mask ordinary words
_MIN_URL_PART = 12  # URL path segments this long are tokens (Slack's, Teams' signatures)


class Redactor:
    """Replaces every known secret value in a text with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        variants = {v for secret in secrets for v in _variants(secret)}
        self._secrets = sorted(
            {s for s in variants if len(s) >= _MIN_LENGTH}, key=len, reverse=True
        )

    def __call__(self, text: str) -> str:
        """`text` with every secret masked."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def extended(self, secrets: Iterable[str]) -> Redactor:
        """A redactor that also masks `secrets`."""
        return Redactor([*self._secrets, *secrets])


def _variants(secret: str) -> Iterator[str]:
    """The secret, and for a URL the parts a server may echo back on their own."""
    yield secret
    parts = urlsplit(secret)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return
    yield parts.path + (f"?{parts.query}" if parts.query else "")
    if parts.password:
        yield parts.password
    yield from (seg for seg in parts.path.split("/") if len(seg) >= _MIN_URL_PART)
    yield from (value for _, value in parse_qsl(parts.query) if len(value) >= _MIN_LENGTH * 2)


_registered: set[str] = set()
_registered_lock = threading.Lock()
ENV_SECRET_PREFIX = "DBT_ENV_SECRET"


def register_secrets(values: Iterable[str]) -> None:
    """Remember secret values: `redact` masks them from now on, in this process."""
    with _registered_lock:
        _registered.update(v for v in values if v)


def redact(text: str) -> str:
    """`text` with every registered secret and `DBT_ENV_SECRET_*` value masked."""
    return current_redactor()(text)


def redact_values(value: Any, redactor: Redactor | None = None) -> Any:
    """`value` (dicts, lists, strings, numbers...) with every string in it masked, keys too.

    For JSON: masking the serialized text instead would miss a secret that JSON escapes
    (a quote, a backslash, `<` in a report) and could mask part of a number, breaking it.
    """
    mask = redactor or current_redactor()
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {
            mask(k) if isinstance(k, str) else k: redact_values(v, mask) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_values(v, mask) for v in value]
    return value


def current_redactor() -> Redactor:
    """What `redact` masks with now.

    For a caller masking many texts at once: it reads the environment once, not per text.
    """
    env = tuple(sorted(v for k, v in os.environ.items() if k.startswith(ENV_SECRET_PREFIX)))
    with _registered_lock:
        known = frozenset(_registered)
    return _redactor(known, env)


@lru_cache(maxsize=8)
def _redactor(registered: frozenset[str], env: tuple[str, ...]) -> Redactor:
    return Redactor([*registered, *env])


class RedactingFilter(logging.Filter):
    """Masks secrets in a log record's message and traceback before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, None
        masked = redact(message)
        record.msg, record.args = masked, None
        return True
