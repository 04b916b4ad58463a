"""Suggested replies on the case page and through `GET /api/v1/cases/{id}/suggestions`: the
same function, the same list, filled in for this customer, never another customer's data."""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi.testclient import TestClient

import atdesk.web
from atdesk.storage.session import transaction
from tests.respond.suggestion_cases import (
    CLEAN_FOR_LUCIA,
    FORBIDDEN,
    lucia_case,
    seed_past_cases,
    send_automated_answer,
)
from tests.web.conftest import Workspace
from tests.web.test_api import token_for

_BUTTON = re.compile(
    r'<button type="button" class="suggestion" data-text="([^"]*)">([^<]*)</button>'
    r' <a class="muted small" href="/cases/(\d+)"'
)
# The workspace's own answered case (Dana's), similar enough to be offered too.
DANA_CLEAN = "sorry! DM us the order number"


def _lucia(workspace: Workspace) -> int:
    with transaction(workspace.settings.database_url) as session:
        seed_past_cases(session)
    send_automated_answer(workspace.settings)
    with transaction(workspace.settings.database_url) as session:
        return lucia_case(session).id


def _page_suggestions(fragment: str) -> list[tuple[str, str, int]]:
    """(text inserted on click, text shown, source case) for each suggestion button."""
    return [
        (html.unescape(data), html.unescape(shown), int(source))
        for data, shown, source in _BUTTON.findall(fragment)
    ]


def test_the_api_returns_what_the_page_shows_filled_for_this_customer(
    workspace: Workspace,
) -> None:
    case_id = _lucia(workspace)
    ana = workspace.login("ana")
    page = _page_suggestions(ana.get(f"/cases/{case_id}/suggestions").text)
    api = ana.get(f"/api/v1/cases/{case_id}/suggestions")
    assert api.status_code == 200
    items = api.json()
    assert [(i["text"], i["text"], i["source_case_id"]) for i in items] == page
    assert 1 <= len(items) <= 3 and all(
        set(i) == {"text", "source_case_id", "score"} for i in items
    )
    assert {i["text"] for i in items} <= CLEAN_FOR_LUCIA | {DANA_CLEAN}
    assert any("Lucia" in i["text"] for i in items), "her own first name, filled in"
    for item in items:
        assert "{first_name}" not in item["text"]
        assert not [bad for bad in FORBIDDEN if bad in item["text"]], item["text"]
    script = TestClient(workspace.login("ana").app)
    with_token = script.get(
        f"/api/v1/cases/{case_id}/suggestions", headers=token_for(workspace, "ana")
    )
    assert with_token.json() == items, "a script with a token gets the same list"


def test_clicking_a_suggestion_inserts_the_filled_text_the_server_sent(
    workspace: Workspace,
) -> None:
    """Browser-free: the button's data-text (what case.js inserts) is the filled text shown,
    and the page script inserts exactly that attribute, nothing it builds itself."""
    case_id = _lucia(workspace)
    page = _page_suggestions(workspace.login("ana").get(f"/cases/{case_id}/suggestions").text)
    assert page and all(inserted == shown for inserted, shown, _ in page)
    assert all("{" not in inserted and "@" not in inserted for inserted, _, _ in page)
    script = (Path(atdesk.web.__file__).parent / "static" / "case.js").read_text()
    click = script[script.index('closest("button.suggestion")') :][:120]
    assert "insert(b.dataset.text)" in click


def test_another_brands_case_is_404_and_no_login_is_401(workspace: Workspace) -> None:
    case_id = _lucia(workspace)
    olga = workspace.login("olga")
    assert olga.get(f"/api/v1/cases/{case_id}/suggestions").status_code == 404
    assert olga.get(f"/cases/{case_id}/suggestions").status_code == 404
    assert olga.get("/api/v1/cases/999999/suggestions").status_code == 404
    anonymous = TestClient(workspace.login("ana").app)
    assert anonymous.get(f"/api/v1/cases/{case_id}/suggestions").status_code == 401
