"""Saved views through the REST API: the UI's rules, audit and brand access, with a token."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from atdesk.models import SavedView, Team
from atdesk.storage.session import transaction
from tests.web.conftest import Workspace
from tests.web.test_api import token_for
from tests.web.test_saved_views import acme_brand, audit_actions, finn_intent, saved

API = "/api/v1/saved-views"


class Script:
    """A client with no browser session: it speaks only through one user's API token."""

    def __init__(self, workspace: Workspace, username: str) -> None:
        self.client = TestClient(workspace.login(username).app, follow_redirects=False)
        self.client.headers.update(token_for(workspace, username))

    def create(self, name: str, **filters: Any) -> dict[str, Any]:
        """Save a view, asserting it was made."""
        response = self.client.post(API, json={"name": name, "filters": filters})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def names(self) -> list[str]:
        """The views listed for this user, in order."""
        return [v["name"] for v in self.client.get(API).json()]


def team_id(workspace: Workspace, name: str) -> int:
    with transaction(workspace.settings.database_url) as session:
        return session.scalars(select(Team.id).where(Team.name == name)).one()


def stored_team(workspace: Workspace, view_id: int) -> int | None:
    with transaction(workspace.settings.database_url) as session:
        view = session.get(SavedView, view_id)
        assert view is not None
        return view.team_id


def test_a_script_saves_a_view_lists_it_counted_and_reads_its_cases(workspace: Workspace) -> None:
    ana = Script(workspace, "ana")
    intent = finn_intent(workspace)
    made = ana.create("Finn's kind", view="unassigned", intent=intent, tag="  ")
    assert made["filters"]["view"] == "unassigned" and made["filters"]["intent"] == intent
    assert made["filters"]["tag"] is None, "an empty filter is not kept"
    assert (made["count"], made["mine"], made["position"], made["team"]) == (1, True, 0, None)
    everything = ana.create("Everything", view="all", tag=None)
    with transaction(workspace.settings.database_url) as session:
        stored = session.get(SavedView, made["id"])
        assert stored is not None and stored.filters == {"view": "unassigned", "intent": intent}
    listed = ana.client.get(API).json()
    assert [(v["name"], v["count"], v["position"]) for v in listed] == [
        ("Finn's kind", 1, 0),
        ("Everything", 2, 1),
    ]
    assert saved(workspace.login("ana").get("/").text) == {"Finn's kind": 1, "Everything": 2}
    cases = ana.client.get(f"{API}/{made['id']}/cases").json()
    assert cases["total"] == 1 and cases["items"][0]["customer_handle"] == "finn"
    assert (cases["limit"], cases["offset"]) == (50, 0)
    all_cases = ana.client.get("/api/v1/cases").json()
    second = ana.client.get(f"{API}/{everything['id']}/cases", params={"limit": 1, "offset": 1})
    assert second.json() == {**all_cases, "items": all_cases["items"][1:], "limit": 1, "offset": 1}
    assert ana.client.get(f"{API}/{made['id']}/cases", params={"limit": 0}).status_code == 422
    assert audit_actions(workspace) == ["saved_view.created", "saved_view.created"]


def test_bad_filters_and_names_are_refused_field_by_field(workspace: Workspace) -> None:
    ana = Script(workspace, "ana")
    ana.create("Urgent", priority="urgent")
    bad = ana.client.post(
        API,
        json={"name": "x", "filters": {"intent": "nonsense", "brand_id": 0, "colour": "red"}},
    )
    assert bad.status_code == 422
    fields = {tuple(e["loc"]) for e in bad.json()["detail"]}
    assert fields == {
        ("body", "filters", "intent"),
        ("body", "filters", "brand_id"),
        ("body", "filters", "colour"),
    }
    for name, message in ((" urgent ", "already have a view called"), ("  ", "give the view")):
        refused = ana.client.post(API, json={"name": name})
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["detail"]
        assert error["loc"] == ["body", "name"] and message in error["msg"]
    assert ana.client.post(API, json={}).json()["detail"][0]["loc"] == ["body", "name"]
    later = ana.create("Later")
    clash = ana.client.patch(f"{API}/{later['id']}", json={"name": "URGENT"})
    assert clash.status_code == 422 and clash.json()["detail"][0]["loc"] == ["body", "name"]
    nowhere = ana.client.patch(f"{API}/{later['id']}", json={"team_id": 999_999})
    assert nowhere.status_code == 422 and nowhere.json()["detail"][0]["loc"] == ["body", "team_id"]
    filters = ana.client.patch(f"{API}/{later['id']}", json={"filters": {"view": "nowhere"}})
    assert filters.status_code == 422 and filters.json()["detail"][0]["loc"][:2] == [
        "body",
        "filters",
    ]
    assert ana.names() == ["Urgent", "Later"]
    assert audit_actions(workspace) == ["saved_view.created", "saved_view.created"]


