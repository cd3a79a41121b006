"""Remember what the query policy decided about a SQL text, so it is parsed once, not per run.

Parsing a compiled query with sqlglot costs about 1.5 ms, more than rendering it, and an
unchanged query gets the same verdict every time. Verdicts are kept in
`<target>/sqlsentinel/verdicts.json`, beside Jinja's bytecode cache, keyed by the SQL
text and by everything else the verdict depends on: the adapter's dialect, the policy's
settings, sqlglot's version and the source of the rules themselves, so that any change
to one of them starts afresh. Whoever can write `target/` can change the alerts' SQL too:
the file gives no one a power they lack.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from hashlib import sha256
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlsentinel_dbt.cache_file import read_cache, write_cache

VERDICTS_PATH = Path("sqlsentinel", "verdicts.json")
"""Where the verdicts are kept, under the project's target path."""
# Enough for every alert of a large project many times over; the least recently used go.
MAX_ENTRIES = 20_000
_RULES = ("read_only.py", "file_access.py", "dialects.py", "query_policy.py", "verdict_cache.py")

Verdict = str | None
"""None: the SQL passes. A text: why it is refused."""


class VerdictCache:
    """Verdicts by SQL text for one policy, read from and written back to one file."""

    def __init__(self, path: Path | None, policy_key: str) -> None:
        self._path = path
        self._salt = f"{_rules_fingerprint()}\n{policy_key}\n"
        self._entries: dict[str, Verdict] = _read(path) if path else {}
        self._used: dict[str, Verdict] = {}
        self._added = False

    def verdict(self, kind: str, sql: str, judge: Callable[[str], Verdict]) -> Verdict:
        """The cached verdict on `sql` (`kind`: what it is), or `judge`'s, then remembered."""
        key = sha256(f"{self._salt}{kind}\n{sql}".encode()).hexdigest()
        if key in self._used:
            return self._used[key]
        if key in self._entries:
            verdict = self._entries[key]
        else:
            verdict = judge(sql)
            self._added = True
        self._used[key] = verdict
        return verdict

    def save(self) -> None:
        """Write the file back when a verdict was added; a target that can't be written is skipped.

        Verdicts used in this process go last, so the oldest unused ones are dropped first.
        """
        if self._path is None or not self._added:
            return
        kept = {k: v for k, v in self._entries.items() if k not in self._used} | self._used
        entries = dict(list(kept.items())[-MAX_ENTRIES:])
        if write_cache(self._path, entries):
            self._entries, self._added = entries, False


def _read(path: Path) -> dict[str, Verdict]:
    loaded = read_cache(path)
    if not isinstance(loaded, dict):  # none yet, or unreadable: every verdict made afresh
        return {}
    return {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, str | None)}


@cache
def _rules_fingerprint() -> str:
    """The source of the rules and sqlglot's version: a verdict holds only while both do."""
    try:  # the installed version, read without importing the parser
        parser = version("sqlglot") + " " + _installed("sqlglotc")
    except PackageNotFoundError:
        parser = "unknown"
    digest = sha256(parser.encode())
    for name in _RULES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def _installed(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"
