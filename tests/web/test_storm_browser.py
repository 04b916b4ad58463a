"""Issue 13's story in a real browser, on the demo's own planted outage (prepared at a fixed now).

Supervisor sam sees the spike banner in the inbox and the alert and the "update 5.2" issue on
/insights, opens the issue, makes an incident of it and posts an update; the queued deliveries
run (the job queue, as the worker runs it) into a recording outbox, one reply per customer, and
the incident page marks every delivery sent. Closing the incident resolves its cases. Leo, an
agent of City Works only, gets a 404 for Cable Co's incident.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from atdesk.config import Settings
from atdesk.demo.outage import BURST_POSTS
from atdesk.demo.setup import prepare_demo
from atdesk.domain.cases import CaseStatus
from atdesk.insights.incidents.updates import DELIVERY_JOB
from atdesk.models import AutomationJob, Case, IncidentCase, IncidentDelivery
from atdesk.storage.engine import get_engine
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.automations.helpers import Clock, job_env, run_jobs
from tests.respond.fakes import RecordingOutbox
from tests.web.browsing import ARTIFACTS, TIMEOUT_MS, chromium, chromium_path, explained
from tests.web.server import serving

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# The demo's clock: the outage's steady days and its two-hour burst are laid out up to here.
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
UPDATE = "we found the cause of the login outage after update 5.2; a fix is rolling out now."


@dataclass
class Demo:
    """The prepared demo served on a socket, its outbox, the browser and the login password."""

    base: str
    settings: Settings
    outbox: RecordingOutbox
    browser: playwright_api.Browser
    password: str

    def login(self, username: str) -> playwright_api.Page:
        """A fresh browser context (own cookies) logged in as `username`."""
        context = self.browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(f"{self.base}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", self.password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.base}/")
        return page

    def run_queued_deliveries(self) -> int:
        """Run the job queue as the worker does, on a clock no earlier than the jobs' due times."""
        with transaction(self.settings.database_url) as session:
            due = session.scalar(
                select(func.max(AutomationJob.due_at)).where(AutomationJob.kind == DELIVERY_JOB)
            )
        assert due is not None, "posting the update queued no delivery job"
        with httpx.Client() as http:
            return run_jobs(job_env(self.settings, self.outbox, http, Clock(now=due)), rounds=10)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Demo]:
    """`atdesk demo --no-replay` without its live networks, prepared at NOW, on a real socket."""
    browser_path = chromium_path()
    path = tmp_path_factory.mktemp("storm") / "atdesk.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    settings = replace(Settings(), database_url=url, secret_key="browser-test-secret-0123")
    summary = prepare_demo(
        settings, replay=False, echo=lambda _: None, live_networks=False, now=NOW
    )
    ARTIFACTS.mkdir(exist_ok=True)
    outbox = RecordingOutbox()
    app = create_app(settings, outbox=outbox)
    with serving(app) as base, chromium(browser_path) as browser:
        yield Demo(base, settings, outbox, browser, summary.password)
    get_engine(url).dispose()


def _incident_cases(url: str, incident_id: int) -> list[Case]:
    with transaction(url) as session:
        return list(
            session.scalars(
                select(Case)
                .join(IncidentCase, IncidentCase.case_id == Case.id)
                .where(IncidentCase.incident_id == incident_id)
            )
        )


