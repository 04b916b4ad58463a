"""The automation pages and REST API: rules with dry run and YAML, the callback queue, the
appointment book and its feed, the knowledge base, and the customer's verification page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from atdesk.models import AutomationRule, Callback, Customer, KbArticle, User
from atdesk.storage.session import transaction
from tests.automations.conftest import Site
from tests.automations.helpers import jobs_of, texts
from tests.web.conftest import csrf_of


def test_rules_page_dry_run_save_export_and_import(site: Site) -> None:
    root = site.login("root")
    page = root.get("/automations/rules")
    assert page.status_code == 200
    assert "Callback requests go to the callback queue" in page.text
    assert 'data-rule="Booking changes start the reschedule flow"' in page.text
    rule = """name: VIP callbacks
when:
  intent: [callback_request]
  customer_linked: true
then:
  - type: tag
    tags: [vip]
"""
    with transaction(site.settings.database_url) as session:
        brand_id = session.scalars(select(AutomationRule.brand_id)).first()
    tried = root.post(
        "/automations/rules/edit", data={"brand_id": brand_id, "text": rule, "do": "dry"}
    )
    assert tried.status_code == 200
    assert "Dry run: 1 of the last 2 posts match" in tried.text
    assert "(customer_linked)" in tried.text
    bad = root.post(
        "/automations/rules/edit",
        data={"brand_id": brand_id, "text": rule.replace("[vip]", "[]"), "do": "save"},
    )
    assert bad.status_code == 422 and "then.0.tag.tags" in bad.text
    saved = root.post(
        "/automations/rules/edit", data={"brand_id": brand_id, "text": rule, "do": "save"}
    )
    assert saved.status_code == 303
    exported = root.get(f"/automations/rules/export?brand_id={brand_id}")
    assert "name: VIP callbacks" in exported.text
    imported = root.post(
        "/automations/rules/import",
        data={"brand_id": brand_id, "text": exported.text.replace("VIP callbacks", "VIPs")},
    )
    assert imported.status_code == 303
    assert "VIPs" in root.get("/automations/rules").text
    agent = site.login("ana")
    refused = agent.post(
        "/automations/rules/edit", data={"brand_id": brand_id, "text": rule, "do": "save"}
    )
    assert refused.status_code == 403


def test_phone_agents_work_the_queue_from_the_page(site: Site) -> None:
    ana = site.login("ana")
    page = ana.get("/automations/callbacks")
    assert page.status_code == 200
    assert "+1 415 555 0142" in page.text
    assert "Tue 24 Nov 17:00–20:00" in page.text
    with transaction(site.settings.database_url) as session:
        queued = session.scalars(select(Callback).where(Callback.status == "queued")).one()
    assert ana.post(f"/automations/callbacks/{queued.id}/claim").status_code == 303
    ana.post(f"/automations/callbacks/{queued.id}/outcome", data={"outcome": "reached"})
    with transaction(site.settings.database_url) as session:
        done = session.get(Callback, queued.id)
        assert done is not None and done.status == "completed"
    waiting = ana.get("/automations/callbacks?view=waiting")
    assert "after verification" in waiting.text
    feed = re.search(r'href="(/feeds/\d+/callbacks\.ics\?key=\w+)"', page.text)
    assert feed is not None
    ics = site.anonymous.get(feed.group(1)).text.replace("\r\n ", "")
    # The reached callback stays in the feed as cancelled (dialers drop it); the one
    # waiting for verification is not in it; no phone number is in the feed.
    assert f"UID:callback-{queued.id}@atdesk" in ics and "STATUS:CANCELLED" in ics
    assert ics.count("BEGIN:VEVENT") == 1 and "555" not in ics


def test_rest_collections_and_the_feeds(site: Site) -> None:
    api = TestClient(site.anonymous.app, headers={"Authorization": f"Bearer {site.token}"})
    assert site.anonymous.get("/api/v1/callbacks").status_code == 401
    callbacks = api.get("/api/v1/callbacks").json()
    assert {c["status"] for c in callbacks} == {"queued", "awaiting_verification"}
    assert {"id", "window_start", "window_end", "reason", "customer"} <= set(callbacks[0])
    visits = api.get("/api/v1/appointments").json()
    assert [(v["resource"], v["start_at"]) for v in visits] == [("Sam", "2026-11-24T14:00:00Z")]
    moved = api.post(
        f"/api/v1/appointments/{visits[0]['id']}/move",
        json={"start_at": "2026-11-25T08:00:00Z", "end_at": "2026-11-25T10:00:00Z"},
    )
    assert moved.status_code == 200 and moved.json()["sequence"] == 1
    clash = api.post(
        "/api/v1/appointments",
        json={
            "brand_id": visits[0]["brand_id"],
            "customer_id": visits[0]["customer"]["id"],
            "resource_id": visits[0]["resource_id"],
            "kind": "repair",
            "start_at": "2026-11-25T09:00:00Z",
            "end_at": "2026-11-25T11:00:00Z",
        },
    )
    assert clash.status_code == 409 and "already booked" in clash.json()["detail"]
    rules = api.get(f"/api/v1/rules?brand_id={visits[0]['brand_id']}").json()
    assert rules[0]["then"][1] == {"type": "create_callback"}
    dry = api.post(
        f"/api/v1/rules/dry-run?brand_id={visits[0]['brand_id']}",
        json={
            "name": "x",
            "when": {"intent": ["callback_request"]},
            "then": [{"type": "escalate"}],
        },
    )
    assert [r["matched"] for r in dry.json()] == [True, True]

    page = site.login("ana").get("/automations/appointments?day=2026-11-25")
    feed = re.search(r'href="(/feeds/\d+/appointments\.ics\?key=\w+)"', page.text)
    assert feed is not None
    ics = site.anonymous.get(feed.group(1))
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "DTSTART:20261125T080000Z" in ics.text and "SEQUENCE:1" in ics.text
    assert site.anonymous.get(feed.group(1)[:-4] + "0000").status_code == 404
    calls = site.anonymous.get(feed.group(1).replace("appointments.ics", "callbacks.ics"))
    assert calls.status_code == 404  # a key opens one feed only
    for odd in ("%C3%A9", "%ED%A0%80", "%FF%FE"):  # non-ASCII keys were a 500 (compare_digest)
        base = feed.group(1).split("?")[0]
        assert site.anonymous.get(f"{base}?key={odd}").status_code == 404


def test_the_knowledge_base_page_saves_articles(site: Site) -> None:
    root = site.login("root")
    page = root.get("/automations/kb")
    assert "No articles" in page.text
    with transaction(site.settings.database_url) as session:
        brand_id = session.scalars(select(AutomationRule.brand_id)).first()
    root.post(
        "/automations/kb",
        data={
            "brand_id": brand_id,
            "title": "Opening hours",
            "body": "We're open 8-8 every day.",
            "questions": "when are you open\nopening hours",
            "enabled": "1",
        },
    )
    with transaction(site.settings.database_url) as session:
        assert session.scalars(select(KbArticle.title)).all() == ["Opening hours"]
    assert (
        site.login("ana")
        .post("/automations/kb", data={"brand_id": brand_id, "title": "x", "body": "y"})
        .status_code
        == 403
    )


def test_the_customer_verifies_on_the_links_page_once(site: Site) -> None:
    sent = next(t for t in texts(jobs_of(site.settings.database_url)) if "/verify/" in t)
    assert sent.split()[-1].startswith("http://127.0.0.1:8000/verify/")
    # The stage issued that link at the tests' fixed clock, and the site runs on it too.
    path = sent.split()[-1].removeprefix("http://127.0.0.1:8000")
    customer = site.anonymous
    page = customer.get(path)
    assert page.status_code == 200 and "@sam_q" in page.text and 'name="phone"' in page.text
    csrf = csrf_of(page.text)
    missing = customer.post(path, data={"csrf_token": csrf})
    assert missing.status_code == 422 and "phone number" in missing.text
    done = customer.post(path, data={"csrf_token": csrf, "phone": "+1 415 555 0199"})
    assert done.status_code == 200 and "you're confirmed" in done.text
    again = customer.get(path)
    assert again.status_code == 410 and "already been used" in again.text
    with transaction(site.settings.database_url) as session:
        customer_row = session.scalars(
            select(Customer).where(Customer.phone == "+1 415 555 0199")
        ).one()
        assert [h.handle for h in customer_row.handles] == ["sam_q"]
        assert {c.status for c in session.scalars(select(Callback))} == {"queued"}
        assert session.scalars(select(User.username).where(User.active.is_(False))).all() == []
