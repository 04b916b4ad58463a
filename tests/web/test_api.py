"""Scripts do what the UI does through the REST API, with a token; the same rules apply."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.accounts.service import create_token, find_user
from atdesk.models import Author, Case, Post
from atdesk.storage.session import transaction
from tests.web.conftest import Workspace


def token_for(workspace: Workspace, username: str) -> dict[str, str]:
    with transaction(workspace.settings.database_url) as session:
        return {"Authorization": f"Bearer {create_token(session, find_user(session, username))}"}


def dana(workspace: Workspace) -> Case:
    with transaction(workspace.settings.database_url) as session:
        author = session.scalars(select(Author).where(Author.handle == "dana")).one()
        return session.scalars(select(Case).where(Case.customer_author_id == author.id)).one()


def test_a_script_assigns_tags_replies_and_resolves(workspace: Workspace) -> None:
    case = dana(workspace)
    script = workspace.login("ana").__class__(workspace.login("ana").app)
    headers = token_for(workspace, "ana")
    with transaction(workspace.settings.database_url) as session:
        ana_id = find_user(session, "ana").id
    changed = script.patch(
        f"/api/v1/cases/{case.id}",
        json={"assignee_id": ana_id, "priority": "high", "add_tags": ["api"]},
        headers=headers,
    )
    assert changed.status_code == 200 and changed.json()["assignee_id"] == ana_id
    assert changed.json()["priority"] == "high"
    sent = script.post(
        f"/api/v1/cases/{case.id}/replies",
        json={"text": "On it!", "mode": "public", "version": 0},
        headers=headers,
    )
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert sent.json()["network_id"] == "9000000001"
    stale = script.post(
        f"/api/v1/cases/{case.id}/replies",
        json={"text": "Me too", "mode": "public", "version": 0},
        headers=headers,
    )
    assert stale.status_code == 409
    pii = script.post(
        f"/api/v1/cases/{case.id}/replies",
        json={"text": "Calling 415 555 0142", "mode": "public", "version": 1},
        headers=headers,
    )
    assert pii.status_code == 422 and pii.json()["findings"][0]["customers"] is True
    assert (
        script.post(
            f"/api/v1/cases/{case.id}/notes", json={"body": "via script"}, headers=headers
        ).status_code
        == 201
    )
    done = script.patch(f"/api/v1/cases/{case.id}", json={"status": "resolved"}, headers=headers)
    assert done.json()["status"] == "resolved"


def test_corrections_are_readable_as_training_data(workspace: Workspace) -> None:
    case = dana(workspace)
    ana = workspace.login("ana")
    with transaction(workspace.settings.database_url) as session:
        first = session.scalars(select(Post).where(Post.native_id == "1")).one()
    ana.post(f"/posts/{first.id}/triage", data={"choice": "intent:complaint"})
    rows = ana.get("/api/v1/triage-corrections").json()
    assert rows["total"] == 1 and rows["items"][0]["after"] == "complaint"
    assert rows["items"][0]["case_id"] == case.id
    olga = workspace.login("olga")
    assert olga.get("/api/v1/triage-corrections").json()["total"] == 0, "not her brand"


def test_browser_sessions_need_the_csrf_header_to_write(workspace: Workspace) -> None:
    case = dana(workspace)
    ana = workspace.login("ana")
    del ana.headers["X-CSRF-Token"]
    assert ana.patch(f"/api/v1/cases/{case.id}", json={"priority": "low"}).status_code == 403
    olga_headers = token_for(workspace, "olga")
    assert (
        ana.patch(
            f"/api/v1/cases/{case.id}", json={"priority": "low"}, headers=olga_headers
        ).status_code
        == 404
    ), "a token of another brand's agent cannot touch it"
