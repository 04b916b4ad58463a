"""The inbox: views with counts, filters, search on both databases, brand walls, bulk actions."""

from __future__ import annotations

import re

from sqlalchemy import select

from atdesk.models import AuditEvent, Case, CaseTag
from atdesk.storage.session import transaction
from tests.web.conftest import Workspace


def case_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-case-id="(\d+)"', html)]


def count(html: str, view: str) -> int:
    match = re.search(rf'data-count="{view}">(\d+)<', html)
    assert match, f"count of view {view}"
    return int(match.group(1))


def test_views_show_counts_and_the_most_pressing_first(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    page = ana.get("/").text
    assert count(page, "all") == 2 and count(page, "unassigned") == 2 and count(page, "mine") == 0
    ids = case_ids(page)
    with transaction(workspace.settings.database_url) as session:
        rows = {c.id: c for c in session.scalars(select(Case))}
    ordered = sorted(ids, key=lambda i: (-rows[i].priority_rank, rows[i].sla_due_at))
    assert ids == ordered, "priority first, then the nearest SLA deadline"
    assert "@eve" not in page, "Other's case is not Ana's to see"
    with transaction(workspace.settings.database_url) as session:
        session.get(Case, ids[0]).team_id = None  # type: ignore[union-attr]
    assert count(ana.get("/").text, "team") == 2, "unrouted cases of my teams' brands count"
    assert ana.get("/?view=mine").text.count("<tr data-case-id") == 0


def test_filters_and_full_text_search(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    assert case_ids(ana.get("/?q=refund").text) == case_ids(ana.get("/?q=REFUND").text)
    found = ana.get("/", params={"q": "refun"}).text
    assert "@dana" in found and "@finn" not in found, "prefix search as you type"
    assert "@finn" in ana.get("/", params={"q": "@finn"}).text
    assert "@dana" not in ana.get("/", params={"q": "crash"}).text
    assert "@eve" not in ana.get("/", params={"q": "invoice"}).text, "search respects brands"
    with transaction(workspace.settings.database_url) as session:
        intents = {c.customer_author.handle: c.intent for c in session.scalars(select(Case))}
    assert intents["finn"] != intents["dana"]
    by_intent = ana.get("/", params={"intent": intents["finn"]}).text
    assert "@finn" in by_intent and "@dana" not in by_intent
    assert case_ids(ana.get("/", params={"network": "mastodon"}).text) == []


def test_bulk_assign_tag_and_resolve_are_audited_per_case(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    ids = [str(i) for i in case_ids(ana.get("/").text)]
    for action, extra in (("assign", {"assignee_id": "me"}), ("tag", {"tags": "vip, follow-up"})):
        response = ana.post("/inbox/bulk", data={"action": action, "case_ids": ids, **extra})
        assert response.status_code == 303
    assert count(ana.get("/").text, "mine") == 2
    assert "#vip" in ana.get("/", params={"tag": "vip"}).text
    ana.post("/inbox/bulk", data={"action": "resolve", "case_ids": ids})
    assert case_ids(ana.get("/").text) == []
    with transaction(workspace.settings.database_url) as session:
        actions = [
            e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.actor == "ana"))
        ]
        assert actions.count("case.assigned") == 2 and actions.count("case.resolved") == 2
        assert len(session.scalars(select(CaseTag)).all()) == 4


def test_bulk_actions_cannot_touch_other_brands_or_skip_csrf(workspace: Workspace) -> None:
    olga = workspace.login("olga")
    eve = case_ids(olga.get("/").text)
    ana = workspace.login("ana")
    ana.post("/inbox/bulk", data={"action": "resolve", "case_ids": [str(i) for i in eve]})
    assert case_ids(olga.get("/").text) == eve, "Ana cannot resolve Olga's brand's case"
    del ana.headers["X-CSRF-Token"]
    refused = ana.post("/inbox/bulk", data={"action": "resolve", "case_ids": ["1"]})
    assert refused.status_code == 403


def test_the_rows_fragment_carries_fresh_counts(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    fragment = ana.get("/inbox/rows", params={"view": "all"}).text
    assert fragment.count("<tr data-case-id") == 2
    assert '"all": 2' in fragment
    assert ana.get("/inbox/ids", params={"view": "all"}).json()["ids"] == case_ids(fragment)


def test_an_agent_never_sees_another_brands_case(workspace: Workspace) -> None:
    olga = workspace.login("olga")
    (eve_case,) = case_ids(olga.get("/").text)
    ana = workspace.login("ana")
    assert ana.get(f"/cases/{eve_case}").status_code == 404
    assert ana.get(f"/api/v1/cases/{eve_case}").status_code == 404
    assert eve_case not in [c["id"] for c in ana.get("/api/v1/cases").json()["items"]]
    assert ana.post(f"/cases/{eve_case}/resolve").status_code == 404
    root = workspace.login("root")
    assert root.get(f"/cases/{eve_case}").status_code == 200, "admins see every brand"


def test_pages_report_their_server_time(workspace: Workspace) -> None:
    timing = workspace.login("ana").get("/").headers["server-timing"]
    assert re.fullmatch(r"app;dur=\d+\.\d", timing)
