"""Errors a browser meets on a page are pages in the app's layout; the API and scripts that ask
for JSON keep FastAPI's JSON answers exactly, with the same status codes."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from atdesk.config import Settings
from atdesk.web.app import create_app
from tests.respond.fakes import RecordingOutbox
from tests.web.conftest import Workspace, seed

# What chromium sends when it navigates to a page.
BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
    "image/webp,*/*;q=0.8"
}
JSON = {"Accept": "application/json"}


def assert_error_page(response: Response, status: int, says: str) -> str:
    """An HTML page in the layout with the status, a human message and the way back."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert 'rel="stylesheet" href="/static/app.css' in html, "the app's own layout"
    assert f'data-status="{status}"' in html
    assert says in html, html
    assert '<a href="/" data-testid="back-to-inbox">' in html
    assert "Traceback" not in html and '"detail"' not in html
    return html


def test_an_unknown_page_is_a_404_page_for_a_browser_and_json_for_the_rest(
    workspace: Workspace,
) -> None:
    ana = workspace.login("ana")
    assert_error_page(ana.get("/no-such-page", headers=BROWSER), 404, "Not found")
    assert ana.get("/no-such-page").json() == {"detail": "Not Found"}, "Accept: */* as today"
    assert ana.get("/no-such-page", headers=JSON).json() == {"detail": "Not Found"}
    anonymous = TestClient(ana.app, follow_redirects=False)
    assert_error_page(anonymous.get("/no-such-page", headers=BROWSER), 404, "Not found")


def test_the_api_webhooks_and_health_answer_json_even_to_a_browser(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    missing = ana.get("/api/v1/no-such-thing", headers=BROWSER)
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    anonymous = TestClient(ana.app, follow_redirects=False)
    api = anonymous.get("/api/v1/cases", headers=BROWSER)
    assert api.status_code == 401 and "authentication required" in api.json()["detail"]
    assert api.headers["www-authenticate"] == "Bearer"
    hook = anonymous.post("/webhooks/x", content=b"{}", headers=BROWSER)
    assert hook.status_code in (401, 403) and hook.headers["content-type"].startswith(
        "application/json"
    )
    assert anonymous.get("/healthz", headers=BROWSER).json() == {"status": "ok"}


def test_a_page_an_agent_may_not_open_is_a_403_page_naming_who_to_ask(
    workspace: Workspace,
) -> None:
    ana = workspace.login("ana")
    assert_error_page(
        ana.get("/admin/users", headers=BROWSER), 403, "Admins only; ask an admin for access."
    )
    refused = ana.get("/admin/users")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "admins only; ask an admin for access"}


def test_another_brands_case_is_a_404_page_that_names_nothing_of_theirs(
    workspace: Workspace,
) -> None:
    olga = workspace.login("olga")
    match = re.search(r'data-case-id="(\d+)"', olga.get("/").text)
    assert match
    eve_case = match.group(1)
    ana = workspace.login("ana")
    html = assert_error_page(
        ana.get(f"/cases/{eve_case}", headers=BROWSER), 404, f"No case {eve_case} in your brands."
    )
    for theirs in ("Other", "otherhelp", "@eve", "invoice"):
        assert theirs not in html
    api = ana.get(f"/api/v1/cases/{eve_case}", headers=BROWSER)
    assert api.status_code == 404 and api.json() == {"detail": f"no case {eve_case} in your brands"}
    scripted = ana.get(f"/cases/{eve_case}", headers=JSON)
    assert scripted.status_code == 404 and "in your brands" in scripted.json()["detail"]


def test_a_page_used_the_wrong_way_is_a_405_page_keeping_allow(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    response = ana.get("/logout", headers=BROWSER)
    assert_error_page(response, 405, "does not take that kind of request")
    assert response.headers["allow"] == "POST"
    assert ana.get("/logout").json() == {"detail": "Method Not Allowed"}


def test_bad_form_values_are_a_422_page_naming_the_fields_but_the_api_keeps_its_list(
    workspace: Workspace,
) -> None:
    ana = workspace.login("ana")
    match = re.search(r'data-case-id="(\d+)"', ana.get("/").text)
    assert match
    case_id = match.group(1)
    html = assert_error_page(
        ana.post(f"/cases/{case_id}/reply", data={"version": "soon"}, headers=BROWSER),
        422,
        "Missing or not valid: version.",
    )
    assert "soon" not in html, "what was sent is not echoed"
    assert_error_page(
        ana.post(f"/cases/{case_id}/priority", data={"value": "whenever"}, headers=BROWSER),
        422,
        "Priority must be one of",
    )
    api = ana.get("/api/v1/cases", params={"limit": "many"}, headers=BROWSER)
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["query", "limit"]


def test_a_live_stream_opened_without_a_login_is_a_401_page_with_the_way_in(
    workspace: Workspace,
) -> None:
    anonymous = TestClient(workspace.login("ana").app, follow_redirects=False)
    html = assert_error_page(anonymous.get("/live", headers=BROWSER), 401, "Please log in")
    assert '<a href="/login?next=/live">Log in</a>' in html
    assert anonymous.get("/live").status_code == 401


@pytest.fixture
def crashing(settings: Settings) -> TestClient:
    """The app with a page and an API route that fail with an unexpected error."""
    seed(settings)
    app = create_app(settings, outbox=RecordingOutbox())

    def crash() -> None:
        raise RuntimeError("secret-internals at /srv/atdesk/db.py line 42")

    app.add_api_route("/crash", crash)
    app.add_api_route("/api/v1/crash", crash)
    return TestClient(app, follow_redirects=False, raise_server_exceptions=False)


def test_an_unexpected_error_is_a_500_page_that_leaks_nothing(crashing: TestClient) -> None:
    html = assert_error_page(crashing.get("/crash", headers=BROWSER), 500, "Something went wrong")
    assert "secret-internals" not in html and "RuntimeError" not in html
    api = crashing.get("/api/v1/crash", headers=BROWSER)
    assert api.status_code == 500 and api.text == "Internal Server Error", "as Starlette's own"
    assert crashing.get("/crash").text == "Internal Server Error"
