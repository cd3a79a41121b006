"""Opening the dashboard and the report in Debian's Chromium, driven by Playwright.

Playwright never downloads a browser here: it launches /usr/bin/chromium. axe-core, from
npm, is vendored in tests/vendor/ (tests/vendor/VENDORED.md) and injected into the page
to check accessibility.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
_DATA = re.compile(r'<script type="application/json" id="sentinel-data">(.*?)</script>', re.S)


@dataclass
class Watched:
    """A page and what it did: console errors, uncaught exceptions, requests, dialogs."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@contextmanager
def browser_page(width: int = 1280, height: int = 900) -> Iterator[Watched]:
    """A fresh headless Chromium page, watched."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.set_default_timeout(120_000)  # bounds a hang only: a busy machine is slow
        watched = Watched(page)
        page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
        page.on("request", lambda r: watched.requests.append(r.url))
        page.on("dialog", lambda d: (watched.dialogs.append(d.message), d.dismiss()))
        try:
            yield watched
        finally:
            browser.close()


def report_data(page: str) -> dict[str, Any]:
    """The data a `sentinel report` file carries (its JSON block).

    Each alert's points as objects, as the page reads them (the file keeps them as
    `{columns, rows}`).
    """
    found = _DATA.search(page)
    assert found, "the report has no data block"
    data = dict(json.loads(found.group(1)))
    data["history"] = {
        name: [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]
        for name, table in data["history"].items()
    }
    return data


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (WCAG A and AA)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated, not a <script>: the CSP holds
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']}))"
        ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"
    )
    return [str(v) for v in found]


def screenshot(page: Page, name: str) -> Path:
    """Keep a full-page screenshot in test-artifacts/ (CI keeps the folder)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
