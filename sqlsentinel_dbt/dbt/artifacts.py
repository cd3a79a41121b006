"""What the last dbt command left in `target/run_results.json`.

Alerts read models; if the last build failed or skipped one of them, its table holds old
data, and an alert run against it would report on the past as if it were now. The few
fields read here are stable across dbt's run_results schema versions (v5-v6).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

RUN_RESULTS = "run_results.json"
# Node statuses that leave a relation stale: the build did not (re)build it.
_STALE = {"error", "skipped", "runtime error"}
_BUILT = ("model.", "seed.", "snapshot.")


@dataclass(frozen=True)
class LastBuild:
    """The last dbt command's outcome per node."""

    invocation_id: str | None = None
    generated_at: str | None = None
    stale: dict[str, str] = field(default_factory=dict)
    """unique_id -> why it is stale, for models, seeds and snapshots that were not built."""


def read_last_build(target_dir: Path) -> LastBuild | None:
    """The last build's outcome, or None when there is no (readable) run_results.json."""
    try:
        document = json.loads((target_dir / RUN_RESULTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    metadata = document.get("metadata") or {}
    stale = {}
    for result in document.get("results") or []:
        unique_id = str(result.get("unique_id", ""))
        status = str(result.get("status", "")).lower()
        if unique_id.startswith(_BUILT) and status in _STALE:
            message = (result.get("message") or "").strip().splitlines()
            stale[unique_id] = f"{status}" + (f": {message[0][:200]}" if message else "")
    return LastBuild(metadata.get("invocation_id"), metadata.get("generated_at"), stale)
