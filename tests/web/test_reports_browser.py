"""The reports overview in a real browser: Chart.js draws every chart under the app's CSP, a
filter changes what is shown, and a number opens the cases behind it. Debian's chromium
through Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from atdesk.reports.facts import refresh
from tests.cases.factories import PASSWORD
from tests.factories import T0
from tests.web.browsing import ARTIFACTS, TIMEOUT_MS, explained, seeded_workspace

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHARTS = ("volume", "first_response", "resolution", "sla", "satisfaction", "hours")


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, str, playwright_api.Browser]]:
    """The seeded workspace with its report facts, served, and chromium."""
    with seeded_workspace(tmp_path_factory.mktemp("reports"), sqlite_template) as served:
        refresh(served[1])
        yield served


def signed_in(
    served: tuple[str, str, playwright_api.Browser], username: str
) -> tuple[playwright_api.BrowserContext, playwright_api.Page, list[str]]:
    base, _url, browser = served
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return context, page, problems


def test_the_overview_draws_every_chart_then_filters_and_drills_down(
    served: tuple[str, str, playwright_api.Browser],
) -> None:
    base = served[0]
    context, page, problems = signed_in(served, "sam")
    # The seed's posts are on 2026-03-02: a custom period around them (the server's clock is
    # the real one here, so a preset would not reach them).
    day = T0.date()
    around = f"period=custom&since={day - timedelta(days=3)}&until={day + timedelta(days=3)}"
    with explained(page):
        page.click('[data-testid="nav-reports"]')
        page.wait_for_url(f"{base}/reports")
        page.goto(f"{base}/reports?{around}")
        for chart in CHARTS:
            page.wait_for_selector(f'canvas[data-chart="{chart}"][data-drawn="1"]')
    drawn = page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map((c) => {
            const chart = window.Chart.getChart(c);
            return {
              id: c.dataset.chart,
              type: chart ? chart.config.type : null,
              points: chart ? chart.data.datasets.reduce(
                (n, d, i) => n + chart.getDatasetMeta(i).data.length, 0) : 0,
              width: c.width,
            };
        })"""
    )
    by_id = {d["id"]: d for d in drawn}
    assert set(by_id) == set(CHARTS), drawn
    assert by_id["hours"]["type"] == "matrix" and by_id["hours"]["points"] == 7 * 24
    assert by_id["volume"]["type"] == "bar" and by_id["volume"]["points"] >= 1
    assert all(d["width"] > 100 for d in drawn), "each canvas has its size: drawn, not empty"
    page.screenshot(path=str(ARTIFACTS / "reports-overview.png"), full_page=True)
    inbound = page.locator('[data-metric="inbound"] .tile-value').inner_text()
    assert inbound == "3"

    with explained(page, " (changing the network filter)"):
        page.select_option('[data-testid="filter-network"]', "bluesky")
        page.click('[data-testid="apply-filters"]')
        page.wait_for_url("**network=bluesky**")
        page.wait_for_selector('canvas[data-chart="volume"][data-drawn="1"]')
    assert page.locator('[data-metric="inbound"] .tile-value').inner_text() == "0"
    assert page.locator('[data-testid="filter-since"]').input_value() == str(
        day - timedelta(days=3)
    ), "the custom period stays"

    with explained(page, " (following a drill-down)"):
        page.select_option('[data-testid="filter-network"]', "")
        page.click('[data-testid="apply-filters"]')
        page.wait_for_selector('[data-testid="drill-cases"]')
        page.click('[data-testid="drill-cases"]')
        page.wait_for_url("**/reports/cases?**metric=cases**")
        rows = page.locator('table[data-testid="drill-cases"] tbody tr[data-case]')
        rows.first.wait_for()
    assert rows.count() == 2, "Acme's two cases"
    first = rows.first.get_attribute("data-case")
    with explained(page, " (opening a case from the drill-down)"):
        rows.first.locator("a").first.click()
        page.wait_for_url(f"{base}/cases/{first}")
    assert not problems, problems
    context.close()


def test_a_bar_opens_the_cases_of_its_day(
    served: tuple[str, str, playwright_api.Browser],
) -> None:
    base = served[0]
    context, page, problems = signed_in(served, "sam")
    day = T0.date()
    with explained(page):
        page.goto(f"{base}/reports?period=custom&since={day}&until={day}")
        page.wait_for_selector('canvas[data-chart="first_response"][data-drawn="1"]')
        # The first band (< 15 min) holds dana's answered case: click its bar's centre.
        point = page.evaluate(
            """() => {
                const canvas = document.querySelector('canvas[data-chart="first_response"]');
                const bar = window.Chart.getChart(canvas).getDatasetMeta(0).data[0];
                const box = canvas.getBoundingClientRect();
                return {x: box.left + bar.x, y: box.top + (bar.y + bar.base) / 2};
            }"""
        )
        page.mouse.click(point["x"], point["y"])
        page.wait_for_url("**/reports/cases?**metric=first_response**")
        page.locator("tr[data-case]").first.wait_for()
    assert page.locator("tr[data-case]").count() == 1
    assert "< 15 min" in page.locator('[data-testid="drill-title"]').inner_text()
    assert not problems, problems
    context.close()
