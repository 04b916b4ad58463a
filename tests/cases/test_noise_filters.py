"""The inbox, the cases API and saved views filter by triage's spam and abuse flags
(`?abuse=1`, `?spam=1`; `0` for cases with none), behind the brand walls."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from atdesk.cases.inbox import params_from
from atdesk.models import Author, Case, Post
from atdesk.storage.session import transaction
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)


def flag(ws: Workspace) -> dict[str, int]:
    """finn's post (Acme) and eve's (Other) flagged as abuse, dana's first post as spam."""
    with transaction(ws.settings.database_url) as session:
        session.execute(update(Post).where(Post.native_id.in_(["4", "5"])).values(abuse=True))
        session.execute(update(Post).where(Post.native_id == "1").values(spam=True))
        rows = session.execute(
            select(Author.handle, Case.id).join(Case, Case.customer_author_id == Author.id)
        )
        return {handle: int(case_id) for handle, case_id in rows}


def api_cases(client: TestClient, query: str) -> list[int]:
    response = client.get(f"/api/v1/cases?{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def page_cases(client: TestClient, query: str) -> list[int]:
    page = client.get(f"/?{query}")
    assert page.status_code == 200
    return sorted(int(n) for n in re.findall(r'data-case-id="(\d+)"', page.text))


def test_inbox_and_api_filter_by_abuse_and_spam_in_your_brands(
    workspace: Workspace,  # noqa: F811
) -> None:
    cases = flag(workspace)
    ana, olga = workspace.login("ana"), workspace.login("olga")
    assert api_cases(ana, "abuse=true") == [cases["finn"]]
    assert api_cases(ana, "abuse=false") == [cases["dana"]]
    assert api_cases(ana, "spam=true") == [cases["dana"]]
    assert api_cases(ana, "spam=true&abuse=true") == []
    assert api_cases(olga, "abuse=true") == [cases["eve"]], "Acme's abusive case is not hers"
    assert page_cases(ana, "abuse=1") == [cases["finn"]]
    assert page_cases(ana, "abuse=0") == [cases["dana"]]
    assert page_cases(ana, "spam=1") == [cases["dana"]]
    assert page_cases(ana, "abuse=maybe") == sorted([cases["dana"], cases["finn"]])
    assert page_cases(olga, "abuse=1") == [cases["eve"]]
    assert 'name="abuse"' in ana.get("/?abuse=1").text


def test_saved_views_keep_the_flags(workspace: Workspace) -> None:  # noqa: F811
    cases = flag(workspace)
    ana = workspace.login("ana")
    made = ana.post("/api/v1/saved-views", json={"name": "Abuse", "filters": {"abuse": True}})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["filters"]["abuse"] is True and body["filters"]["spam"] is None
    assert body["count"] == 1
    listed = ana.get(f"/api/v1/saved-views/{body['id']}/cases")
    assert [c["id"] for c in listed.json()["items"]] == [cases["finn"]]
    saved = ana.post("/views", data={"name": "No spam", "filters": "spam=0&view=all"})
    assert saved.status_code == 303
    views = {v["name"]: v for v in ana.get("/api/v1/saved-views").json()}
    assert views["No spam"]["filters"]["spam"] is False and views["No spam"]["count"] == 1
    assert params_from({"spam": "0"}).filters() == {"view": "all", "spam": "0"}
    assert params_from({"abuse": "junk"}).filters() == {"view": "all"}
