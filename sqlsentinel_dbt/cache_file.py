"""A JSON cache file that a run reads whole and may write back.

The caches kept this way (the query policy's verdicts and the package's parsed macros
under `target/sqlsentinel/`, dbt's JSON schemas under the user's cache directory) are
only ever a shortcut: a file that is missing, unreadable or cannot be written costs the
run the work the file would have saved, nothing more.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def read_cache(path: Path) -> Any:
    """The file's JSON document, or None when there is none yet or it is unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_cache(path: Path, document: Any) -> bool:
    """Replace the file with `document`; False (and a debug line) when it can't be written.

    It is written whole under another name, then renamed: a process reading it at the
    same moment reads the old file or the new one, never half of one.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, prefix=f".{path.stem}-", delete=False, encoding="utf-8"
        ) as file:
            json.dump(document, file, separators=(",", ":"))
        os.replace(file.name, path)
    except OSError as exc:
        logger.debug("could not write %s: %s", path, exc)
        return False
    return True
