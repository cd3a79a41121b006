"""Where this copy of sqlsentinel-dbt was installed from, when that is a shared git URL.

sqlsentinel-dbt is not on PyPI: it is installed from git (or from a clone or a wheel).
pip records where an install came from (PEP 610, `direct_url.json`); when that is a git
URL another machine can reach, `sentinel init` writes it into the CI workflow, pinned to
the commit installed here, so CI installs the same sqlsentinel the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution

DISTRIBUTION = "sqlsentinel-dbt"


@dataclass(frozen=True)
class GitSource:
    """A git URL (without `git+`) and the revision to install: a tag, branch or commit."""

    url: str
    revision: str


def installed_from() -> GitSource | None:
    """The git source of the installed sqlsentinel-dbt; None for a path, a wheel, unknown."""
    try:
        text = distribution(DISTRIBUTION).read_text("direct_url.json")
    except PackageNotFoundError:
        return None
    return git_source(text) if text else None


def git_source(direct_url: str) -> GitSource | None:
    """The git source a PEP 610 `direct_url.json` names, if other machines can reach it.

    A `file:` URL is this machine's path, so it gives None.
    """
    try:
        document = json.loads(direct_url)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    vcs = document.get("vcs_info")
    url = str(document.get("url") or "")
    if not isinstance(vcs, dict) or vcs.get("vcs") != "git" or not url:
        return None
    if url.startswith("file:"):
        return None  # this machine's path: useless to CI
    revision = vcs.get("commit_id") or vcs.get("requested_revision")
    return GitSource(url, str(revision)) if revision else None