def test_rename_reorder_and_delete_are_audited(workspace: Workspace) -> None:
    ana = Script(workspace, "ana")
    one, two, three = (ana.create(n, tag=n.lower())["id"] for n in ("One", "Two", "Three"))
    moved = ana.client.patch(f"{API}/{three}", json={"position": 0})
    assert moved.status_code == 200 and moved.json()["position"] == 0
    assert ana.names() == ["Three", "One", "Two"]
    both = ana.client.patch(f"{API}/{two}", json={"name": " Second ", "position": 1})
    assert both.json()["name"] == "Second" and both.json()["position"] == 1
    assert ana.client.patch(f"{API}/{one}", json={"position": 99}).json()["position"] == 2
    assert ana.client.patch(f"{API}/{one}", json={"position": 2}).status_code == 200
    assert ana.names() == ["Three", "Second", "One"]
    assert ana.client.delete(f"{API}/{two}").status_code == 204
    assert ana.names() == ["Three", "One"]
    assert ana.client.get(f"{API}/{two}/cases").status_code == 404
    assert ana.client.delete(f"{API}/{two}").status_code == 404
    assert audit_actions(workspace)[3:] == [
        "saved_view.moved",
        "saved_view.renamed",
        "saved_view.moved",
        "saved_view.moved",
        "saved_view.deleted",
    ], "a move to where a view already is changes nothing and records nothing"


def test_only_the_owner_changes_a_view_others_see_403_or_404(workspace: Workspace) -> None:
    sam, ana, olga = Script(workspace, "sam"), Script(workspace, "ana"), Script(workspace, "olga")
    refunds = sam.create("Refunds", q="refund")["id"]
    assert ana.client.get(f"{API}/{refunds}/cases").status_code == 404, "not shared yet"
    shared = sam.client.patch(f"{API}/{refunds}", json={"team_id": team_id(workspace, "Acme")})
    assert shared.status_code == 200 and shared.json()["team"] == "Acme"
    [seen] = ana.client.get(API).json()
    assert (seen["name"], seen["mine"], seen["team"], seen["position"]) == (
        "Refunds",
        False,
        "Acme",
        None,
    )
    assert ana.client.get(f"{API}/{refunds}/cases").json()["total"] == 1
    for attempt in (
        ana.client.patch(f"{API}/{refunds}", json={"name": "Taken"}),
        ana.client.patch(f"{API}/{refunds}", json={"team_id": None}),
        ana.client.delete(f"{API}/{refunds}"),
    ):
        assert attempt.status_code == 403 and "not yours to change" in attempt.json()["detail"]
    for hidden in (
        olga.client.patch(f"{API}/{refunds}", json={"name": "Taken"}),
        olga.client.delete(f"{API}/{refunds}"),
        olga.client.get(f"{API}/{refunds}/cases"),
        ana.client.delete(f"{API}/999999"),
    ):
        assert hidden.status_code == 404 and "no saved view" in hidden.json()["detail"]
    assert sam.names() == ["Refunds"] and olga.names() == []
    assert sam.client.patch(f"{API}/{refunds}", json={"team_id": None}).json()["team"] is None
    assert ana.names() == [] and ana.client.get(f"{API}/{refunds}/cases").status_code == 404
    assert audit_actions(workspace) == [
        "saved_view.created",
        "saved_view.shared",
        "saved_view.unshared",
    ]


def test_supervisors_share_with_their_own_teams_admins_with_any(workspace: Workspace) -> None:
    ana, sam, root = Script(workspace, "ana"), Script(workspace, "sam"), Script(workspace, "root")
    acme, other = team_id(workspace, "Acme"), team_id(workspace, "Other")
    own = ana.create("Mine to keep", view="mine")["id"]
    agent = ana.client.patch(f"{API}/{own}", json={"team_id": acme})
    assert agent.status_code == 403 and "only supervisors and admins" in agent.json()["detail"]
    sams = sam.create("Sam's")["id"]
    elsewhere = sam.client.patch(f"{API}/{sams}", json={"team_id": other, "name": "Renamed"})
    assert elsewhere.status_code == 403 and "your own teams" in elsewhere.json()["detail"]
    assert sam.names() == ["Sam's"], "a refused change leaves the whole request undone"
    roots = root.create("Root's")["id"]
    assert root.client.patch(f"{API}/{roots}", json={"team_id": other}).json()["team"] == "Other"
    assert (stored_team(workspace, own), stored_team(workspace, sams)) == (None, None)
    assert stored_team(workspace, roots) == other
    assert audit_actions(workspace) == ["saved_view.created"] * 3 + ["saved_view.shared"]