def test_a_planted_outage_becomes_an_incident_that_answers_its_customers(demo: Demo) -> None:
    expect = playwright_api.expect
    page = demo.login("sam")

    with explained(page, " (the inbox's spike banner)"):
        banner = page.get_by_test_id("spike-banner")
        expect(banner).to_contain_text("1 spike going on")
        expect(banner).to_contain_text(re.compile(r"Cable Co — .*update 5\.2"))

    page.goto(f"{demo.base}/insights")
    with explained(page, " (the alert and the issue on /insights)"):
        alert = page.get_by_test_id("spike-alerts").locator("tr[data-alert-id]")
        expect(alert).to_have_count(1)
        expect(alert).to_contain_text("Cable Co")
        expect(alert).to_contain_text("update 5.2")
        expect(alert).to_have_attribute("data-status", "open")
        link = page.locator("a[href^='/insights/issues/']", has_text="update 5.2")
        issue_row = page.get_by_test_id("issues").locator("tbody tr", has=link)
        expect(issue_row).to_have_count(1)
        issue_link = issue_row.locator(link)
        expect(issue_row).to_contain_text("Cable Co")
        expect(issue_row).to_contain_text(str(BURST_POSTS))
    page.screenshot(path=str(ARTIFACTS / "storm-insights.png"), full_page=True)

    issue_link.click()
    with explained(page, " (the issue page)"):
        page.wait_for_url(re.compile(r"/insights/issues/\d+$"))
        expect(page.locator("h1")).to_contain_text("update 5.2")
        page.get_by_test_id("issue-make-incident").get_by_role("button").click()
        page.wait_for_url(f"{demo.base}/incidents/new")
        form = page.get_by_test_id("new-incident")
        form.locator("input[name=title]").fill("App login outage after update 5.2")
        form.get_by_test_id("make-incident").click()
        page.wait_for_url(re.compile(r"/incidents/\d+$"))
    incident_id = int(page.url.rsplit("/", 1)[1])
    with explained(page, " (the new incident)"):
        expect(page.get_by_test_id("incident-status")).to_have_text("open")
        expect(page.get_by_test_id("incident-cases").locator("tbody tr")).to_have_count(BURST_POSTS)
    cases = _incident_cases(demo.settings.database_url, incident_id)
    customers = {case.customer_author_id for case in cases}
    assert len(cases) == len(customers) == BURST_POSTS  # one customer per post in the burst

    form = page.get_by_test_id("update-form")
    form.locator("textarea[name=text]").fill(UPDATE)
    form.get_by_test_id("post-update").click()
    with explained(page, " (after posting the update)"):
        page.wait_for_url(re.compile(rf"/incidents/{incident_id}$"))
        expect(page.get_by_test_id("delivery-status")).to_have_count(BURST_POSTS)
    assert demo.outbox.sent == []  # the deliveries wait in the queue for the worker

    assert demo.run_queued_deliveries() >= BURST_POSTS
    sent = demo.outbox.sent
    assert len(sent) == BURST_POSTS
    targets = [message.target.native_id for message in sent if message.target is not None]
    assert len(set(targets)) == BURST_POSTS  # one public reply in each customer's own thread
    assert all(message.recipient is None for message in sent)
    assert all(message.text.endswith(UPDATE) for message in sent)

    page.reload()
    with explained(page, " (deliveries after the queue ran)"):
        expect(page.get_by_test_id("update-status")).to_have_text("sent")
        states = page.get_by_test_id("delivery-status")
        expect(states).to_have_count(BURST_POSTS)
        for state in states.all_inner_texts():
            assert state == "sent", state
    with transaction(demo.settings.database_url) as session:
        deliveries = list(session.scalars(select(IncidentDelivery)))
    assert {d.case_id for d in deliveries} == {case.id for case in cases}
    page.screenshot(path=str(ARTIFACTS / "storm-incident.png"), full_page=True)

    page.get_by_test_id("close-incident").click()
    with explained(page, " (after closing)"):
        page.wait_for_url(re.compile(rf"/incidents/{incident_id}$"))
        expect(page.get_by_test_id("incident-status")).to_have_text("closed")
        rows = page.get_by_test_id("incident-cases").locator("tbody tr")
        expect(rows).to_have_count(BURST_POSTS)
        expect(rows.filter(has_text="resolved")).to_have_count(BURST_POSTS)
    closed = _incident_cases(demo.settings.database_url, incident_id)
    assert {case.status for case in closed} == {CaseStatus.RESOLVED.value}

    other = demo.login("leo")  # an agent of City Works only
    response = other.goto(f"{demo.base}/incidents/{incident_id}")
    assert response is not None and response.status == 404
    assert other.goto(f"{demo.base}/incidents").ok
    expect(other.locator("body")).not_to_contain_text("App login outage")
