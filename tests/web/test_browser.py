"""The workspace in a real browser: Debian's chromium driven by Playwright, one server per module.

Covers login, the inbox updating live, the case page, the length counter, the PII guard, move
to DM, approvals, collision presence, and the brand wall. Screenshots of the inbox and the case
page go to docs/screenshots (shown in the README) and test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from atdesk.brands.service import add_account, create_brand
from atdesk.cases.actions import resolve_case
from atdesk.config import Settings
from atdesk.demo.setup import load_scenarios, scenario_events
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.models import Author, Brand, Case, ReplyDraft
from atdesk.models.base import utcnow
from atdesk.pipeline.runner import process_events
from atdesk.respond.macros import save_macro
from atdesk.storage.engine import get_engine
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.cases.factories import PASSWORD, staff, team
from tests.respond.fakes import RecordingOutbox
from tests.web.browsing import ARTIFACTS, TIMEOUT_MS, chromium, chromium_path, explained
from tests.web.server import serving

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"


@dataclass
class Site:
    """The running app, its database and outbox, and the browser."""

    base: str
    url: str
    outbox: RecordingOutbox
    browser: playwright_api.Browser

    def login(self, username: str) -> playwright_api.Page:
        """A fresh browser context (own cookies) logged in as `username`."""
        context = self.browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(f"{self.base}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.base}/")
        return page


def history(brand_handle: str) -> list[RawEvent]:
    """A few answered cases from last week, so suggested replies have something to draw on."""
    start = utcnow() - timedelta(days=7)
    rows = [
        (
            "my card was stolen and someone is using it",
            "We're sorry! We've frozen the card; please DM us so we can send a new one today.",
        ),
        (
            "stolen card, charges I don't recognise",
            "Sorry to hear that. Your card is frozen now; "
            "DM us and we'll open a dispute for each charge.",
        ),
        (
            "app keeps logging me out",
            "Please update the app to the latest version and sign in "
            "again; DM us if it keeps happening.",
        ),
    ]
    events = []
    for i, (asked, answered) in enumerate(rows):
        at = start + timedelta(hours=i)
        events.append(
            RawEvent(
                "jsonl",
                {
                    "network": "x",
                    "id": f"17000000000000000{i}0",
                    "text": f"@{brand_handle} {asked}",
                    "created_at": at.isoformat(),
                    "author": {"id": f"55000000{i}", "handle": f"past_{i}"},
                    "to": brand_handle,
                },
            )
        )
        events.append(
            RawEvent(
                "jsonl",
                {
                    "network": "x",
                    "id": f"17000000000000000{i}1",
                    "text": f"@past_{i} {answered}",
                    "created_at": (at + timedelta(minutes=9)).isoformat(),
                    "author": {"id": "1700000000000000001", "handle": brand_handle},
                    "in_reply_to": f"17000000000000000{i}0",
                },
            )
        )
    return events


def seed(url: str) -> None:
    """The demo's three brands and scenarios; Harbor Bank and Cable Co for Ana and Sam,
    City Works for Olga."""
    scenarios = load_scenarios()
    with transaction(url) as session:
        for spec in scenarios["brands"]:
            handle, user_id = spec["x"]
            brand = create_brand(session, spec["name"], [(Network.X, handle, user_id)])
            brand.settings = dict(spec.get("settings", {}))
            add_account(session, brand, Network.MASTODON, spec["mastodon"])
            add_account(session, brand, Network.BLUESKY, spec["bluesky"])
        brands = {b.name: b for b in session.scalars(select(Brand))}
        ana = staff(session, "ana", display_name="Ana Ruiz", online=True, capacity=3)
        sam = staff(session, "sam", Role.SUPERVISOR, display_name="Sam Lee")
        olga = staff(session, "olga", display_name="Olga Berg")
        team(session, "Care", [brands["Harbor Bank"], brands["Cable Co"]], [ana, sam])
        team(session, "City", [brands["City Works"]], [olga])
        save_macro(
            session,
            name="Move to DM",
            body="Hi {first_name}, {agent} here. Could you DM us your account details? Case {case_id}.",
            brand=None,
            actor=sam,
        )
        process_events(session, history("bank"))
        for case in session.scalars(select(Case)):
            resolve_case(session, case, actor=sam)
        process_events(session, scenario_events(scenarios, now=utcnow()))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Site]:
    browser_path = chromium_path()
    path = tmp_path_factory.mktemp("browser") / "atdesk.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    seed(url)
    outbox = RecordingOutbox()
    app = create_app(
        Settings(database_url=url, secret_key="browser-test-secret-0123"), outbox=outbox
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ARTIFACTS.mkdir(exist_ok=True)
    with serving(app) as base, chromium(browser_path) as browser:
        try:
            yield Site(base, url, outbox, browser)
        finally:
            for context in browser.contexts:
                context.close()
    get_engine(url).dispose()


def shot(page: playwright_api.Page, name: str) -> None:
    """Save a screenshot to test-artifacts/; with ATDESK_UPDATE_SCREENSHOTS=1 also for the README."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if os.environ.get("ATDESK_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(ARTIFACTS / f"{name}.png", SCREENSHOTS / f"{name}.png")


