"""Saved inbox views: saved with their filters, listed with live counts, renamed, reordered,
deleted, shared with a team read-only, always limited to the viewer's brands, CSRF-checked."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from atdesk.models import AuditEvent, Brand, Case, SavedView
from atdesk.storage.session import transaction
from tests.web.conftest import Workspace
from tests.web.test_inbox import case_ids, count


def saved(page: str) -> dict[str, int]:
    """The saved views listed in the inbox, in order, with their counts."""
    found = re.findall(
        r'data-saved-view="([^"]+)".*?data-count="(saved-\d+)">(\d+)<', page, flags=re.S
    )
    return {html.unescape(name): int(n) for name, _key, n in found}


def team_options(page: str) -> dict[str, str]:
    """The teams offered to share with on the saved views page, by name."""
    return {n: i for i, n in re.findall(r'<option value="(\d+)"[^>]*>(\w+)</option>', page)}


def save(client: TestClient, name: str, query: str) -> None:
    response = client.post("/views", data={"name": name, "filters": query})
    assert response.status_code == 303, response.text


def view_id(workspace: Workspace, name: str) -> int:
    with transaction(workspace.settings.database_url) as session:
        return session.scalars(select(SavedView.id).where(SavedView.name == name)).one()


def audit_actions(workspace: Workspace) -> list[str]:
    with transaction(workspace.settings.database_url) as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity_type == "saved_view")
                .order_by(AuditEvent.id)
            )
        )


def finn_intent(workspace: Workspace) -> str:
    with transaction(workspace.settings.database_url) as session:
        intents = {c.customer_author.handle: c.intent for c in session.scalars(select(Case))}
    return intents["finn"]


def test_a_saved_view_keeps_its_filters_and_search_and_lists_with_its_count(
    workspace: Workspace,
) -> None:
    ana = workspace.login("ana")
    intent = finn_intent(workspace)
    save(ana, "Finn's kind", f"view=unassigned&intent={intent}&page=3")
    save(ana, "Refunds", "q=refund")
    page = ana.get("/").text
    assert saved(page) == {"Finn's kind": 1, "Refunds": 1}
    assert count(page, "all") == 2, "the built-in counts are unchanged"
    with transaction(workspace.settings.database_url) as session:
        stored = session.scalars(select(SavedView).order_by(SavedView.id)).all()
        assert stored[0].filters == {"view": "unassigned", "intent": intent}, "never the page"
        assert stored[1].filters == {"view": "all", "q": "refund"}
    opened = ana.get(f"/?view=unassigned&intent={intent}").text
    assert re.search(r'class="active" data-saved-view="Finn&#39;s kind"', opened)
    assert "@finn" in opened and "@dana" not in opened
    fragment = ana.get("/inbox/rows").text
    assert f'"saved-{view_id(workspace, "Refunds")}": 1' in fragment, "live refresh updates it"
    assert audit_actions(workspace) == ["saved_view.created", "saved_view.created"]


def test_names_are_required_and_unique_per_owner(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    save(ana, "Urgent", "priority=urgent")
    save(ana, " urgent ", "priority=high")
    save(ana, "   ", "priority=high")
    page = ana.get("/").text
    assert list(saved(page)) == ["Urgent"]
    assert "already have a view called" in page and "give the view a name" in page
    save(workspace.login("sam"), "Urgent", "priority=urgent")
    assert list(saved(workspace.login("sam").get("/").text)) == ["Urgent"], "names are per owner"


def test_rename_reorder_and_delete_are_audited(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    for name in ("One", "Two", "Three"):
        save(ana, name, f"tag={name.lower()}")
    two, three = view_id(workspace, "Two"), view_id(workspace, "Three")
    ana.post(f"/views/{two}", data={"action": "rename", "name": "Second"})
    ana.post(f"/views/{three}", data={"action": "up"})
    ana.post(f"/views/{three}", data={"action": "up"})
    assert list(saved(ana.get("/").text)) == ["Three", "One", "Second"]
    ana.post(f"/views/{three}", data={"action": "down"})
    ana.post(f"/views/{two}", data={"action": "delete"})
    assert list(saved(ana.get("/").text)) == ["One", "Three"]
    assert 'data-saved-view="One"' in ana.get("/views").text
    assert audit_actions(workspace)[3:] == [
        "saved_view.renamed",
        "saved_view.moved",
        "saved_view.moved",
        "saved_view.moved",
        "saved_view.deleted",
    ]
    with transaction(workspace.settings.database_url) as session:
        renamed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "saved_view.renamed")
        ).one()
        assert (renamed.before["name"], renamed.after["name"]) == ("Two", "Second")
        assert renamed.actor == "ana"


def test_a_supervisor_shares_a_view_with_a_team_read_only(workspace: Workspace) -> None:
    sam, ana = workspace.login("sam"), workspace.login("ana")
    save(sam, "Refunds", "q=refund")
    save(ana, "Mine to keep", "view=mine")
    shared, own = view_id(workspace, "Refunds"), view_id(workspace, "Mine to keep")
    assert "Refunds" not in saved(ana.get("/").text), "not shared yet"
    teams = team_options(sam.get("/views").text)
    acme = teams["Acme"]
    assert "Other" not in teams, "a supervisor shares with their own teams"
    sam.post(f"/views/{shared}", data={"action": "share", "team_id": acme})
    page = ana.get("/").text
    assert saved(page) == {"Mine to keep": 0, "Refunds": 1}
    assert "Shared with Acme" in page
    for attempt in ({"action": "rename", "name": "Taken"}, {"action": "delete"}):
        ana.post(f"/views/{shared}", data=attempt)
    assert "not yours to change" in ana.get("/views").text
    assert "Refunds" in saved(ana.get("/").text), "read-only for team members"
    ana.post(f"/views/{own}", data={"action": "share", "team_id": acme})
    assert "only supervisors and admins share views" in ana.get("/views").text
    with transaction(workspace.settings.database_url) as session:
        assert session.get(SavedView, own).team_id is None  # type: ignore[union-attr]
    sam.post(f"/views/{shared}", data={"action": "share", "team_id": ""})
    assert "Refunds" not in saved(ana.get("/").text)
    assert audit_actions(workspace)[-2:] == ["saved_view.shared", "saved_view.unshared"]


def test_a_shared_view_shows_each_viewer_only_their_brands(workspace: Workspace) -> None:
    root, olga = workspace.login("root"), workspace.login("olga")
    save(root, "Everything open", "view=all")
    save(root, "Acme only", f"view=all&brand_id={acme_brand(workspace)}")
    other = team_options(root.get("/views").text)["Other"]
    for name in ("Everything open", "Acme only"):
        root.post(f"/views/{view_id(workspace, name)}", data={"action": "share", "team_id": other})
    assert saved(root.get("/").text) == {"Everything open": 3, "Acme only": 2}
    page = olga.get("/").text
    assert saved(page) == {"Everything open": 1, "Acme only": 0}, "counted in Olga's brands"
    opened = olga.get(f"/?view=all&brand_id={acme_brand(workspace)}").text
    assert case_ids(opened) == [] and "@dana" not in opened and "@finn" not in opened


def acme_brand(workspace: Workspace) -> int:
    with transaction(workspace.settings.database_url) as session:
        return session.scalars(select(Brand.id).where(Brand.name == "Acme")).one()


def test_a_view_of_resolved_cases_counts_them_beside_the_open_views(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    ids = [str(i) for i in case_ids(ana.get("/").text)]
    ana.post("/inbox/bulk", data={"action": "resolve", "case_ids": ids[:1]})
    save(ana, "Done", "status=resolved")
    page = ana.get("/").text
    assert saved(page) == {"Done": 1}
    assert count(page, "all") == 1 and count(page, "unassigned") == 1, "open views unchanged"


def test_saving_and_changing_views_need_the_csrf_token(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    save(ana, "Kept", "view=mine")
    kept = view_id(workspace, "Kept")
    del ana.headers["X-CSRF-Token"]
    assert ana.post("/views", data={"name": "Sneaky", "filters": ""}).status_code == 403
    assert ana.post(f"/views/{kept}", data={"action": "delete"}).status_code == 403
    forged = ana.post(f"/views/{kept}", data={"action": "delete", "csrf_token": "forged"})
    assert forged.status_code == 403
    with transaction(workspace.settings.database_url) as session:
        assert [v.name for v in session.scalars(select(SavedView))] == ["Kept"]
    assert audit_actions(workspace) == ["saved_view.created"]


UPDATE = "Update view with these filters"


def test_the_owner_updates_a_shown_view_with_the_current_filters(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    save(ana, "Urgent", "priority=urgent")
    urgent = view_id(workspace, "Urgent")
    opened = ana.get(f"/?view=all&priority=urgent&saved={urgent}").text
    assert UPDATE not in opened, "the filters are the stored ones"
    assert f'name="saved" value="{urgent}"' in opened, "changing a filter keeps the view shown"
    changed = ana.get(f"/?view=mine&priority=high&saved={urgent}").text
    assert UPDATE in changed and f'formaction="/views/{urgent}"' in changed
    assert UPDATE not in ana.get("/?view=mine&priority=high").text, "no saved view shown"
    response = ana.post(
        f"/views/{urgent}", data={"action": "filters", "filters": "view=mine&priority=high&page=2"}
    )
    assert response.headers["location"] == f"/?view=mine&priority=high&saved={urgent}"
    page = ana.get(response.headers["location"]).text
    assert "Updated view Urgent with these filters." in page and UPDATE not in page
    assert re.search(r'class="active" data-saved-view="Urgent"', page)
    with transaction(workspace.settings.database_url) as session:
        stored = session.get(SavedView, urgent)
        assert stored is not None and stored.filters == {"view": "mine", "priority": "high"}
        assert (stored.name, stored.position) == ("Urgent", 0), "only the filters change"
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "saved_view.filters_updated")
        ).one()
        assert event.before["filters"] == {"view": "all", "priority": "urgent"}
        assert event.after["filters"] == {"view": "mine", "priority": "high"}
        assert event.actor == "ana" and event.entity_id == urgent


def test_only_the_owner_updates_a_views_filters(workspace: Workspace) -> None:
    sam, ana = workspace.login("sam"), workspace.login("ana")
    save(sam, "Refunds", "q=refund")
    refunds = view_id(workspace, "Refunds")
    sam.post(
        f"/views/{refunds}",
        data={"action": "share", "team_id": team_options(sam.get("/views").text)["Acme"]},
    )
    assert "Refunds" in saved(ana.get("/").text)
    assert UPDATE not in ana.get(f"/?view=mine&saved={refunds}").text, "not offered to others"
    ana.post(f"/views/{refunds}", data={"action": "filters", "filters": "view=mine"})
    assert "not yours to change" in ana.get("/views").text
    with transaction(workspace.settings.database_url) as session:
        stored = session.get(SavedView, refunds)
        assert stored is not None and stored.filters == {"view": "all", "q": "refund"}
    assert audit_actions(workspace) == ["saved_view.created", "saved_view.shared"]
    del ana.headers["X-CSRF-Token"]
    refused = ana.post(f"/views/{refunds}", data={"action": "filters", "filters": "view=mine"})
    assert refused.status_code == 403
