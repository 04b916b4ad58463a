"""SPEC.md section 7: health, login, and nothing readable without a session or a token."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from atdesk.accounts.service import create_token, create_user, find_user
from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.factories import brand_reply, make_brand, post, run

PASSWORD = "correct horse battery"


@pytest.fixture
def client(settings: Settings) -> TestClient:
    with transaction(settings.database_url) as session:
        make_brand(session)
        create_user(session, username="ana", password=PASSWORD, role=Role.AGENT)
        run(
            session,
            post("1", "@acmehelp my parcel is lost", minutes=0),
            brand_reply("2", "@dana sorry! DM us the order number", minutes=4, in_reply_to="1"),
        )
    return TestClient(create_app(settings), follow_redirects=False)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form carries a CSRF token"
    return match.group(1)


def login(client: TestClient, password: str = PASSWORD) -> int:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"username": "ana", "password": password, "csrf_token": token, "next": "/"}
    ).status_code


def test_healthz_answers_once_the_database_does(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/cases/1",
        "/api/v1/cases",
        "/api/v1/posts",
        "/api/v1/saved-views",
        "/api/v1/saved-views/1/cases",
        "/openapi.json",
        "/docs",
    ],
)
def test_everything_else_needs_a_session_or_a_token(client: TestClient, path: str) -> None:
    response = client.get(path)
    if path.startswith(("/api", "/openapi", "/docs")):
        assert response.status_code == 401
    else:
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_login_shows_the_inbox_and_the_case(client: TestClient) -> None:
    assert login(client, "wrong password!") == 401
    assert login(client) == 303
    inbox = client.get("/")
    assert inbox.status_code == 200 and "my parcel is lost" in inbox.text and "Acme" in inbox.text
    case_id = re.search(r'data-case-id="(\d+)"', inbox.text)
    assert case_id
    page = client.get(f"/cases/{case_id.group(1)}")
    assert "my parcel is lost" in page.text and "DM us the order number" in page.text
    assert "4m" in page.text, "first response time is shown"


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    response = client.post("/login", data={"username": "ana", "password": PASSWORD})
    assert response.status_code == 403


def test_login_is_rate_limited(client: TestClient) -> None:
    codes = [login(client, "not the password") for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    assert login(client) == 429, "even the right password waits out the lock"


def test_api_tokens_read_the_collections(client: TestClient, settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        token = create_token(session, find_user(session, "ana"))
    headers = {"Authorization": f"Bearer {token}"}
    cases = client.get("/api/v1/cases", headers=headers).json()
    assert cases["total"] == 1 and cases["items"][0]["first_response_seconds"] == 240
    posts = client.get(
        "/api/v1/posts", headers=headers, params={"case_id": cases["items"][0]["id"]}
    ).json()
    assert [p["native_id"] for p in posts["items"]] == ["1", "2"]
    assert client.get("/openapi.json", headers=headers).json()["info"]["title"] == "atdesk"
    assert (
        client.get("/api/v1/cases", headers={"Authorization": "Bearer atd_wrong"}).status_code
        == 401
    )


def _api_writes(client: TestClient) -> list[tuple[str, str]]:
    """Every write route the API publishes, with its path parameters filled with 1."""
    app = client.app
    assert isinstance(app, FastAPI)
    out = []
    for path, operations in app.openapi()["paths"].items():
        for method in sorted({m.upper() for m in operations} & {"POST", "PUT", "PATCH", "DELETE"}):
            out.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return out


def test_every_api_write_needs_a_login_and_a_browser_session_also_its_csrf_header(
    client: TestClient,
) -> None:
    writes = _api_writes(client)
    assert len(writes) >= 25, "the walk finds the API's write routes"
    for method, path in writes:
        response = client.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.status_code)
    assert login(client) == 303
    for method, path in writes:
        response = client.request(method, path, json={})
        assert response.status_code == 403, (method, path, response.status_code)
        assert "CSRF" in response.json()["detail"], (method, path)
    csrf = csrf_of(client.get("/me").text)
    response = client.post(
        "/api/v1/cases/1/notes", json={"body": "checked"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.text


def test_a_token_writes_without_csrf(client: TestClient, settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        token = create_token(session, find_user(session, "ana"), "script")
    response = client.post(
        "/api/v1/cases/1/notes",
        json={"body": "from a script"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
