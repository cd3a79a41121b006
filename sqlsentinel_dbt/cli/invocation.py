"""How to run this very `sentinel` again, for commands we print for the user to copy.

The README's first command runs `.venv/bin/sentinel demo` without activating the
virtualenv, so a hint that starts with a bare `sentinel` would fail as printed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path


def sentinel_command() -> str:
    """The shell words that run this `sentinel` from the current directory.

    `sentinel` when that is this install on PATH; else a path to its script (relative
    when under the current directory); else `python -m sqlsentinel_dbt.cli` with this Python.
    """
    script = Path(sys.executable).parent / "sentinel"
    on_path = shutil.which("sentinel")
    if on_path and script.is_file() and Path(on_path).resolve() == script.resolve():
        return "sentinel"
    if script.is_file():
        relative = os.path.relpath(script)
        if relative.startswith(".."):
            return shlex.quote(str(script))
        return shlex.quote(relative if os.sep in relative else f".{os.sep}{relative}")
    return f"{shlex.quote(sys.executable)} -m sqlsentinel_dbt.cli"
