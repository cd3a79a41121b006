"""The dashboard end to end in headless Chromium (Debian's, driven by Playwright).

A running daemon with a token; the page loads through its API, shows states, draws the
charts, runs an alert on request, creates and expires a silence (its changes go as JSON
from its own origin, as the server demands), and writes a hostile value as text, all
under its Content Security Policy with no error in the console. The screenshot is kept
in test-artifacts/dashboard.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from sqlsentinel_dbt.dbt import dbt_build
from tests.conftest import Project, make_project
from tests.daemon_kit import (
    FAST,
    ON_REQUEST,
    on_request_alert,
    release_warehouse,
    running_daemon,
    wait_until,
)

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright must never download a browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TOKEN = "browser-test-token-0123456789abcdef"
HOSTILE = """
alerts:
  - name: hostile_status
    query: "select '<img src=x onerror=alert(1)>' as status"
"""


@pytest.fixture
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    built = make_project(tmp_path_factory.mktemp("browser"), "shop", "duckdb")
    (built.root / "sentinel.yml").write_text(FAST.replace("*/2", "*/5"))
    (built.root / "alerts" / "hostile.yml").write_text(HOSTILE)
    (built.root / "alerts" / "on_request.yml").write_text(on_request_alert())
    dbt_build(built.args)
    release_warehouse(built)
    return built


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        opened = browser.new_page(viewport={"width": 1280, "height": 1600})
        opened.set_default_timeout(120_000)  # bounds a hang only: a busy machine is slow
        yield opened
        browser.close()


def state_of(page: Page, alert: str) -> str:
    return page.inner_text(f'#alerts tr[data-alert="{alert}"] td.state')


def test_the_dashboard_in_a_browser(project: Project, page: Page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # Under the page's Content Security Policy, anything it refused would be logged here.
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    with running_daemon(project, "--token", TOKEN, token=TOKEN) as daemon:
        wait_until(
            lambda: (
                daemon.metric("sentinel_evaluations_total", alert="orders_present", status="OK")
                >= 1
            ),
            what="a first scheduled run",
        )
        page.goto(f"{daemon.url}/?token={TOKEN}")
        page.wait_for_selector("body[data-loaded=true]")

        assert state_of(page, "revenue_below_target") == "firing"
        assert state_of(page, "orders_present") == "ok"
        assert state_of(page, "hostile_status") == "error"
        # The hostile value is text on the page, not an element, and ran no script.
        assert page.locator("#alerts img").count() == 0
        charts = page.locator("#charts img")
        assert charts.count() == page.locator("#alerts tbody tr").count()
        # Polled from here: the page's CSP forbids the eval behind page.wait_for_function.
        drawn = "imgs => imgs.every(i => i.complete && i.naturalWidth > 0)"
        wait_until(lambda: charts.evaluate_all(drawn), what="every chart drawn")

        page.locator(f'#alerts tr[data-alert="{ON_REQUEST}"] button').click()
        expect(page.locator("#message")).to_have_text(f"{ON_REQUEST}: OK")

        page.fill("#silence-form input[name=matcher]", "tag:quality")
        page.fill("#silence-form input[name=reason]", "maintenance")
        page.click("#silence-form button")
        page.wait_for_selector("#silences tbody tr")
        assert page.inner_text("#silences tbody tr td") == "tag:quality"

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

        page.click("#silences tbody tr button")
        expect(page.locator("#silences tbody tr")).to_have_count(0)
    assert dialogs == []
    assert errors == []
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
