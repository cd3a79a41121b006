"""`--shard I/N`: a stable split of the alerts by name, for fanning a run out.

An orchestrator runs N tasks, `--shard 1/N` to `--shard N/N`; each alert lands in exactly
one of them, in the same one on every run and machine (a hash of its name, not Python's
salted `hash`), so its history and notifications stay with one task at a time.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_FORM = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
MAX_SHARDS = 10_000


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`I/N` with 1 <= I <= N; ValueError saying what is wrong otherwise."""
        found = _FORM.fullmatch(text)
        if not found:
            raise ValueError(f"{text!r} is not a shard: write I/N, e.g. 2/4")
        index, count = int(found.group(1)), int(found.group(2))
        if not 1 <= count <= MAX_SHARDS:
            raise ValueError(f"{text!r}: the number of shards must be 1 to {MAX_SHARDS}")
        if not 1 <= index <= count:
            raise ValueError(f"{text!r}: the shard must be 1 to {count}")
        return cls(index, count)

    def holds(self, name: str) -> bool:
        """Whether the alert named `name` runs in this shard."""
        return shard_of(name, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(name: str, count: int) -> int:
    """The shard (1 to `count`) alert `name` belongs to."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1
