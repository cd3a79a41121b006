"""`did you mean ...?`: the known names closest to a mistyped one, for error messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str], n: int = 1) -> list[str]:
    """Up to `n` of `choices` that look like `word`, most alike first; none may."""
    return difflib.get_close_matches(word, list(choices), n=n)


def suggest(word: str, choices: list[str]) -> str:
    """`; did you mean 'x'? Allowed: ...`, for an unknown word."""
    close = closest(word, choices)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} Allowed: {', '.join(choices)}"
