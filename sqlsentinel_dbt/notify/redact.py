"""Keep secrets out of everything sqlsentinel writes: errors, logs, the outbox."""

from __future__ import annotations

from collections.abc import Iterable

MASK = "***"
_MIN_LENGTH = 4  # shorter "secrets" would mask ordinary words


class Redactor:
    """Replaces every known secret value in a text with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= _MIN_LENGTH}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """`text` with every secret masked."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def extended(self, secrets: Iterable[str]) -> Redactor:
        """A redactor that also masks `secrets`."""
        return Redactor([*self._secrets, *secrets])
