"""Every answer carries the security headers (CSP, nosniff, no framing, referrer policy): pages,
the API, webhooks, static files, errors; the case page refuses to be framed."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.testclient import TestClient
from sqlalchemy import select

from atdesk.models import Author, Case
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from atdesk.web.security import CONTENT_SECURITY_POLICY
from tests.web.conftest import Workspace

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def assert_protected(headers: Mapping[str, str], where: str) -> str:
    """The fixed headers are there, and a CSP that forbids framing; returns the CSP."""
    values = {k.lower(): v for k, v in headers.items()}
    for name, value in EXPECTED.items():
        assert values.get(name) == value, f"{name} on {where}: {values.get(name)!r}"
    policy = values.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, f"CSP on {where}: {policy!r}"
    return str(policy)


def dana_case_id(workspace: Workspace) -> int:
    with transaction(workspace.settings.database_url) as session:
        dana = session.scalars(select(Author).where(Author.handle == "dana")).one()
        return session.scalars(select(Case.id).where(Case.customer_author_id == dana.id)).one()


def test_pages_api_webhooks_static_and_errors_carry_the_headers(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    anonymous = TestClient(ana.app, follow_redirects=False)
    answers = {
        "login page": anonymous.get("/login"),
        "redirect to login": anonymous.get("/"),
        "inbox": ana.get("/"),
        "case page": ana.get(f"/cases/{dana_case_id(workspace)}"),
        "API": ana.get("/api/v1/cases"),
        "API 401": anonymous.get("/api/v1/cases"),
        "openapi": ana.get("/openapi.json"),
        "static css": anonymous.get("/static/app.css"),
        "static js": anonymous.get("/static/app.js"),
        "health": anonymous.get("/healthz"),
        "webhook refused": anonymous.post("/webhooks/x", content=b"{}"),
        "404 page": ana.get("/no/such/page", headers={"Accept": "text/html"}),
        "404 JSON": ana.get("/api/v1/nothing-here"),
    }
    for where, answer in answers.items():
        policy = assert_protected(answer.headers, where)
        assert policy == CONTENT_SECURITY_POLICY, where


def test_the_policy_allows_only_the_apps_own_scripts_and_styles() -> None:
    parts = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert parts["default-src"] == "'self'"
    assert parts["script-src"] == "'self'", "no inline script, no eval, no other origin"
    assert parts["style-src"] == "'self'"
    assert parts["object-src"] == "'none'" and parts["base-uri"] == "'none'"
    assert parts["frame-ancestors"] == "'none'"


def test_the_case_page_refuses_to_be_framed(workspace: Workspace) -> None:
    page = workspace.login("ana").get(f"/cases/{dana_case_id(workspace)}")
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_a_crash_answer_carries_the_headers_too(workspace: Workspace) -> None:
    app = create_app(workspace.settings)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    answer = TestClient(app, raise_server_exceptions=False).get("/api/v1/boom")
    assert answer.status_code == 500
    assert_protected(answer.headers, "500")


def test_the_api_docs_page_gets_its_own_policy_still_unframeable(workspace: Workspace) -> None:
    answer = workspace.login("ana").get("/docs")
    assert answer.status_code == 200
    policy = assert_protected(answer.headers, "/docs")
    assert "https://cdn.jsdelivr.net" in policy and "'sha256-" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
