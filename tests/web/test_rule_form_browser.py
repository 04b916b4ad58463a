"""The rule form in a real browser: rows added and removed by the page's script, a dry run, the
save, and the rule in the list. Debian's chromium through Playwright, one server per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from atdesk.models import AutomationRule
from atdesk.storage.session import transaction
from tests.cases.factories import PASSWORD
from tests.web.browsing import ARTIFACTS, TIMEOUT_MS, seeded_workspace

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, str, playwright_api.Browser]]:
    """The seeded workspace (Acme's posts, admin root) served, and chromium: base URL, database."""
    with seeded_workspace(tmp_path_factory.mktemp("rule-form"), sqlite_template) as served:
        yield served


def test_an_admin_builds_a_rule_in_the_form_and_sees_it_listed(
    served: tuple[str, str, playwright_api.Browser],
) -> None:
    base, url, browser = served
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/automations/rules")
    page.click('[data-testid="new-rule"]')
    page.wait_for_selector('[data-testid="rule-fields"]')
    form_url = page.url
    page.fill("input[name=name]", "Call-me posts to the VIP desk")
    page.select_option('[data-testid="add-condition-choice"]', "intent")
    page.click('[data-testid="add-condition"]')
    page.check('input[name="when.intent"][value="callback_request"]')
    page.select_option('[data-testid="add-condition-choice"]', "network")
    page.click('[data-testid="add-condition"]')
    page.click('[data-testid="remove-when.network"]')
    assert page.locator('[data-condition="network"]').count() == 0
    page.select_option('[data-testid="add-action-choice"]', "tag")
    page.click('[data-testid="add-action"]')
    page.fill('input[name="a0.tags"]', "vip, parcel")
    assert page.url == form_url, "rows are added in place, without a round trip"

    page.click('[data-testid="dry-run"]')
    page.wait_for_selector('[data-testid="dry-run-results"]')
    assert (
        "tag the case vip, parcel" in page.locator('[data-testid="dry-run-results"]').inner_text()
    )
    assert page.input_value('input[name="a0.tags"]') == "vip, parcel"
    page.screenshot(path=str(ARTIFACTS / "rule-form.png"), full_page=True)

    page.click('[data-testid="save-rule"]')
    page.wait_for_selector('tr[data-rule="Call-me posts to the VIP desk"]')
    row = page.locator('tr[data-rule="Call-me posts to the VIP desk"]').inner_text()
    assert "intent callback_request" in row and "tag" in row
    with transaction(url) as session:
        rule = session.scalars(
            select(AutomationRule).where(AutomationRule.name == "Call-me posts to the VIP desk")
        ).one()
        assert rule.conditions == {"intent": ["callback_request"]}
        assert rule.actions == [{"type": "tag", "tags": ["vip", "parcel"]}]
    context.close()
