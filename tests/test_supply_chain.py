"""The pip-audit exceptions file: every accepted vulnerability is dated and explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from noxfile import audit_exceptions

ROOT = Path(__file__).resolve().parent.parent


def test_the_exceptions_file_parses() -> None:
    for vuln, accepted, reason in audit_exceptions(str(ROOT / "pip-audit-exceptions.txt")):
        assert vuln and accepted and reason


def test_an_exception_without_date_or_reason_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("# comment\nGHSA-xxxx-yyyy 2026-11-22 not reachable from our code\n")
    assert audit_exceptions(str(good)) == [
        ("GHSA-xxxx-yyyy", "2026-11-22", "not reachable from our code")
    ]
    bad = tmp_path / "bad.txt"
    bad.write_text("GHSA-xxxx-yyyy because\n")
    with pytest.raises(ValueError, match=r"bad\.txt:1"):
        audit_exceptions(str(bad))
