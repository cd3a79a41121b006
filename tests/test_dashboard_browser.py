"""The dashboard and the report as a person uses them, in headless Chromium (Playwright).

A running daemon with a token on the shop project: the overview's states, counts, filters
and search; one alert's page with one chart series per instance, its states, SQL and dbt
neighbours; run now; a silence created and expired; the page updating itself after a run
it did not ask for; the noise view; keyboard navigation and axe-core's accessibility
checks; all under the page's Content Security Policy with no error in the console. Then
`sentinel report`'s file, opened with every request but the file itself refused.
Screenshots of the overview and of one alert are kept in test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sqlsentinel_dbt.dbt import dbt_build
from tests.browser_kit import browser_page, report_data, screenshot, serious_violations
from tests.conftest import Project, cli, make_project
from tests.daemon_kit import (
    FAST,
    ON_REQUEST,
    RunningDaemon,
    on_request_alert,
    release_warehouse,
    running_daemon,
    wait_until,
)

TOKEN = "browser-test-token-0123456789abcdef"
KEYED = "region_revenue_low"  # one instance per region
EXTRA = """
alerts:
  - name: hostile_status
    query: "select '<img src=x onerror=alert(1)>' as status"
  - name: many_keys  # more instances than a chart shows
    query: >-
      select 'k' || lpad(cast(i as varchar), 2, '0') as key, 'OK' as status,
             i as actual_value from range(25) as t(i)
  - name: revenue_with_runbook
    schedule: "{later}"  # run by the page only: never meets a scheduled run of itself
    owner: finance
    tags: [finance, runbooks]
    runbook: https://runbooks.example.com/revenue
    query: "select 'OK' as status, count(*) as actual_value from {{ ref('stg_orders') }}"
