"""Admins edit block lists on /admin/blocklist and through /api/v1/brands/{id}/blocks; every
add and remove is in the audit trail with who did it; nobody else may."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.models import AuditEvent, BlockEntry, Brand
from atdesk.storage.session import transaction
from tests.web.conftest import Workspace


def brand_id(ws: Workspace, name: str = "Acme") -> int:
    with transaction(ws.settings.database_url) as session:
        return session.scalars(select(Brand.id).where(Brand.name == name)).one()


def block_audit(ws: Workspace) -> list[tuple[str, str, dict[str, object], dict[str, object]]]:
    with transaction(ws.settings.database_url) as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["brand.block_added", "brand.block_removed"]))
            .order_by(AuditEvent.id)
        ).all()
        return [(e.action, e.actor, e.before, e.after) for e in events]


def test_an_admin_adds_and_removes_entries_on_the_page(workspace: Workspace) -> None:
    acme = brand_id(workspace)
    root = workspace.login("root")
    assert f'href="/admin/blocklist?brand_id={acme}"' in root.get("/admin/brands").text
    page = root.get(f"/admin/blocklist?brand_id={acme}")
    assert page.status_code == 200 and "Nothing blocked." in page.text
    added = root.post(
        f"/admin/blocklist/{acme}",
        data={"kind": "regex", "value": r"free\s+crypto", "note": "scam wave"},
    )
    assert added.status_code == 303
    page = root.get(added.headers["location"]).text
    assert r"Acme now blocks the pattern free\s+crypto" in page
    assert r"<code>free\s+crypto</code>" in page and "scam wave" in page
    refused = root.post(f"/admin/blocklist/{acme}", data={"kind": "regex", "value": "(a+)+$"})
    page = root.get(refused.headers["location"]).text
    assert "Not added: the pattern is too slow on long texts" in page
    broken = root.post(f"/admin/blocklist/{acme}", data={"kind": "regex", "value": "free(crypto"})
    assert "Not added: the pattern does not compile" in root.get(broken.headers["location"]).text
    with transaction(workspace.settings.database_url) as session:
        (entry,) = session.scalars(select(BlockEntry)).all()
        entry_id = entry.id
    removed = root.post(f"/admin/blocklist/{acme}/{entry_id}/remove")
    assert "Removed;" in root.get(removed.headers["location"]).text
    entry_json = {"brand_id": acme, "kind": "regex", "value": r"free\s+crypto", "note": "scam wave"}
    assert block_audit(workspace) == [
        ("brand.block_added", "root", {}, {"entry_id": entry_id, **entry_json}),
        ("brand.block_removed", "root", {"entry_id": entry_id, **entry_json}, {}),
    ]


def test_only_admins_reach_the_page_and_forms_need_csrf(workspace: Workspace) -> None:
    acme = brand_id(workspace)
    for username in ("ana", "sam"):
        client = workspace.login(username)
        assert client.get("/admin/blocklist").status_code == 403
        posted = client.post(f"/admin/blocklist/{acme}", data={"kind": "user", "value": "x"})
        assert posted.status_code == 403
    root = workspace.login("root")
    del root.headers["X-CSRF-Token"]
    assert root.post(
        f"/admin/blocklist/{acme}", data={"kind": "user", "value": "x"}
    ).status_code in (
        400,
        403,
    )
    assert block_audit(workspace) == []


def test_the_api_lists_adds_refuses_and_deletes(workspace: Workspace) -> None:
    acme = brand_id(workspace)
    root = workspace.login("root")
    made = root.post(
        f"/api/v1/brands/{acme}/blocks", json={"kind": "user", "value": "@Troll", "note": "abuse"}
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["kind"], body["value"], body["note"], body["created_by"]) == (
        "user",
        "troll",
        "abuse",
        "root",
    )
    again = root.post(f"/api/v1/brands/{acme}/blocks", json={"kind": "user", "value": "troll"})
    assert again.status_code == 409 and "already blocks" in again.json()["detail"]
    bad = root.post(f"/api/v1/brands/{acme}/blocks", json={"kind": "regex", "value": "x("})
    assert bad.status_code == 422 and "does not compile" in bad.json()["detail"]
    unknown = root.post(f"/api/v1/brands/{acme}/blocks", json={"kind": "domain", "value": "x"})
    assert unknown.status_code == 422
    root.post(f"/api/v1/brands/{acme}/blocks", json={"kind": "keyword", "value": "Giveaway"})
    listed = root.get(f"/api/v1/brands/{acme}/blocks").json()
    assert [(e["kind"], e["value"]) for e in listed] == [("keyword", "giveaway"), ("user", "troll")]
    other = brand_id(workspace, "Other")
    assert root.get(f"/api/v1/brands/{other}/blocks").json() == []
    assert root.delete(f"/api/v1/brands/{other}/blocks/{body['id']}").status_code == 404
    assert root.delete(f"/api/v1/brands/{acme}/blocks/{body['id']}").status_code == 204
    assert root.delete(f"/api/v1/brands/{acme}/blocks/{body['id']}").status_code == 404
    assert root.get("/api/v1/brands/999999/blocks").status_code == 404
    assert [a[0] for a in block_audit(workspace)] == [
        "brand.block_added",
        "brand.block_added",
        "brand.block_removed",
    ]


def test_the_api_is_for_admins_only(workspace: Workspace) -> None:
    acme = brand_id(workspace)
    for username in ("ana", "sam"):
        client = workspace.login(username)
        assert client.get(f"/api/v1/brands/{acme}/blocks").status_code == 403
        made = client.post(f"/api/v1/brands/{acme}/blocks", json={"kind": "user", "value": "x"})
        assert made.status_code == 403
    assert block_audit(workspace) == []