def test_a_shared_view_counts_and_lists_only_the_viewers_brands(workspace: Workspace) -> None:
    root, olga = Script(workspace, "root"), Script(workspace, "olga")
    everything = root.create("Everything open", view="all")["id"]
    acme_only = root.create("Acme only", brand_id=acme_brand(workspace))["id"]
    for view in (everything, acme_only):
        root.client.patch(f"{API}/{view}", json={"team_id": team_id(workspace, "Other")})
    counts = {v["name"]: v["count"] for v in root.client.get(API).json()}
    assert counts == {"Everything open": 3, "Acme only": 2}
    counts = {v["name"]: v["count"] for v in olga.client.get(API).json()}
    assert counts == {"Everything open": 1, "Acme only": 0}, "counted in Olga's brands"
    mine = olga.client.get(f"{API}/{everything}/cases").json()
    assert [c["customer_handle"] for c in mine["items"]] == ["eve"] and mine["total"] == 1
    assert olga.client.get(f"{API}/{acme_only}/cases").json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
    }


def test_without_a_session_or_token_every_route_answers_401(workspace: Workspace) -> None:
    ana = Script(workspace, "ana")
    view = ana.create("Kept")["id"]
    for headers in ({}, {"Authorization": "Bearer atd_wrong"}):
        anonymous = TestClient(ana.client.app, headers=headers)
        for response in (
            anonymous.get(API),
            anonymous.post(API, json={"name": "Sneaky"}),
            anonymous.patch(f"{API}/{view}", json={"name": "Sneaky"}),
            anonymous.delete(f"{API}/{view}"),
            anonymous.get(f"{API}/{view}/cases"),
        ):
            assert response.status_code == 401, response.request
            assert response.headers["www-authenticate"] == "Bearer"
    assert ana.names() == ["Kept"]


def test_browser_sessions_need_the_csrf_header_to_write(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    made = ana.post(API, json={"name": "From the page"})
    assert made.status_code == 201, "a session with its CSRF header writes like the UI"
    view = made.json()["id"]
    del ana.headers["X-CSRF-Token"]
    assert ana.get(API).status_code == 200, "reading needs no CSRF token"
    for refused in (
        ana.post(API, json={"name": "Sneaky"}),
        ana.patch(f"{API}/{view}", json={"name": "Sneaky"}),
        ana.delete(f"{API}/{view}"),
    ):
        assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert [v["name"] for v in ana.get(API).json()] == ["From the page"]
    assert audit_actions(workspace) == ["saved_view.created"]


def test_patch_replaces_a_views_filters_checked_like_saving(workspace: Workspace) -> None:
    sam, ana = Script(workspace, "sam"), Script(workspace, "ana")
    made = sam.create("Urgent", priority="urgent")
    changed = sam.client.patch(
        f"{API}/{made['id']}", json={"filters": {"view": "mine", "priority": "high", "tag": " "}}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["position"]) == ("Urgent", 0)
    assert body["filters"]["view"] == "mine" and body["filters"]["priority"] == "high"
    assert body["filters"]["tag"] is None, "an empty filter is not kept"
    same = {"filters": {"view": "mine", "priority": "high"}}
    assert sam.client.patch(f"{API}/{made['id']}", json=same).status_code == 200
    for bad in ({"priority": "whenever"}, {"page": 2}, {"brand_id": 0}):
        refused = sam.client.patch(f"{API}/{made['id']}", json={"filters": bad})
        assert refused.status_code == 422, bad
        assert refused.json()["detail"][0]["loc"][:2] == ["body", "filters"]
    sam.client.patch(f"{API}/{made['id']}", json={"team_id": team_id(workspace, "Acme")})
    taken = ana.client.patch(f"{API}/{made['id']}", json={"filters": {"view": "all"}})
    assert taken.status_code == 403 and "not yours to change" in taken.json()["detail"]
    with transaction(workspace.settings.database_url) as session:
        stored = session.get(SavedView, made["id"])
        assert stored is not None and stored.filters == {"view": "mine", "priority": "high"}
    assert audit_actions(workspace) == [
        "saved_view.created",
        "saved_view.filters_updated",
        "saved_view.shared",
    ]
