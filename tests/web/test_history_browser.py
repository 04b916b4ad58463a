"""The Replay brands group in a real browser: collapsed at first, and remembered once opened.
Debian's chromium through Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cases.factories import PASSWORD
from tests.web.browsing import TIMEOUT_MS, explained, seeded_workspace
from tests.web.test_history import add_history

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, str, playwright_api.Browser]]:
    """The seeded workspace with a replay's brands and history, served, and chromium."""
    with seeded_workspace(tmp_path_factory.mktemp("history"), sqlite_template) as served:
        add_history(served[1])
        yield served


def test_the_replay_group_opens_and_stays_open(
    served: tuple[str, str, playwright_api.Browser],
) -> None:
    base, _url, browser = served
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    group = page.locator('[data-testid="replay-brands"]')
    sprint = group.locator('a[data-replay-brand="sprintcare"]')
    with explained(page):
        assert group.get_attribute("open") is None and not sprint.is_visible()
        group.locator("summary").click()
        sprint.wait_for(state="visible")
        page.reload()
        sprint.wait_for(state="visible")
    assert group.get_attribute("open") is not None, "remembered across pages"
    context.close()
