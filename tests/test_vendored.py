"""The JavaScript vendored from npm is the published file of the version we name.

Each VENDORED.md lists its files with their version and SHA-256; a file edited by hand, or
updated without its entry, fails here.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LISTS = [ROOT / "sqlsentinel_dbt" / "daemon" / "static" / "vendor", ROOT / "tests" / "vendor"]
# The banner each minified script carries, with its version.
BANNERS = {"uPlot.iife.min.js": r"uPlot \(v([\d.]+)\)", "axe.min.js": r"axe v([\d.]+)"}


def listed(folder: Path) -> dict[str, str]:
    text = (folder / "VENDORED.md").read_text()
    return dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", text, re.M))


@pytest.mark.parametrize("folder", LISTS, ids=lambda f: f.parent.name)
def test_every_vendored_file_is_listed_with_its_hash(folder: Path) -> None:
    hashes = listed(folder)
    files = {p.name for p in folder.iterdir() if p.suffix in (".js", ".css")}
    assert files and set(hashes) == files
    for name, expected in hashes.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == expected, name


@pytest.mark.parametrize("folder", LISTS, ids=lambda f: f.parent.name)
def test_the_listed_version_is_the_files_own(folder: Path) -> None:
    text = (folder / "VENDORED.md").read_text()
    for name, banner in BANNERS.items():
        if (folder / name).exists():
            [version] = re.findall(banner, (folder / name).read_text()[:300])
            assert f"| {version} |" in text and f"@{version}" in text, name