def drafts_of(url: str) -> list[tuple[int, str, str | None]]:
    """Every reply draft's id, status and error, for a failure message."""
    with transaction(url) as session:
        return [(d.id, d.status, d.error) for d in session.scalars(select(ReplyDraft))]


def case_of(url: str, handle: str) -> int:
    with transaction(url) as session:
        author = session.scalars(select(Author).where(Author.handle == handle)).one()
        case = session.scalars(select(Case).where(Case.customer_author_id == author.id)).one()
        return case.id


def test_login_keyboard_and_a_new_post_appearing_live(site: Site) -> None:
    page = site.login("ana")
    rows = page.locator("table.cases tbody tr[data-case-id]")
    before = rows.count()
    assert before > 5
    assert page.locator('[data-testid="inbox"]').inner_text().count("City Works") == 0
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.locator("tr.cursor").get_attribute("data-case-id") == rows.nth(2).get_attribute(
        "data-case-id"
    )
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.press("Escape")
    page.wait_for_selector("#live.on")
    with transaction(site.url) as session:
        process_events(
            session,
            [
                RawEvent(
                    "jsonl",
                    {
                        "network": "x",
                        "id": "1860000000000000999",
                        "text": "@bank my transfer to my landlord bounced twice today, help!",
                        "created_at": utcnow().isoformat(),
                        "author": {"id": "4400000999", "handle": "new_nina", "name": "Nina"},
                        "to": "bank",
                    },
                )
            ],
        )
    page.wait_for_selector('tr.fresh:has-text("@new_nina")')
    assert rows.count() == before + 1, "the new case arrived without a reload"
    shot(page, "inbox")
    first, second = (rows.nth(i).get_attribute("data-case-id") for i in (0, 1))
    page.keyboard.press("k")
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.base}/cases/{first}")
    page.keyboard.press("j")
    page.wait_for_url(f"{site.base}/cases/{second}")
    page.context.close()


def test_case_page_counter_pii_guard_and_private_reply(site: Site) -> None:
    case_id = case_of(site.url, "chris_p")
    page = site.login("ana")
    page.goto(f"{site.base}/cases/{case_id}")
    box = page.locator("#reply-text")
    box.fill("Thanks https://example.com/a/very/long/path/to/the/help/article")
    # "Thanks " is 7 and every URL counts 23 on X, however long it is.
    page.wait_for_selector("[data-length]:text-is('30')")  # no eval: the CSP forbids it
    assert page.locator("[data-limit]").inner_text() == "280"
    box.fill("Hi Chris, we'll call you at 415-555-0142 right away")
    page.wait_for_selector('[data-testid="pii-warning"]:not([hidden])')
    assert "customer's personal data" in page.locator('[data-testid="pii-warning"]').inner_text()
    page.click('[data-testid="send"]')
    page.wait_for_selector('[data-testid="outcome"]')
    assert "private message instead" in page.locator('[data-testid="outcome"]').inner_text()
    assert site.outbox.sent == [] or all(m.recipient for m in site.outbox.sent)
    page.click('[data-testid="outcome"] [data-action="switch-private"]')
    assert page.locator('input[name="mode"][value="private"]').is_checked()
    sent_before = len(site.outbox.sent)
    page.click('[data-testid="send"]')
    page.wait_for_selector('li.post.outbound.direct:has-text("415-555-0142")')
    assert len(site.outbox.sent) == sent_before + 1
    native_id = site.outbox.sent[-1].ref
    assert native_id.startswith("draft-")
    assert page.locator("li.post.outbound.direct .netid").last.inner_text().startswith("X 9")
    page.wait_for_selector('[data-testid="suggestions"] button.suggestion')
    assert "frozen" in page.locator('[data-testid="suggestions"]').inner_text()
    shot(page, "case")
    page.context.close()


