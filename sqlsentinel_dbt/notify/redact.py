"""Keep secrets out of everything sqlsentinel writes: errors, logs, the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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
