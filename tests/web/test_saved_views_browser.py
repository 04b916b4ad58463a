"""Saved views in a real browser: an agent filters the inbox, saves the view, and finds it in
the view list with its count. Debian's chromium through Playwright, one server per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from atdesk.models import Case, SavedView
from atdesk.storage.session import transaction
from tests.cases.factories import PASSWORD
from tests.web.browsing import ARTIFACTS, TIMEOUT_MS, explained, seeded_workspace

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, str, playwright_api.Browser]]:
    """The seeded workspace (Acme's posts for Ana) served, and chromium: base URL, database."""
    with seeded_workspace(tmp_path_factory.mktemp("saved-views"), sqlite_template) as served:
        yield served


def test_an_agent_filters_saves_the_view_and_sees_it_listed_with_its_count(
    served: tuple[str, str, playwright_api.Browser],
) -> None:
    base, url, browser = served
    with transaction(url) as session:
        finn = session.scalars(select(Case).where(Case.subject.contains("crashes"))).one()
        intent = finn.intent
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    with page.expect_navigation():
        page.select_option("select[name=intent]", intent)
    assert page.locator("tr[data-case-id]").count() == 1
    page.fill('[data-testid="save-view"] input[name=name]', "App crashes")
    link = page.locator('[data-testid="saved-views"] a[data-saved-view="App crashes"]')
    with explained(page):
        with page.expect_navigation():
            page.click('[data-testid="save-view"] button')
        link.wait_for()
    assert link.locator(".n").inner_text() == "1"
    assert "active" in (link.get_attribute("class") or ""), "the saved view is the one open"
    page.screenshot(path=str(ARTIFACTS / "saved-view.png"))

    page.goto(f"{base}/?view=all")
    assert page.locator("tr[data-case-id]").count() == 2
    assert page.locator('a[data-saved-view="App crashes"].active').count() == 0
    page.click('a[data-saved-view="App crashes"]')
    page.wait_for_selector('a[data-saved-view="App crashes"].active')
    assert page.locator("tr[data-case-id]").count() == 1
    with transaction(url) as session:
        view = session.scalars(select(SavedView)).one()
        assert view.filters == {"view": "all", "intent": intent}
    context.close()
