"""A detractor's closed loop in a real browser (Debian's chromium through Playwright): the
demo's City Works customer answered NPS 3, so their case is open again at high priority with
their words on it; the Cable Co customer's old case links to its follow-up case and back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from atdesk.config import Settings
from atdesk.demo.survey_loop import plant_survey_loop
from atdesk.models import SurveyResponse
from atdesk.models.base import utcnow
from atdesk.storage.session import transaction
from tests.cases.factories import PASSWORD
from tests.surveys.test_demo_loop import demo_brands
from tests.web.browsing import ARTIFACTS, TIMEOUT_MS, explained, seeded_workspace

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, str, playwright_api.Browser]]:
    """The seeded workspace with the demo's brands and survey loops, served, and chromium."""
    with seeded_workspace(tmp_path_factory.mktemp("loop"), sqlite_template) as served:
        settings = Settings(database_url=served[1], secret_key="browser-test-secret-0123")
        demo_brands(settings)
        assert plant_survey_loop(settings, now=utcnow()) == 2
        yield served


def test_a_detractors_case_shows_the_score_the_comment_and_the_follow_up(
    served: tuple[str, str, playwright_api.Browser],
) -> None:
    base, url, browser = served
    with transaction(url) as session:
        loops = {r.kind: r for r in session.scalars(select(SurveyResponse))}
    detractor, unhappy = loops["nps"], loops["csat"]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    with explained(page):
        page.goto(f"{base}/cases/{detractor.case_id}")
        loop = page.locator('[data-testid="survey-loop"]')
        loop.wait_for(state="visible")
        assert "Reopened" in loop.inner_text()
        comment = page.locator('[data-testid="survey-comment"]').inner_text()
        assert "the light is still out" in comment
        assert "NPS 3/10" in page.locator('[data-testid="case-survey"]').inner_text()
        assert "high" in page.locator("body").inner_text().lower()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "survey-loop-detractor.png"), full_page=True)

        page.goto(f"{base}/cases/{unhappy.case_id}")
        page.locator('[data-testid="survey-follow-up-case"]').click()
        page.wait_for_url(f"{base}/cases/{unhappy.follow_up_case_id}")
        back = page.locator('[data-testid="survey-follows-up"]')
        back.wait_for(state="visible")
        assert "CSAT 1/5" in back.inner_text() and "8pm every night" in back.inner_text()
    context.close()
