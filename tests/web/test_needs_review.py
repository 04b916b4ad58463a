"""Learning from agents (issue 11.5): every triaged post names its model, and a Needs review
view lists the cases whose latest customer post triage was least sure of, within brand walls."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, update

from atdesk.accounts.service import create_token, find_user
from atdesk.cases.queries import NEEDS_REVIEW_BELOW, CaseFilter, inbox_counts, list_cases
from atdesk.cases.service import sync_cases
from atdesk.domain.cases import View
from atdesk.models import Author, Case, Post
from atdesk.storage.session import transaction
from atdesk.triage.service import get_triager
from atdesk.triage.versions import model_version
from tests.web.conftest import Workspace


def _confidences(workspace: Workspace, **by_native_id: float) -> None:
    """Say how sure triage was of each post (the seed's model gives whatever it gives), and
    let the cases follow their posts as the pipeline's sync does."""
    with transaction(workspace.settings.database_url) as session:
        for native_id, confidence in by_native_id.items():
            session.execute(
                update(Post)
                .where(Post.native_id == native_id.removeprefix("p"))
                .values(intent_confidence=confidence)
            )
        sync_cases(session, session.scalars(select(Case.conversation_id)).all())


def _case_ids(workspace: Workspace) -> dict[str, int]:
    """Case id per customer handle."""
    with transaction(workspace.settings.database_url) as session:
        rows = session.execute(
            select(Author.handle, Case.id).join(Case, Case.customer_author_id == Author.id)
        )
        return {str(handle): int(case_id) for handle, case_id in rows}


def _api(workspace: Workspace, username: str, path: str) -> Any:
    with transaction(workspace.settings.database_url) as session:
        token = create_token(session, find_user(session, username))
    client = workspace.login(username)
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_needs_review_lists_the_least_confident_first_within_the_brand_walls(
    workspace: Workspace,
) -> None:
    low = NEEDS_REVIEW_BELOW
    # dana's latest post (3) is the unsure one; her first (1) is sure and does not count.
    _confidences(workspace, p1=0.99, p3=low - 0.5, p4=low - 0.6, p5=low - 0.2)
    cases = _case_ids(workspace)
    listed = _api(workspace, "ana", "/api/v1/cases?view=needs_review")
    assert [c["id"] for c in listed["items"]] == [cases["dana"], cases["finn"]]
    assert listed["total"] == 2, "eve's case is Other's: never in ana's list or count"
    assert [
        c["id"] for c in _api(workspace, "olga", "/api/v1/cases?view=needs_review")["items"]
    ] == [cases["eve"]]
    with transaction(workspace.settings.database_url) as session:
        acme = session.scalars(select(Case.brand_id).where(Case.id == cases["dana"])).one()
        acme_only = CaseFilter(view=View.NEEDS_REVIEW, brand_ids=frozenset({acme}))
        assert inbox_counts(session, acme_only, {})[0][View.NEEDS_REVIEW] == 2
    inbox = workspace.login("ana").get("/?view=needs_review")
    assert inbox.status_code == 200
    assert re.search(r'data-view="needs_review">\s*<span>Needs review</span>', inbox.text)
    assert 'data-count="needs_review">2<' in inbox.text
    # Sure enough now, or the latest post sure while the first was not: off the list.
    _confidences(workspace, p5=low, p1=0.1, p3=0.95)
    assert _api(workspace, "ana", "/api/v1/cases?view=needs_review")["items"] == []


def test_a_resolved_case_leaves_needs_review(workspace: Workspace) -> None:
    _confidences(workspace, p3=0.1, p5=0.2)
    cases = _case_ids(workspace)
    ana = workspace.login("ana")
    done = ana.patch(f"/api/v1/cases/{cases['dana']}", json={"status": "resolved"})
    assert done.status_code == 200, done.text
    with transaction(workspace.settings.database_url) as session:
        rows, total = list_cases(session, CaseFilter(view=View.NEEDS_REVIEW))
        assert ([c.id for c in rows], total) == ([cases["finn"]], 1)


def test_every_triaged_post_names_its_model_on_the_case_and_in_the_api(
    workspace: Workspace,
) -> None:
    version = model_version(get_triager())
    assert version.startswith("model:")
    with transaction(workspace.settings.database_url) as session:
        posts = {p.native_id: p for p in session.scalars(select(Post))}
        assert {n: posts[n].model_version for n in ("1", "3", "4", "5")} == dict.fromkeys(
            ("1", "3", "4", "5"), version
        )
        assert posts["2"].model_version is None, "the brand's own reply is not triaged"
    items = _api(workspace, "ana", "/api/v1/posts?limit=50")["items"]
    assert {p["native_id"]: p["model_version"] for p in items if p["inbound"]} == {
        "1": version,
        "3": version,
        "5": version,
    }
    page = workspace.login("ana").get(f"/cases/{_case_ids(workspace)['finn']}")
    assert re.search(rf'data-testid="model-version"[^>]*>{re.escape(version)}<', page.text)


def test_an_agents_intent_correction_takes_the_case_out_of_needs_review(
    workspace: Workspace,
) -> None:
    _confidences(workspace, p3=0.1, p5=0.2)
    cases = _case_ids(workspace)
    ana = workspace.login("ana")
    with transaction(workspace.settings.database_url) as session:
        latest = session.scalars(select(Post).where(Post.native_id == "3")).one()
    other = "question" if latest.intent != "question" else "complaint"
    corrected = ana.post(f"/posts/{latest.id}/triage", data={"choice": f"intent:{other}"})
    assert corrected.status_code in (200, 303), corrected.text
    listed = _api(workspace, "ana", "/api/v1/cases?view=needs_review")["items"]
    assert [c["id"] for c in listed] == [cases["finn"]]
