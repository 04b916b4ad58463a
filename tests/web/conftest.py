"""A seeded workspace (two brands, their teams, staff of every role) and logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.cases.factories import PASSWORD, staff, team
from tests.factories import brand_reply, make_brand, post, run
from tests.respond.fakes import RecordingOutbox


@dataclass
class Workspace:
    """The app under test, its outbox, and a way to log anyone in."""

    settings: Settings
    outbox: RecordingOutbox
    login: Callable[..., TestClient]


def csrf_of(html: str) -> str:
    """The page's CSRF token (every form carries it)."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


def seed(settings: Settings) -> None:
    """Acme (team Acme: ana, sam) and Other (team Other: olga); root is an admin."""
    with transaction(settings.database_url) as session:
        acme = make_brand(session)
        other = create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        ana = staff(session, "ana", display_name="Ana")
        sam = staff(session, "sam", Role.SUPERVISOR, display_name="Sam")
        olga = staff(session, "olga", display_name="Olga")
        staff(session, "root", Role.ADMIN, display_name="Root")
        team(session, "Acme", [acme], [ana, sam])
        team(session, "Other", [other], [olga])
        run(
            session,
            post("1", "@acmehelp my parcel is lost, call me on +1 415 555 0142", minutes=0),
            brand_reply("2", "@dana sorry! DM us the order number", minutes=4, in_reply_to="1"),
            post("3", "@acmehelp still nothing, refund me", minutes=30, in_reply_to="2"),
            post("4", "@otherhelp my invoice is wrong", author="44", handle="eve", minutes=2),
            post("5", "@acmehelp app crashes on login", author="45", handle="finn", minutes=5),
        )


@pytest.fixture
def workspace(settings: Settings) -> Workspace:
    seed(settings)
    outbox = RecordingOutbox()
    app = create_app(settings, outbox=outbox)

    def login(username: str, password: str = PASSWORD) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        )
        assert response.status_code == 303, response.text
        client.headers["X-CSRF-Token"] = csrf_of(client.get("/").text)
        return client

    return Workspace(settings, outbox, login)