def test_move_to_dm_posts_the_deep_link_in_public(site: Site) -> None:
    case_id = case_of(site.url, "locked_out_lu")
    page = site.login("ana")
    page.goto(f"{site.base}/cases/{case_id}")
    page.click('[data-testid="move-to-dm"]')
    page.wait_for_selector('li.post.outbound:has-text("x.com/messages/compose?recipient_id=")')
    assert page.locator('input[name="mode"][value="private"]').is_checked()
    assert "recipient_id=1700000000000000001" in site.outbox.sent[-1].text
    page.context.close()


def test_a_sensitive_reply_waits_for_the_supervisor(site: Site) -> None:
    case_id = case_of(site.url, "priya_k")
    agent = site.login("ana")
    agent.goto(f"{site.base}/cases/{case_id}")
    assert agent.locator("text=public replies need approval").is_visible()
    agent.fill("#reply-text", "We're sorry Priya, the refund is on its way.")
    agent.click('[data-testid="send"]')
    agent.wait_for_selector('[data-testid="draft-pending"]')
    sent_before = len(site.outbox.sent)
    lead = site.login("sam")
    lead.click('[data-testid="nav-approvals"]')
    card = lead.locator("article.approval", has_text="refund is on its way")
    card.locator("textarea").fill(
        "We're sorry Priya. The refund is on its way; a manager will call."
    )
    with lead.expect_navigation():
        card.locator('[data-testid="approve"]').click()
    with explained(lead, also=f"; drafts {drafts_of(site.url)}"):
        lead.wait_for_selector("text=Nothing waits for approval")
    assert len(site.outbox.sent) == sent_before + 1
    agent.reload()
    agent.wait_for_selector('li.post.outbound:has-text("a manager will call")')
    assert "reply.approved" in agent.locator('[data-testid="audit"]').inner_text()
    agent.context.close()
    lead.context.close()


def test_two_agents_see_each_other_on_a_case(site: Site) -> None:
    case_id = case_of(site.url, "ana_g")
    ana = site.login("ana")
    sam = site.login("sam")
    ana.goto(f"{site.base}/cases/{case_id}")
    sam.goto(f"{site.base}/cases/{case_id}")
    ana.wait_for_selector('#viewers .viewer:has-text("Sam Lee is viewing")')
    sam.type("#reply-text", "Yes, students get 20% off")
    ana.wait_for_selector('#viewers .viewer.typing:has-text("Sam Lee is typing")')
    with transaction(site.url) as session:
        process_events(
            session,
            [
                RawEvent(
                    "jsonl",
                    {
                        "network": "x",
                        "id": "1860000000000000998",
                        "text": "@cable also, does it cover the sports package?",
                        "created_at": utcnow().isoformat(),
                        "author": {"id": "4400000111", "handle": "ana_g"},
                        "in_reply_to": "1860000000000000111",
                    },
                )
            ],
        )
    ana.wait_for_selector('li.post:has-text("does it cover the sports package")')
    ana.context.close()
    sam.context.close()


def test_an_agent_does_not_see_another_brands_case(site: Site) -> None:
    city_case = case_of(site.url, "oak_street_sam")
    ana = site.login("ana")
    assert ana.locator('tr:has-text("@oak_street_sam")').count() == 0
    response = ana.goto(f"{site.base}/cases/{city_case}")
    assert response is not None and response.status == 404
    olga = site.login("olga")
    assert olga.locator('tr:has-text("@oak_street_sam")').count() == 1
    assert olga.locator('tr:has-text("@chris_p")').count() == 0
    ana.context.close()
    olga.context.close()
