"""In a real browser: opening a case starts the activity heartbeat, and typing in the composer
then sending the reply records composing time on that case. Debian's chromium through
Playwright; the browser's seconds are real, so nothing asserts an exact duration."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from atdesk.models import AgentActivity, Author, Case, User
from atdesk.storage.session import transaction
from tests.cases.factories import PASSWORD
from tests.web.browsing import TIMEOUT_MS, explained, seeded_workspace

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

Served = tuple[str, str, playwright_api.Browser]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Served]:
    """The seeded workspace (Acme on X for Ana) served, and chromium: base URL, database."""
    with seeded_workspace(tmp_path_factory.mktemp("activity"), sqlite_template) as served:
        yield served


def _rows(url: str, case_id: int) -> list[tuple[str, str, float]]:
    with transaction(url) as session:
        return [
            (user.username, row.kind, row.seconds)
            for row, user in session.execute(
                select(AgentActivity, User)
                .join(User, User.id == AgentActivity.user_id)
                .where(AgentActivity.case_id == case_id)
                .order_by(AgentActivity.id)
            )
        ]


def test_typing_in_the_composer_and_sending_records_composing_time(served: Served) -> None:
    base, url, browser = served
    with transaction(url) as session:
        dana = session.scalars(select(Author).where(Author.handle == "dana")).one()
        case_id = session.scalars(select(Case.id).where(Case.customer_author_id == dana.id)).one()
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")

    beats: list[str] = []
    page.on(
        "request",
        lambda r: beats.append(r.post_data or "") if r.url.endswith("/activity") else None,
    )
    with explained(page), page.expect_response(lambda r: r.url.endswith("/activity")) as first:
        page.goto(f"{base}/cases/{case_id}")
    assert first.value.status == 200
    assert first.value.json()["beat_s"] > 0
    assert _rows(url, case_id) == [("ana", "viewing", 0.0)]  # opened, nothing credited yet

    box = page.locator("#reply-text")
    with explained(page):
        box.click()
        box.press_sequentially("Sorry Dana, ", delay=40)
        page.wait_for_timeout(1500)  # a moment of composing, well under the beat cap
        box.press_sequentially("a courier is on the way.", delay=40)
        page.wait_for_selector('[data-testid="send"]:enabled')
        with page.expect_navigation():
            page.click('[data-testid="send"]')
        page.wait_for_selector('li.post.outbound:has-text("a courier is on the way")')

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # the send's beacon lands on its own
        composing = [r for r in _rows(url, case_id) if r[1] == "composing"]
        if composing:
            break
        time.sleep(0.2)
    assert composing, f"no composing time recorded; beats sent: {beats}"
    assert all(who == "ana" for who, _kind, _seconds in composing)
    assert sum(seconds for _who, _kind, seconds in composing) > 1.0  # the typing took longer
    assert any("composing" in b for b in beats)  # the page said so; the server kept the time
    context.close()
