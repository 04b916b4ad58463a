"""The Content-Security-Policy in a real browser: every page works without one violation (no
inline script, handler or style left), the moved handlers still work, and a logged-in case page
refuses to load in a same-site frame. Debian's chromium through Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from atdesk.automations.engine.service import install_defaults
from atdesk.models import Author, AutomationRule, Brand, Case
from atdesk.storage.session import transaction
from tests.cases.factories import PASSWORD
from tests.web.browsing import TIMEOUT_MS, explained, seeded_workspace

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

Served = tuple[str, str, playwright_api.Browser]

PAGES = (
    "/",
    "/me",
    "/views",
    "/approvals",
    "/admin/users",
    "/admin/teams",
    "/admin/brands",
    "/admin/channels",
    "/admin/sla",
    "/admin/macros",
    "/automations/rules",
    "/automations/rules/form",
    "/automations/callbacks",
    "/automations/appointments",
    "/automations/kb",
    "/automations/reports",
    "/automations/jobs",
    "/automations/settings",
    "/surveys",
)

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Served]:
    """The seeded workspace with Acme's default rules, served, and chromium."""
    with seeded_workspace(tmp_path_factory.mktemp("csp"), sqlite_template) as served:
        with transaction(served[1]) as session:
            acme = session.scalars(select(Brand).where(Brand.name == "Acme")).one()
            install_defaults(session, acme)
        yield served


class Watched:
    """A logged-in page whose CSP violations and script errors are all collected."""

    def __init__(self, served: Served, username: str) -> None:
        base, _url, browser = served
        self.base = base
        self.context = browser.new_context(viewport={"width": 1440, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.add_init_script(WATCH_VIOLATIONS)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.goto(f"{base}/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")

    def _console(self, message: playwright_api.ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(f"{self.page.url}: {text}")

    def visit(self, path: str) -> None:
        """Open a page and note any violation it caused while loading."""
        with explained(self.page):
            answer = self.page.goto(f"{self.base}{path}", wait_until="load")
        assert answer is not None and answer.status == 200, (path, answer and answer.status)
        self.note_violations()

    def note_violations(self) -> None:
        for violation in self.page.evaluate("window.__cspViolations || []"):
            self.problems.append(f"{self.page.url}: {violation}")


def dana_case_id(url: str) -> int:
    with transaction(url) as session:
        dana = session.scalars(select(Author).where(Author.handle == "dana")).one()
        return session.scalars(select(Case.id).where(Case.customer_author_id == dana.id)).one()


def test_every_page_loads_without_a_content_security_policy_violation(served: Served) -> None:
    _base, url, _browser = served
    with transaction(url) as session:
        acme = session.scalars(select(Brand.id).where(Brand.name == "Acme")).one()
    admin = Watched(served, "root")
    try:
        for path in (
            *PAGES,
            f"/cases/{dana_case_id(url)}",
            f"/automations/rules/edit?brand_id={acme}",
        ):
            admin.visit(path)
        assert admin.problems == [], "\n".join(admin.problems)
    finally:
        admin.context.close()


def test_handlers_moved_out_of_the_html_still_work(served: Served) -> None:
    _base, url, _browser = served
    admin = Watched(served, "root")
    page = admin.page
    try:
        admin.visit("/surveys")
        with explained(page), page.expect_navigation():
            page.select_option("select[name=brand_id]", label="Other")
        assert "brand_id=" in page.url, "the brand select submits on change"

        def rules() -> int:
            with transaction(url) as session:
                return int(session.scalar(select(func.count(AutomationRule.id))) or 0)

        admin.visit("/automations/rules")
        before = rules()
        delete = page.locator('form[data-confirm="Delete this rule?"] button').first
        page.once("dialog", lambda dialog: dialog.dismiss())
        delete.click()  # waits for any navigation the click starts; a "no" starts none
        assert page.url.endswith("/automations/rules") and rules() == before, "no yes, no delete"
        page.once("dialog", lambda dialog: dialog.accept())
        with page.expect_navigation():
            delete.click()
        assert rules() == before - 1
        admin.note_violations()
        assert admin.problems == [], "\n".join(admin.problems)
    finally:
        admin.context.close()


def test_a_logged_in_case_page_does_not_load_in_a_same_site_frame(served: Served) -> None:
    base, url, _browser = served
    case_id = dana_case_id(url)
    agent = Watched(served, "ana")
    page = agent.page
    try:
        framing = f"{base}/framing-test"
        page.route(
            framing,
            lambda route: route.fulfill(
                content_type="text/html",
                body=f'<html><body><iframe id="f" src="{base}/cases/{case_id}"></iframe></body></html>',
            ),
        )
        with page.expect_response(f"{base}/cases/{case_id}") as framed:
            page.goto(framing)
        assert framed.value.status == 200, "the server answered; the browser must refuse it"
        page.wait_for_load_state("load")
        inner = [frame for frame in page.frames if frame != page.main_frame]
        assert inner, "the frame element is there"
        for frame in inner:
            assert not frame.url.startswith(f"{base}/cases/") or "parcel is lost" not in (
                frame.content()
            ), "the case must not render inside a frame"
        assert any("frame-ancestors" in p or "X-Frame-Options" in p for p in agent.problems), (
            agent.problems
        )
    finally:
        agent.context.close()