"""


@pytest.fixture
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    built = make_project(tmp_path_factory.mktemp("browser"), "shop", "duckdb")
    (built.root / "sentinel.yml").write_text(FAST.replace("*/2", "*/3"))
    later = datetime.now(UTC) + timedelta(hours=12)
    extra = EXTRA.replace("{later}", f"{later.minute} {later.hour} * * *")
    (built.root / "alerts" / "extra.yml").write_text(extra)
    (built.root / "alerts" / "on_request.yml").write_text(on_request_alert())
    dbt_build(built.args)
    release_warehouse(built)
    return built


def rows(page: Page) -> list[str]:
    return page.locator("#alerts tbody tr").evaluate_all("rs => rs.map(r => r.dataset.alert)")


def state_of(page: Page, alert: str) -> str:
    return page.inner_text(f'#alerts tr[data-alert="{alert}"] .state')


def runs(daemon: RunningDaemon, alert: str) -> int:
    history = daemon.get(f"/api/alerts/{alert}/history")
    return len({p["started_at"] for p in history.json()}) if history.ok else 0


def test_the_dashboard_as_a_person_uses_it(project: Project) -> None:
    with running_daemon(project, "--token", TOKEN, token=TOKEN) as daemon, browser_page() as seen:
        page = seen.page
        wait_until(lambda: runs(daemon, KEYED) >= 3, what="three runs of the keyed alert")
        page.goto(f"{daemon.url}/?token={TOKEN}#/")
        page.wait_for_selector("body[data-loaded=true]")
        the_overview(page)
        keyboard_reaches_an_alert(page)
        one_alert(page, daemon)
        the_page_updates_itself(page, daemon)
        the_noise_view(page)
        many_instances(page, daemon)
    assert seen.dialogs == []  # the hostile value ran no script
    assert seen.errors == []  # nothing refused by the CSP, nothing thrown


def the_overview(page: Page) -> None:
    listed = rows(page)
    assert {KEYED, "revenue_below_target", "hostile_status", ON_REQUEST} <= set(listed)
    assert state_of(page, "revenue_below_target") == "firing"
    assert state_of(page, "hostile_status") == "error"
    assert state_of(page, ON_REQUEST) == "never run"
    assert page.locator("#alerts img").count() == 0  # the hostile value is text
    # Times read as people say them, the exact local time on hover.
    stamp = page.locator('#alerts tr[data-alert="revenue_below_target"] time')
    assert re.fullmatch(r"now|\d+ \w+ ago", stamp.inner_text()), stamp.inner_text()
    assert stamp.get_attribute("title")  # e.g. "Dec 3, 2026, 7:02:57 PM"
    assert serious_violations(page) == []
    screenshot(page, "dashboard-overview.png")

    firing = int(page.inner_text("button.count.state-firing strong"))
    page.click("button.count.state-firing")
    expect(page.locator("#alerts tbody tr")).to_have_count(firing)
    assert all(state_of(page, a) == "firing" for a in rows(page))
    page.click("button.count.state-firing")  # again: the filter is lifted
    expect(page.locator("#alerts tbody tr")).to_have_count(len(listed))

    page.select_option("#filter-owner", "finance")
    expect(page.locator("#alerts tbody tr")).to_have_count(2)
    assert set(rows(page)) == {"revenue_below_target", "revenue_with_runbook"}
    page.select_option("#filter-owner", "")
    page.select_option("#filter-tag", "runbooks")
    expect(page.locator("#alerts tbody tr")).to_have_count(1)
    assert rows(page) == ["revenue_with_runbook"]
    page.select_option("#filter-tag", "")
    expect(page.locator("#alerts tbody tr")).to_have_count(len(listed))
    page.fill("#filter-q", "hostile")
    expect(page.locator("#alerts tbody tr")).to_have_count(1)
    assert rows(page) == ["hostile_status"]
    assert "q=hostile" in page.url  # a filtered view is a link to share
    page.fill("#filter-q", "")
    expect(page.locator("#alerts tbody tr")).to_have_count(len(listed))


def keyboard_reaches_an_alert(page: Page) -> None:
    page.reload()  # focus starts at the top of the page
    page.wait_for_selector("#alerts")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    for _ in range(30):  # past the skip link, the views, the counts and the filters
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#alerts')"):
            break
    name = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    expect(page.locator("#alert-page h2")).to_contain_text(name)
    page.go_back()
    page.wait_for_selector("#alerts")


def one_alert(page: Page, daemon: RunningDaemon) -> None:
    page.click(f'#alerts a:text-is("{KEYED}")')
    page.wait_for_selector("#chart .uplot")
    keys = {p["key"] for p in daemon.get(f"/api/alerts/{KEYED}/history").json()}
    assert len(keys) > 1
    # One series per instance, named by its key, and its threshold (the floor is per region).
    assert page.get_attribute("#chart", "data-series") == str(len(keys))
    legend = {k.rstrip(":").strip() for k in page.locator("#chart .u-series th").all_inner_texts()}
    assert legend == {"time"} | keys | {f"threshold {k}" for k in keys}
    assert page.locator("#timeline .timeline-row").count() == len(keys)
    assert page.locator("table.results tbody tr").count() >= 3 * len(keys)
    assert "region" in page.inner_text("pre.sql")
    assert "region_revenue" in page.inner_text(".facts")  # the model it reads
    page.mouse.move(*_middle_of(page, "#chart .u-over"))  # hover values in the legend
    expect(page.locator("#chart .u-legend .u-series").nth(1).locator("td")).not_to_have_text("--")
    assert serious_violations(page) == []
    screenshot(page, "dashboard-alert.png")

    page.fill("#silence-key", sorted(keys)[0])
    page.fill("#silence-reason", "maintenance")
    page.click("#silence-form button")
    status = page.locator("table.silence-list tbody tr td:nth-child(3)")
    expect(status).to_have_text("in force")
    silenced = daemon.get("/api/silences").json()
    assert [(s["matcher"], s["alert_key"]) for s in silenced] == [(KEYED, sorted(keys)[0])]
    page.click("table.silence-list button")
    expect(status).to_have_text("ended")
    assert not [s for s in daemon.get("/api/silences").json() if s["active"]]

    page.goto(f"{daemon.url}/?token={TOKEN}#/alert/revenue_with_runbook")
    link = page.locator('.facts a[href^="https://runbooks"]')
    expect(link).to_have_text("https://runbooks.example.com/revenue")
    page.click("#run-now")
    expect(page.locator("#message")).to_have_text("revenue_with_runbook: OK")


def the_page_updates_itself(page: Page, daemon: RunningDaemon) -> None:
    page.goto(f"{daemon.url}/?token={TOKEN}#/")
    page.wait_for_selector(f'#alerts tr[data-alert="{ON_REQUEST}"]')
    assert state_of(page, ON_REQUEST) == "never run"
    # Someone else runs it: the open page shows it at its next poll, with no reload.
    assert daemon.post(f"/api/alerts/{ON_REQUEST}/run").status_code == 200
    shown = page.locator(f'#alerts tr[data-alert="{ON_REQUEST}"] .state')
    expect(shown).to_have_text("ok", timeout=120_000)  # bounds a hang: it polls every 10 s
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


def the_noise_view(page: Page) -> None:
    page.click('nav a:text-is("Noise")')
    page.wait_for_selector("table.loudest")
    loudest = page.locator("table.loudest tbody tr td:first-child").all_inner_texts()
    assert "revenue_below_target" in loudest
    assert serious_violations(page) == []


def many_instances(page: Page, daemon: RunningDaemon) -> None:
    page.goto(f"{daemon.url}/?token={TOKEN}#/alert/many_keys")
    page.wait_for_selector("#chart .uplot")
    # 25 instances: the chart and the timeline keep 20 and say so; the table has them all.
    assert page.get_attribute("#chart", "data-series") == "20"
    expect(page.locator("#chart")).to_contain_text("Showing 20 of 25 instances")
    assert page.locator("#timeline .timeline-row").count() == 20
    assert page.locator("table.results tbody tr").count() >= 25


def _middle_of(page: Page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_the_report_opens_as_a_file_with_nothing_loaded(project: Project, tmp_path: Path) -> None:
    for _ in range(2):
        cli("dbt-run", *project.flags(), "--select", f"{KEYED} revenue_below_target hostile_status")
    out = tmp_path / "report.html"
    assert cli("report", *project.flags(), "--out", str(out)).exit_code == 0
    data = report_data(out.read_text())
    with browser_page() as seen:
        page = seen.page
        # Anything but the file itself would be a resource from elsewhere: refuse it all.
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        page.goto(out.as_uri())
        page.wait_for_selector("body[data-loaded=true]")
        assert set(rows(page)) == {a["name"] for a in data["alerts"]}
        assert state_of(page, "hostile_status") == "error"
        page.click(f'#alerts a:text-is("{KEYED}")')
        page.wait_for_selector("#chart .uplot")
        regions = {p["key"] for p in data["history"][KEYED]}
        assert page.get_attribute("#chart", "data-series") == str(len(regions))
        assert page.locator("#run-now, #silence-form").count() == 0  # a report only reads
        page.click('nav a:text-is("Noise")')
        page.wait_for_selector("table.loudest")
        assert serious_violations(page) == []
    assert [u for u in seen.requests if not u.startswith("file:")] == []
    assert seen.dialogs == [] and seen.errors == []


def test_the_timeline_gives_a_whole_run_error_to_every_instance(
    project: Project, tmp_path: Path
) -> None:
    """charts.js, in the browser: a keyed alert's failed run (one row, no key) shows on each
    instance's bar, not as an instance of its own; a last point at the very end draws."""
    out = tmp_path / "report.html"
    assert cli("report", *project.flags(), "--out", str(out)).exit_code == 0
    points = [
        {"started_at": "2026-12-01T00:00:00+00:00", "key": "eu", "status": "OK", "state": "ok"},
        {"started_at": "2026-12-01T00:00:00+00:00", "key": "us", "status": "ALERT",
         "state": "firing"},
        {"started_at": "2026-12-02T00:00:00+00:00", "key": None, "status": "ERROR",
         "state": None},
        {"started_at": "2026-12-03T00:00:00+00:00", "key": "eu", "status": "OK", "state": "ok"},
        {"started_at": "2026-12-03T00:00:00+00:00", "key": "us", "status": "OK", "state": "ok"},
    ]  # fmt: skip
    silences = [{"alert_key": "us", "starts_at": "2026-12-01T12:00:00+00:00",
                 "ends_at": "2026-12-01T18:00:00+00:00"}]  # fmt: skip
    with browser_page() as seen:
        seen.page.goto(out.as_uri())
        seen.page.wait_for_selector("body[data-loaded=true]")
        rows = seen.page.evaluate(
            "([points, silences, until]) => timelineSegments(points, silences, until)"
            ".map(r => [r.key, r.spans.map(s => s.state)])",
            [points, silences, 1796256000000],  # 2026-12-03T00:00:00Z: the last point's time
        )
    assert rows == [
        ["eu", ["ok", "error", "ok"]],
        ["us", ["firing", "silenced", "firing", "error", "ok"]],
    ]
