"""Small things a new user meets, in a real browser: Send is off while the reply is empty or
over the network's limit (button and Ctrl+Enter), and a missing page is a page, not JSON.
Debian's chromium through Playwright, one server per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from atdesk.models import Author, Case
from atdesk.storage.session import transaction
from tests.cases.factories import PASSWORD
from tests.web.browsing import ARTIFACTS, TIMEOUT_MS, explained, seeded_workspace

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

Served = tuple[str, str, playwright_api.Browser]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Served]:
    """The seeded workspace (Acme on X for Ana) served, and chromium: base URL, database."""
    with seeded_workspace(tmp_path_factory.mktemp("small-things"), sqlite_template) as served:
        yield served


def logged_in(served: Served, username: str) -> playwright_api.Page:
    """A fresh browser context logged in as `username`, on the inbox."""
    base, _url, browser = served
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


def dana_case_id(url: str) -> int:
    """Dana's case on X (280, weighted)."""
    with transaction(url) as session:
        dana = session.scalars(select(Author).where(Author.handle == "dana")).one()
        return session.scalars(select(Case.id).where(Case.customer_author_id == dana.id)).one()


def test_send_is_off_while_the_reply_is_empty_or_over_the_limit(served: Served) -> None:
    base, url, _browser = served
    case_id = dana_case_id(url)
    page = logged_in(served, "ana")
    replies: list[str] = []
    page.on(
        "request",
        lambda r: (
            replies.append(r.url) if r.method == "POST" and r.url.endswith("/reply") else None
        ),
    )
    page.goto(f"{base}/cases/{case_id}")
    send = page.locator('[data-testid="send"]')
    hint = page.locator('[data-testid="send-hint"]')
    box = page.locator("#reply-text")
    assert send.is_disabled(), "nothing to send yet"

    with explained(page):
        box.fill("We are on it.")
        page.wait_for_selector('[data-testid="send"]:enabled')
        box.fill("We are on it. " + "x" * 276)  # 290 on X's count
        page.wait_for_selector('[data-testid="send"]:disabled')
        page.wait_for_selector('[data-testid="send-hint"]:visible')
    assert hint.inner_text() == "10 over the limit: shorten it to send"
    assert page.locator("[data-length]").inner_text() == "290"
    box.press("Control+Enter")
    with explained(page):
        box.press("Backspace")  # a measure after the shortcut: had it sent, the POST came first
        page.wait_for_selector("[data-length]:text-is('289')")  # no eval under the CSP
    assert replies == [], "Ctrl+Enter does not send an over-long reply"
    assert send.is_disabled()

    with explained(page):
        box.fill("We are on it, Dana: the parcel is traced and a courier is on the way.")
        page.wait_for_selector('[data-testid="send"]:enabled')
    assert hint.is_hidden()
    with explained(page):
        box.fill("   ")
        page.wait_for_selector('[data-testid="send"]:disabled')
        box.fill("We are on it, Dana: the parcel is traced and a courier is on the way.")
        page.wait_for_selector('[data-testid="send"]:enabled')
        with page.expect_navigation():
            box.press("Control+Enter")
        page.wait_for_selector('li.post.outbound:has-text("a courier is on the way")')
    assert len(replies) == 1
    page.context.close()


def test_a_missing_page_is_a_page_with_the_way_back(served: Served) -> None:
    base, _url, _browser = served
    page = logged_in(served, "ana")
    response = page.goto(f"{base}/cases/999999")
    assert response is not None and response.status == 404
    card = page.locator('[data-testid="error-page"]')
    assert card.locator("h1").inner_text() == "Not found"
    assert "No case 999999 in your brands." in card.inner_text()
    page.screenshot(path=str(ARTIFACTS / "error-404.png"))
    response = page.goto(f"{base}/no-such-page")
    assert response is not None and response.status == 404
    assert "There is nothing at this address" in page.locator("main").inner_text()
    with explained(page), page.expect_navigation():
        page.click('[data-testid="back-to-inbox"]')
    assert page.url == f"{base}/" and page.locator("tr[data-case-id]").count() > 0
    page.context.close()
